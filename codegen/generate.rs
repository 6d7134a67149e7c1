// The code generation shared by build.rs and `cargo xtask spec-diff`: the
// progenitor settings, and spec text → formatted Rust. Both include this file
// (`#[path = …] mod generate;`), so the spec-diff generates exactly what the
// build does. It must not read or write files, print, or depend on anything
// but progenitor, openapiv3, serde_yaml, syn, quote and prettyplease.
//
// Response types are generated `#[non_exhaustive]` (see `evolvable_structs`),
// so adding an optional field to a response is a compatible change for users.
// Those that keep unknown keys decode them without serde's `flatten` (see
// codegen/unknown_keys.rs) into a `crate::Extra` (codegen/extra_type.rs), and the
// client decodes response bodies through `crate::unknown_keys::from_response`, which
// builds no unknown-key map until one is read (src/unknown_keys/pass.rs).

#[path = "extra_type.rs"]
mod extra_type;
#[path = "unknown_keys.rs"]
mod unknown_keys;

use std::collections::BTreeSet;

/// Parses spec text as an OpenAPI 3.0 document.
pub fn parse(text: &str) -> Result<openapiv3::OpenAPI, String> {
    serde_yaml::from_str(text).map_err(|e| format!("not a valid OpenAPI 3.0 document: {e}"))
}

