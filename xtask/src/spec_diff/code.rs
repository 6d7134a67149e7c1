//! The generated-code half of spec-diff: progenitor's output for both specs,
//! with exactly the build's settings (codegen/generate.rs, shared with
//! build.rs), as a unified diff. Must not build or run anything.

use similar::TextDiff;

use super::generate;

/// The formatted Rust that the build generates from `spec_text`. The error is
/// the build's own message (not a valid document, progenitor rejected it, …).
pub fn generate_code(spec_text: &str) -> Result<String, String> {
    let spec = generate::parse(spec_text)?;
    generate::generate(&spec)
}

/// A unified diff (3 lines of context) of the generated code; empty when the
/// two are the same. `labels` name the two sides in the `---`/`+++` lines.
pub fn unified_diff(old: &str, new: &str, labels: (&str, &str)) -> String {
    if old == new {
        return String::new();
    }
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(labels.0, labels.1)
        .to_string()
}
