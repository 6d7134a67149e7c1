//! Generates the raw client from `spec/tallyfy-groups.yaml` with progenitor (builder
//! interface) into `$OUT_DIR/codegen.rs`. Owns nothing else: no hand-written code.

#[path = "codegen/naming.rs"]
mod naming;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const SPEC: &str = "spec/tallyfy-groups.yaml";

fn main() -> ExitCode {
    println!("cargo::rerun-if-changed={SPEC}");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=codegen/naming.rs");
    match generate() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            // Cargo shows a build script's stderr when it fails; name the file first.
            eprintln!("error: {SPEC}: {message}");
            println!("cargo::error={SPEC}: {}", message.replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

fn generate() -> Result<(), String> {
    let manifest_dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?);
    let text = std::fs::read_to_string(manifest_dir.join(SPEC))
        .map_err(|e| format!("cannot read the spec: {e}"))?;
    let spec: openapiv3::OpenAPI = serde_yaml::from_str(&text)
        .map_err(|e| format!("not a valid OpenAPI 3.0 document: {e}"))?;

    let operations = operation_table(&spec)?;

    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_hooks(progenitor::HooksMode::Expected)
        .with_inner_type(quote::quote!(crate::hooks::Settings))
        // Timestamps decode through the crate's own type: chrono's strict RFC 3339
        // parser first (several times faster than its serde path), the general one
        // as a fallback. See src/timestamp.rs and BENCHMARKS.md.
        .with_replacement(
            "Timestamp",
            "crate::Timestamp",
            [progenitor::TypeImpl::Display, progenitor::TypeImpl::FromStr].into_iter(),
        )
        .with_derive("schemars::JsonSchema")
        .with_derive("PartialEq");

    // progenitor reports some unsupported constructs by panicking; turn that into
    // a message that names the spec instead of a bare backtrace.
    let tokens = std::panic::catch_unwind(move || {
        let mut generator = progenitor::Generator::new(&settings);
        generator.generate_tokens(&spec).map_err(|e| e.to_string())
    })
    .map_err(|panic| {
        let detail = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown cause".to_string());
        format!("progenitor cannot generate a client from it: {detail}")
    })?
    .map_err(|e| format!("progenitor rejected it: {e}"))?;

    let file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("generated code does not parse: {e}"))?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").map_err(|e| e.to_string())?);
    write(&out_dir, "codegen.rs", &prettyplease::unparse(&file))?;
    write(&out_dir, "operations.rs", &operations)
}

/// A table of (generated operation name, path template), for tracing spans.
fn operation_table(spec: &openapiv3::OpenAPI) -> Result<String, String> {
    let mut rows = Vec::new();
    for (path, method, operation) in spec.operations() {
        let id = operation
            .operation_id
            .as_deref()
            .ok_or_else(|| format!("{} {path} has no operationId", method.to_uppercase()))?;
        rows.push(format!(
            "    ({:?}, {:?}),\n",
            naming::method_name(id),
            path
        ));
    }
    Ok(format!(
        "/// (operation, path template) of every operation in the spec.\n\
         pub const OPERATIONS: &[(&str, &str)] = &[\n{}];\n",
        rows.concat()
    ))
}

fn write(out_dir: &Path, name: &str, code: &str) -> Result<(), String> {
    let path = out_dir.join(name);
    std::fs::write(&path, code).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
