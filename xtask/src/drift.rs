//! Validation and drift. Owns the `Checker`, which takes a body (a sample file
//! now, a live response later: operationId, status, bytes) to the schema the
//! spec declares for it, reports every schema violation as an error at its
//! JSON path, and walks the body alongside the schema (through `$ref`, `allOf`,
//! the `oneOf`/`anyOf` branches that match, arrays and nested objects) to warn
//! about fields the schema does not declare.

use std::collections::HashSet;

use jsonschema::Validator;
use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

use crate::compiled::SchemaSet;
use crate::messages::error_finding;
use crate::report::Finding;
use crate::spec::{Direction, Site, Spec, child};

/// Validates bodies and examples against one spec; build once, use many times.
pub struct Checker {
    spec: Spec,
    sites: Vec<Site>,
    requests: SchemaSet,
    responses: SchemaSet,
}

impl Checker {
    pub fn new(spec: Spec) -> Checker {
        let sites = spec.sites();
        let requests = SchemaSet::build(&spec, Direction::Request, &sites);
        let responses = SchemaSet::build(&spec, Direction::Response, &sites);
        Checker {
            spec,
            sites,
            requests,
            responses,
        }
    }

    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// Every site of the spec (media types, parameters, headers).
    pub fn sites(&self) -> &[Site] {
        &self.sites
    }

    /// The compiled schemas of one direction.
    pub fn schemas(&self, direction: Direction) -> &SchemaSet {
        match direction {
            Direction::Request => &self.requests,
            Direction::Response => &self.responses,
        }
    }

    /// Problems found while converting the spec's schemas.
    pub fn conversion_problems(&self) -> Vec<Finding> {
        let mut out = self.requests.problems.clone();
        out.extend(self.responses.problems.iter().cloned());
        out
    }

    /// Checks one response body (raw bytes, as read from a file or the wire)
    /// against what the spec declares for `operation_id` answering `status`.
    /// `source` names the body in findings (a file name, a URL, …).
    pub fn check_response(
        &self,
        source: &str,
        operation_id: &str,
        status: u16,
        body: &[u8],
    ) -> Vec<Finding> {
        let Some(op) = self.spec.operation(operation_id) else {
            return vec![Finding::error(
                source,
                "",
                format!("the spec has no operation `{operation_id}`"),
            )];
        };
        let response = match self.spec.response(&op, status) {
            Ok(response) => response,
            Err(message) => return vec![Finding::error(source, "", message)],
        };
        let content = response.value.get("content").and_then(Value::as_object);
        let empty_body = body.iter().all(u8::is_ascii_whitespace);
        let Some(content) = content.filter(|c| !c.is_empty()) else {
            if empty_body {
                return Vec::new();
            }
            let message = format!(
                "the spec declares no body for {operation_id} {status} (response {}), but one was sent",
                response.key
            );
            return vec![Finding::error(source, "", message)];
        };
        let Some(media_type) = content.keys().find(|m| is_json(m)) else {
            let declared: Vec<&str> = content.keys().map(String::as_str).collect();
            let message = format!(
                "not checked: the spec declares only {}",
                declared.join(", ")
            );
            return vec![Finding::warning(source, "", message)];
        };
        if empty_body {
            return vec![Finding::error(
                source,
                "",
                format!("empty body, but the spec declares {media_type}"),
            )];
        }
        let value: Value = match serde_json::from_slice(body) {
            Ok(value) => value,
            Err(e) => {
                let message =
                    format!("the body is not JSON ({e}), but the spec declares {media_type}");
                return vec![Finding::error(source, "", message)];
            }
        };
        let site = child(&child(&response.pointer, "content"), media_type);
        match self.responses.target(&site) {
            Some(target) => self.check_value(source, Direction::Response, target, &value),
            None => Vec::new(), // the media type has no schema: anything goes
        }
    }

    /// Validates `value` against the converted schema at `schema_pointer`
    /// (`#/…`) of one direction: errors for violations, warnings for
    /// undeclared fields.
    pub fn check_value(
        &self,
        source: &str,
        direction: Direction,
        schema_pointer: &str,
        value: &Value,
    ) -> Vec<Finding> {
        let set = self.schemas(direction);
        let Some(validator) = set.validator(schema_pointer) else {
            return vec![Finding::error(
                source,
                "",
                format!("cannot validate: {}", set.compile_error(schema_pointer)),
            )];
        };
        let mut findings: Vec<Finding> = validator
            .iter_errors(value)
            .map(|e| error_finding(source, &e))
            .collect();
        walk(
            set,
            source,
            vec![schema_pointer.to_string()],
            value,
            "",
            &mut findings,
        );
        findings
    }
}

