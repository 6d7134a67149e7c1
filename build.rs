//! Generates the raw client from `spec/tallyfy-groups.yaml` into `$OUT_DIR/codegen.rs`
//! (the progenitor settings and the generation itself are in codegen/generate.rs,
//! shared with `cargo xtask spec-diff`), and the operation table. Owns nothing
//! else: no hand-written code.

#[path = "codegen/generate.rs"]
mod generate;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const SPEC: &str = "spec/tallyfy-groups.yaml";

fn main() -> ExitCode {
    println!("cargo::rerun-if-changed={SPEC}");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=codegen");
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            // Cargo shows a build script's stderr when it fails; name the file first.
            eprintln!("error: {SPEC}: {message}");
            println!("cargo::error={SPEC}: {}", message.replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let manifest_dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?);
    let text = std::fs::read_to_string(manifest_dir.join(SPEC))
        .map_err(|e| format!("cannot read the spec: {e}"))?;
    let spec = generate::parse(&text)?;

    let operations = operation_table(&spec)?;
    let code = generate::generate(&spec)?;

    let out_dir = PathBuf::from(std::env::var("OUT_DIR").map_err(|e| e.to_string())?);
    write(&out_dir, "codegen.rs", &code)?;
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
        rows.push(format!("    ({:?}, {:?}),\n", snake_case(id), path));
    }
    Ok(format!(
        "/// (operation, path template) of every operation in the spec.\n\
         pub const OPERATIONS: &[(&str, &str)] = &[\n{}];\n",
        rows.concat()
    ))
}

fn snake_case(id: &str) -> String {
    let mut out = String::new();
    for c in id.chars() {
        if c.is_ascii_uppercase() {
            if !out.is_empty() {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn write(out_dir: &Path, name: &str, code: &str) -> Result<(), String> {
    let path = out_dir.join(name);
    std::fs::write(&path, code).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