/// The raw client and types for `spec`, formatted with prettyplease. The error
/// is a message for a person; callers name the spec in front of it.
pub fn generate(spec: &openapiv3::OpenAPI) -> Result<String, String> {
    let evolvable = evolvable_structs(spec)?;
    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_hooks(progenitor::HooksMode::Expected)
        .with_inner_type(quote::quote!(crate::request::Settings))
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
    let mut non_exhaustive = progenitor::TypePatch::default();
    non_exhaustive.with_attr("#[non_exhaustive]");
    for name in &evolvable {
        settings.with_patch(name, &non_exhaustive);
    }

    // progenitor reports some unsupported constructs by panicking; turn that into
    // a message that names the cause instead of a bare backtrace.
    let tokens = std::panic::catch_unwind(move || {
        let mut generator = progenitor::Generator::new(&settings);
        generator.generate_tokens(spec).map_err(|e| e.to_string())
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

    let copy: syn::File =
        syn::parse2(tokens.clone()).map_err(|e| format!("generated code does not parse: {e}"))?;
    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("generated code does not parse: {e}"))?;
    let rewritten = unknown_keys::decode_without_flatten(&mut file, copy)?;
    // Each rewritten struct: its field, its builder's field, its builder's setter.
    let retyped = extra_type::retype_extra(&mut file.items, &rewritten);
    if retyped != 3 * rewritten.len() {
        return Err(format!(
            "retyped {retyped} `extra` fields and setters, expected 3 for each of {rewritten:?}: \
             has typify's builder changed? (codegen/extra_type.rs)"
        ));
    }
    // A patch whose name matches no generated type is silently ignored by
    // typify; make sure every response struct really became non-exhaustive.
    let mut patched = BTreeSet::new();
    non_exhaustive_structs(&file.items, &mut patched);
    if let Some(missing) = evolvable.difference(&patched).next() {
        return Err(format!(
            "response schema {missing} did not generate a `#[non_exhaustive] pub struct \
             {missing}`; give it a PascalCase name in components/schemas"
        ));
    }
    // The generated client decodes each JSON body with progenitor's
    // `ResponseValue::from_response` (`serde_json::from_slice`); ours is the same but
    // decodes through `crate::unknown_keys::from_body`. A textual replacement on the
    // formatted code, where that call has exactly this form; none may be left.
    const PROGENITOR: &str = "ResponseValue::from_response(";
    const OURS: &str = "crate::unknown_keys::from_response(";
    let code = prettyplease::unparse(&file);
    if !code.contains(PROGENITOR) {
        return Err(format!(
            "the generated client has no `{PROGENITOR}` call to replace"
        ));
    }
    let code = code.replace(PROGENITOR, OURS);
    // Path parameters go through `crate::request::encode_path`: progenitor's
    // encoding, without copying a parameter that needs none.
    const ENCODE: &str = "encode_path(&";
    const OUR_ENCODE: &str = "crate::request::encode_path(&";
    if !code.contains(ENCODE) {
        return Err(format!(
            "the generated client has no `{ENCODE}` call to replace"
        ));
    }
    let code = code.replace(ENCODE, OUR_ENCODE);
    if code.contains("from_response")
        && code.matches("from_response").count() != code.matches(OURS).count()
    {
        return Err(
            "the generated client decodes a body other than by `ResponseValue::from_response(`"
                .into(),
        );
    }
    Ok(code)
}

/// The names of the `#[non_exhaustive]` structs in `items` and their modules.
fn non_exhaustive_structs(items: &[syn::Item], found: &mut BTreeSet<String>) {
    for item in items {
        match item {
            syn::Item::Struct(item)
                if item
                    .attrs
                    .iter()
                    .any(|a| a.path().is_ident("non_exhaustive")) =>
            {
                found.insert(item.ident.to_string());
            }
            syn::Item::Mod(module) => {
                if let Some((_, items)) = &module.content {
                    non_exhaustive_structs(items, found);
                }
            }
            _ => {}
        }
    }
}

/// The component schemas that become structs read only from responses: object
/// schemas with properties that responses reach (through `$ref`s, also via
/// components/responses) and no request body or parameter does. Users only
/// read these, so they are generated `#[non_exhaustive]` and a new field is
/// not a breaking change; types that requests use stay constructible.
fn evolvable_structs(spec: &openapiv3::OpenAPI) -> Result<BTreeSet<String>, String> {
    use serde_yaml::Value;
    let doc = serde_yaml::to_value(spec).map_err(|e| format!("cannot re-read the spec: {e}"))?;
    let (mut request, mut response) = (Vec::new(), Vec::new());
    if let Some(paths) = doc.get("paths").and_then(Value::as_mapping) {
        for item in paths.values() {
            let Some(item) = item.as_mapping() else {
                continue;
            };
            for (key, value) in item {
                match key.as_str() {
                    Some("parameters") => request.push(value),
                    Some(_) => {
                        request.extend(value.get("parameters"));
                        request.extend(value.get("requestBody"));
                        response.extend(value.get("responses"));
                    }
                    None => {}
                }
            }
        }
    }
    let requested = referenced_schemas(&doc, request);
    let answered = referenced_schemas(&doc, response);
    let schemas = doc.get("components").and_then(|c| c.get("schemas"));
    Ok(answered
        .difference(&requested)
        .filter(|name| {
            let schema = schemas.and_then(|s| s.get(name.as_str()));
            let is_object =
                schema.and_then(|s| s.get("type")).and_then(Value::as_str) == Some("object");
            let has_properties = schema
                .and_then(|s| s.get("properties"))
                .and_then(Value::as_mapping)
                .is_some_and(|p| !p.is_empty());
            is_object && has_properties
        })
        .cloned()
        .collect())
}

/// Every component schema reachable from `roots` through local `$ref`s.
fn referenced_schemas<'a>(
    doc: &'a serde_yaml::Value,
    roots: Vec<&'a serde_yaml::Value>,
) -> BTreeSet<String> {
    use serde_yaml::Value;
    let (mut seen_refs, mut schemas) = (BTreeSet::new(), BTreeSet::new());
    let mut stack = roots;
    while let Some(value) = stack.pop() {
        match value {
            Value::Mapping(map) => {
                if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                    if !seen_refs.insert(reference.to_string()) {
                        continue;
                    }
                    let parts: Vec<&str> = reference.trim_start_matches("#/").split('/').collect();
                    if let ["components", kind, name] = parts.as_slice() {
                        if *kind == "schemas" {
                            schemas.insert(name.to_string());
                        }
                        stack.extend(doc.get("components").and_then(|c| c.get(*kind)?.get(*name)));
                    }
                }
                stack.extend(map.values());
            }
            Value::Sequence(items) => stack.extend(items),
            Value::Tagged(tagged) => stack.push(&tagged.value),
            _ => {}
        }
    }
    schemas
}