fn is_json(media_type: &str) -> bool {
    let essence = media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json") || essence == "*/*"
}

/// Walks `value` alongside the schema nodes at `pointers`, warning about
/// object keys no node declares.
fn walk(
    set: &SchemaSet,
    source: &str,
    pointers: Vec<String>,
    value: &Value,
    path: &str,
    out: &mut Vec<Finding>,
) {
    let nodes = expand(set, pointers, value);
    match value {
        Value::Object(map) => {
            let describes_keys = nodes.iter().any(|n| {
                set.node(n)
                    .is_some_and(|s| s.get("properties").is_some() || s.get("required").is_some())
            });
            for (key, child_value) in map {
                let mut declared = false;
                let mut next = Vec::new();
                for n in &nodes {
                    let Some(node) = set.node(n) else { continue };
                    if node.get("properties").and_then(|p| p.get(key)).is_some() {
                        next.push(child(&child(n, "properties"), key));
                        declared = true;
                    }
                    let required = node.get("required").and_then(Value::as_array);
                    declared |= required.is_some_and(|r| r.iter().any(|k| k == key));
                }
                if !declared {
                    for n in &nodes {
                        // A typed `additionalProperties` (a map's value schema) declares
                        // every key; a permissive one (`true`, `{}`) only says unknown
                        // keys are kept, so a key the spec does not name still warns.
                        match set.node(n).and_then(|s| s.get("additionalProperties")) {
                            Some(Value::Object(schema)) if !is_permissive(schema) => {
                                next.push(child(n, "additionalProperties"));
                                declared = true;
                            }
                            _ => {}
                        }
                    }
                }
                let child_path = child(path, key);
                if !declared && describes_keys {
                    let message = format!("field `{key}` is not declared in the schema");
                    out.push(Finding::warning(source, &child_path, message));
                }
                if !next.is_empty() {
                    walk(set, source, next, child_value, &child_path, out);
                }
            }
        }
        Value::Array(items) => {
            let item_schemas: Vec<String> = nodes
                .iter()
                .filter(|n| set.node(n).is_some_and(|s| s.get("items").is_some()))
                .map(|n| child(n, "items"))
                .collect();
            if !item_schemas.is_empty() {
                for (i, item) in items.iter().enumerate() {
                    walk(
                        set,
                        source,
                        item_schemas.clone(),
                        item,
                        &format!("{path}/{i}"),
                        out,
                    );
                }
            }
        }
        _ => {}
    }
}

/// Whether `schema` accepts every value: no keyword but annotations
/// (`description`, `title`, `example`, `x-…`).
fn is_permissive(schema: &serde_json::Map<String, Value>) -> bool {
    schema
        .keys()
        .all(|k| matches!(k.as_str(), "description" | "title" | "example") || k.starts_with("x-"))
}

/// The schema nodes that apply to `value`: the given ones, what their `$ref`s
/// name, all `allOf` branches, and the `oneOf`/`anyOf` branches the value
/// matches (or, when none does, those it matches at its own level, so that
/// undeclared fields are still found below an error).
fn expand(set: &SchemaSet, mut stack: Vec<String>, value: &Value) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    while let Some(pointer) = stack.pop() {
        if !seen.insert(pointer.clone()) {
            continue;
        }
        let Some(node @ Value::Object(_)) = set.node(&pointer) else {
            continue;
        };
        if let Some(reference) = node.get("$ref").and_then(Value::as_str)
            && reference.starts_with("#/")
        {
            stack.push(reference.to_string());
        }
        let branches = |keyword: &str| -> Vec<String> {
            let count = node
                .get(keyword)
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            (0..count)
                .map(|i| format!("{pointer}/{keyword}/{i}"))
                .collect()
        };
        stack.extend(branches("allOf"));
        for keyword in ["oneOf", "anyOf"] {
            let all = branches(keyword);
            let valid: Vec<String> = all
                .iter()
                .filter(|b| set.validator(b).is_some_and(|v| v.is_valid(value)))
                .cloned()
                .collect();
            if valid.is_empty() {
                stack.extend(
                    all.into_iter()
                        .filter(|b| set.validator(b).is_some_and(|v| shallow_match(v, value))),
                );
            } else {
                stack.extend(valid);
            }
        }
        out.push(pointer);
    }
    out
}

/// Whether `value` fails `validator` only below its own level (or by missing
/// required fields): its shape matches, something inside does not.
fn shallow_match(validator: &Validator, value: &Value) -> bool {
    validator.iter_errors(value).all(|e| {
        !e.instance_path().as_str().is_empty()
            || matches!(e.kind(), ValidationErrorKind::Required { .. })
    })
}
