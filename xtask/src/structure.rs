//! Structural checks of the spec. Owns what must hold before any schema is
//! used: every operation has a unique operationId, and every `$ref` is local
//! and resolves.

use std::collections::HashMap;

use serde_json::Value;

use crate::report::Finding;
use crate::spec::{Spec, child};

/// Structural problems: operations without (or with duplicate) operationIds,
/// and `$ref`s that do not resolve or are not local.
pub fn check_structure(spec: &Spec) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for op in spec.operations() {
        match &op.operation_id {
            None => findings.push(Finding::error(
                spec.label(),
                &op.pointer,
                format!(
                    "{} {} has no operationId",
                    op.method.to_uppercase(),
                    op.path
                ),
            )),
            Some(id) => {
                if let Some(first) = seen.insert(id.clone(), op.pointer.clone()) {
                    findings.push(Finding::error(
                        spec.label(),
                        &op.pointer,
                        format!("operationId `{id}` is also used at {first}"),
                    ));
                }
            }
        }
    }
    check_refs(spec, &spec.doc, "", "", &mut findings);
    findings
}

/// Walks the document for `$ref`; example, default and enum values are data
/// (unless they are property names) and are not walked.
fn check_refs(spec: &Spec, value: &Value, pointer: &str, parent_key: &str, out: &mut Vec<Finding>) {
    match value {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref") {
                check_one_ref(spec, reference, pointer, out);
            }
            for (key, v) in map {
                let p = child(pointer, key);
                let is_name = parent_key == "properties";
                match key.as_str() {
                    "$ref" if !is_name => {}
                    "example" | "default" | "enum" if !is_name => {}
                    "examples" if !is_name => {
                        for (name, example) in v.as_object().into_iter().flatten() {
                            if let Some(reference) = example.get("$ref") {
                                check_one_ref(spec, reference, &child(&p, name), out);
                            }
                        }
                    }
                    _ => check_refs(spec, v, &p, key, out),
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                check_refs(spec, v, &format!("{pointer}/{i}"), "", out);
            }
        }
        _ => {}
    }
}

fn check_one_ref(spec: &Spec, reference: &Value, pointer: &str, out: &mut Vec<Finding>) {
    let Some(reference) = reference.as_str() else {
        out.push(Finding::error(
            spec.label(),
            pointer,
            "$ref is not a string",
        ));
        return;
    };
    if !reference.starts_with('#') {
        let msg = format!("external $ref \"{reference}\": only local references are supported");
        out.push(Finding::error(spec.label(), pointer, msg));
    } else if spec.resolve_ref(reference).is_none() {
        let msg = format!("unresolvable $ref \"{reference}\"");
        out.push(Finding::error(spec.label(), pointer, msg));
    }
}
