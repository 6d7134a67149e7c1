//! Generates the raw client from `spec/tallyfy-groups.yaml` into `$OUT_DIR/codegen.rs`
//! (the progenitor settings and the generation itself are in codegen/generate.rs,
//! shared with `cargo xtask spec-diff`), and the operation table. Owns nothing
//! else: no hand-written code.

#[path = "codegen/generate.rs"]
mod generate;

#[path = "codegen/naming.rs"]
mod naming;

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

    let facts = spec_facts(&spec)?;
    let code = generate::generate(&spec)?;

    let out_dir = PathBuf::from(std::env::var("OUT_DIR").map_err(|e| e.to_string())?);
    write(&out_dir, "codegen.rs", &code)?;
    write(&out_dir, "spec_facts.rs", &facts)
}

/// What the hand-written layer needs to know of the spec beyond the generated types:
/// each operation (generated method name, HTTP method, path template) and the
/// defaults and limits that progenitor does not turn into code. Written as constants,
/// so the spec stays the only place they are declared.
fn spec_facts(spec: &openapiv3::OpenAPI) -> Result<String, String> {
    let mut out = String::from(
        "/// An operation of the spec, as the generated client names it.\n\
         #[derive(Clone, Copy, Debug, PartialEq, Eq)]\n\
         pub struct Operation {\n\
         \x20   /// The generated method name (progenitor's naming of the operationId).\n\
         \x20   pub name: &'static str,\n\
         \x20   /// The HTTP method, upper case.\n\
         \x20   pub method: &'static str,\n\
         \x20   /// The path template.\n\
         \x20   pub path: &'static str,\n\
         \x20   /// The success statuses the spec declares.\n\
         \x20   pub success: &'static [u16],\n\
         }\n\n",
    );
    let mut names = Vec::new();
    for (path, method, operation) in spec.operations() {
        let id = operation
            .operation_id
            .as_deref()
            .ok_or_else(|| format!("{} {path} has no operationId", method.to_uppercase()))?;
        let name = naming::method_name(id);
        let constant = name.to_ascii_uppercase();
        let success: Vec<String> = operation
            .responses
            .responses
            .keys()
            .filter_map(|code| match code {
                openapiv3::StatusCode::Code(n) if (200..300).contains(n) => Some(n.to_string()),
                _ => None,
            })
            .collect();
        let success = success.join(", ");
        out.push_str(&format!(
            "/// `{} {path}` (operationId `{id}`).\n\
             pub const {constant}: Operation = Operation {{ name: {name:?}, method: {:?}, path: {path:?}, success: &[{success}] }};\n",
            method.to_uppercase(),
            method.to_uppercase(),
        ));
        names.push(constant);
    }
    out.push_str(&format!(
        "/// Every operation of the spec.\npub const OPERATIONS: &[Operation] = &[{}];\n\n",
        names.join(", ")
    ));

    let list = spec
        .operations()
        .find(|(_, _, op)| op.operation_id.as_deref() == Some("listGroups"))
        .map(|(_, _, op)| op)
        .ok_or("no listGroups operation")?;
    let per_page = list
        .parameters
        .iter()
        .filter_map(|p| p.as_item())
        .map(|p| p.parameter_data_ref())
        .find(|p| p.name == "per_page")
        .ok_or("listGroups has no per_page parameter")?;
    let schema = match &per_page.format {
        openapiv3::ParameterSchemaOrContent::Schema(openapiv3::ReferenceOr::Item(schema)) => schema,
        _ => return Err("listGroups per_page must have an inline schema".into()),
    };
    let (maximum, default) = match &schema.schema_kind {
        openapiv3::SchemaKind::Type(openapiv3::Type::Integer(int)) => (
            int.maximum.ok_or("listGroups per_page has no maximum")?,
            schema
                .schema_data
                .default
                .as_ref()
                .and_then(|d| d.as_u64())
                .ok_or("listGroups per_page has no integer default")?,
        ),
        _ => return Err("listGroups per_page is not an integer".into()),
    };
    out.push_str(&format!(
        "/// `per_page` maximum of listGroups.\npub const PER_PAGE_MAX: u32 = {maximum};\n\
         /// `per_page` default of listGroups (what the API uses when none is sent).\n\
         pub const PER_PAGE_DEFAULT: u32 = {default};\n"
    ));

    let member_id_max = spec
        .components
        .as_ref()
        .and_then(|c| c.schemas.get("RequestMemberId"))
        .and_then(|s| s.as_item())
        .and_then(|s| match &s.schema_kind {
            openapiv3::SchemaKind::OneOf { one_of } => one_of.iter().find_map(|v| match v {
                openapiv3::ReferenceOr::Item(openapiv3::Schema {
                    schema_kind: openapiv3::SchemaKind::Type(openapiv3::Type::Integer(int)),
                    ..
                }) => int.maximum,
                _ => None,
            }),
            _ => None,
        })
        .ok_or("components.schemas.RequestMemberId has no integer form with a maximum")?;
    out.push_str(&format!(
        "/// The largest user id a request may carry (RequestMemberId's integer maximum).\n\
         pub const MEMBER_ID_MAX: i64 = {member_id_max};\n"
    ));

    let client_default = spec
        .components
        .as_ref()
        .and_then(|c| c.parameters.get("TallyfyClient"))
        .and_then(|p| p.as_item())
        .and_then(|p| match &p.parameter_data_ref().format {
            openapiv3::ParameterSchemaOrContent::Schema(openapiv3::ReferenceOr::Item(s)) => s
                .schema_data
                .default
                .as_ref()
                .and_then(|d| d.as_str())
                .map(str::to_owned),
            _ => None,
        })
        .ok_or("components.parameters.TallyfyClient has no string default")?;
    let client_header = spec
        .components
        .as_ref()
        .and_then(|c| c.parameters.get("TallyfyClient"))
        .and_then(|p| p.as_item())
        .map(|p| p.parameter_data_ref().name.to_ascii_lowercase())
        .ok_or("components.parameters.TallyfyClient has no name")?;
    out.push_str(&format!(
        "/// The default of the `X-Tallyfy-Client` header parameter.\n\
         pub const TALLYFY_CLIENT_DEFAULT: &str = {client_default:?};\n\
         /// The name of that header parameter, lower case (as `HeaderName::from_static` wants it).\n\
         pub const TALLYFY_CLIENT_HEADER: &str = {client_header:?};\n"
    ));

    let base_url = spec
        .servers
        .first()
        .map(|server| server.url.trim_end_matches('/').to_owned())
        .ok_or("the spec lists no servers")?;
    out.push_str(&format!(
        "/// The first of the spec's `servers`: the documented base URL.\n\
         pub const BASE_URL_DEFAULT: &str = {base_url:?};\n"
    ));
    Ok(out)
}

fn write(out_dir: &Path, name: &str, code: &str) -> Result<(), String> {
    let path = out_dir.join(name);
    std::fs::write(&path, code).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
