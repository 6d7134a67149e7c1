//! `codegen/naming.rs` (which build.rs and `spec-check --live` use) against
//! progenitor itself: a tiny spec with awkward operationIds is generated
//! with progenitor, and the names it gives the methods (and reports to the
//! hooks as `OperationInfo::operation_id`) must be the ones `method_name`
//! predicts.

use serde_json::{Value, json};
use xtask::naming::method_name;

/// Acronyms, digits, underscores, hyphens, dots, apostrophes, a keyword, a
/// leading digit, and ids that are already snake_case.
const IDS: &[&str] = &[
    "listGroups",
    "getHTTPStatus",
    "HTTPGetGroup",
    "getGroupByID",
    "listV2Groups",
    "v2Groups",
    "get2faCodes",
    "list_groups_v2",
    "already_snake_case",
    "__double__underscore__",
    "Mixed_caseId",
    "get-group-members",
    "groups.list",
    "owner'sGroups",
    "type",
    "2ndGroup",
    "getGroupé",
];

/// An OpenAPI document with one GET per id (paths `/op00`, `/op01`, …, so
/// that document order is id order whichever map holds the paths).
fn spec() -> openapiv3::OpenAPI {
    let mut paths = serde_json::Map::new();
    for (i, id) in IDS.iter().enumerate() {
        paths.insert(
            format!("/op{i:02}"),
            json!({"get": {
                "operationId": id,
                "responses": {"204": {"description": "done"}}
            }}),
        );
    }
    let doc: Value = json!({
        "openapi": "3.0.3",
        "info": {"title": "naming", "version": "1"},
        "paths": paths,
    });
    serde_json::from_value(doc).expect("a valid OpenAPI document")
}

/// The async methods of `impl Client` in generated code, in order.
fn generated_methods(file: &syn::File) -> Vec<String> {
    let mut names = Vec::new();
    for item in &file.items {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        let syn::Type::Path(ty) = &*block.self_ty else {
            continue;
        };
        if block.trait_.is_some() || !ty.path.is_ident("Client") {
            continue;
        }
        for item in &block.items {
            if let syn::ImplItem::Fn(f) = item
                && f.sig.asyncness.is_some()
            {
                names.push(f.sig.ident.to_string());
            }
        }
    }
    names
}

// Proves `method_name` gives every awkward operationId exactly the name
// progenitor 0.15 gives the generated method, and the name the generated
// code passes to the hooks (which is what build.rs's operation table and
// `spec-check --live` look up).
#[test]
fn naming_matches_progenitor() {
    let mut settings = progenitor::GenerationSettings::default();
    settings.with_interface(progenitor::InterfaceStyle::Positional);
    let mut generator = progenitor::Generator::new(&settings);
    let tokens = generator
        .generate_tokens(&spec())
        .expect("progenitor generates the client");

    let file: syn::File = syn::parse2(tokens.clone()).expect("generated code parses");
    let methods = generated_methods(&file);
    let predicted: Vec<String> = IDS.iter().map(|id| method_name(id)).collect();
    assert_eq!(methods, predicted, "method names");

    let text = tokens.to_string();
    let hook_names: Vec<&str> = text
        .split("operation_id : \"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
        .collect();
    assert_eq!(hook_names, predicted, "names passed to the hooks");

    // The cases the issue names, spelled out.
    assert_eq!(method_name("getHTTPStatus"), "get_http_status");
    assert_eq!(method_name("listV2Groups"), "list_v2_groups");
    assert_eq!(method_name("already_snake_case"), "already_snake_case");
}
