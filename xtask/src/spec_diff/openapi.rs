//! The OpenAPI half of spec-diff: compares two specs with oxide's drift, then
//! classifies each change (breaking for clients or for the server, compatible,
//! needs review) and places it (request or response, operations, JSON path).
//! Where drift gives up ("object properties changed", "string schema
//! changed") this module looks at the two schemas itself. It must not generate
//! code or build anything.

use std::collections::{BTreeMap, BTreeSet};

use openapi_drift::{ChangeClass, ChangeComparison, ChangeDetails};
use serde::Serialize;
use serde_json::Value;

/// How a change affects the two sides of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// Clients built from the old spec fail against a server of the new one.
    BreakingForClients,
    /// A server built from the old spec fails clients built from the new one
    /// (the server must change first); clients of the old spec are unaffected.
    BreakingForServer,
    /// Neither side notices (documentation, or an addition both tolerate).
    Compatible,
    /// Neither drift nor this module can tell; a person must look.
    NeedsReview,
}

impl Class {
    pub fn label(self) -> &'static str {
        match self {
            Class::BreakingForClients => "breaking for clients",
            Class::BreakingForServer => "breaking for the server",
            Class::Compatible => "compatible",
            Class::NeedsReview => "needs review",
        }
    }
}

/// Where a change is met: in what the client sends, in what it receives, or
/// in the set of operations itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    Request,
    Response,
    Operation,
}

/// One classified change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpecChange {
    pub class: Class,
    /// Documentation only (descriptions, summaries, examples): a patch at most.
    pub documentation: bool,
    pub side: Side,
    /// The operationIds that reach the change (through `$ref`s), sorted.
    pub operations: Vec<String>,
    /// JSON pointer of the change: in the new spec, or in the old one for
    /// something removed.
    pub path: String,
    pub message: String,
}

/// Compares two specs (parsed YAML or JSON) and returns every change, the
/// most severe first.
pub fn compare(old: &Value, new: &Value) -> Result<Vec<SpecChange>, String> {
    let changes = openapi_drift::compare(old, new).map_err(|e| format!("{e:#}"))?;
    let old_ids = operation_ids(old);
    let new_ids = operation_ids(new);
    let mut out = Vec::new();
    let mut refined: BTreeSet<(String, Side)> = BTreeSet::new();
    for change in &changes {
        // The sides and operations this component or endpoint is reached from.
        let mut sites: BTreeMap<Side, BTreeSet<String>> = BTreeMap::new();
        for path in &change.paths {
            let side = match path.comparison {
                ChangeComparison::Input => Side::Request,
                ChangeComparison::Output => Side::Response,
                ChangeComparison::Structural => Side::Operation,
            };
            let operation = path
                .old
                .endpoint_base()
                .and_then(|e| old_ids.get(e))
                .or_else(|| path.new.endpoint_base().and_then(|e| new_ids.get(e)));
            let entry = sites.entry(side).or_default();
            entry.extend(operation.cloned());
        }
        let Some(first) = change.paths.first() else {
            continue;
        };
        let old_base = first.old.base_and_subpath().0;
        let new_base = first.new.base_and_subpath().0;
        // drift compares a component once and keeps only the paths of that
        // first visit; list every operation that reaches it instead.
        for (side, operations) in sites.iter_mut() {
            for (doc, base) in [(new, new_base), (old, old_base)] {
                if base.starts_with("#/components/") {
                    operations.extend(operations_reaching(doc, base, *side));
                }
            }
        }
        for info in &change.changes {
            let old_at = join(old_base, &info.old_subpath);
            let new_at = join(new_base, &info.new_subpath);
            for (side, operations) in &sites {
                let operations: Vec<String> = operations.iter().cloned().collect();
                let base = SpecChange {
                    class: from_drift(info.class),
                    documentation: info.class == ChangeClass::Trivial
                        && info.details == ChangeDetails::Metadata,
                    side: *side,
                    operations,
                    path: if info.details == ChangeDetails::Removed {
                        old_at.clone()
                    } else {
                        new_at.clone()
                    },
                    message: info.message.clone(),
                };
                let old_schema = pointer(old, &old_at);
                let new_schema = pointer(new, &new_at);
                match info.message.as_str() {
                    "object properties changed" | "object required properties changed" => {
                        if let (Some(o), Some(n)) = (old_schema, new_schema) {
                            // drift reports both messages for one object; refine it once.
                            if refined.insert((new_at.clone(), *side)) {
                                out.extend(object_changes(&base, &old_at, o, n));
                            }
                            continue;
                        }
                    }
                    "string schema changed" => {
                        if let (Some(o), Some(n)) = (old_schema, new_schema)
                            && let Some(changes) = string_changes(&base, o, n)
                        {
                            out.extend(changes);
                            continue;
                        }
                    }
                    _ => {}
                }
                out.push(base);
            }
        }
    }
    out.sort_by(|a, b| {
        (a.class, a.documentation, &a.path, a.side).cmp(&(
            b.class,
            b.documentation,
            &b.path,
            b.side,
        ))
    });
    out.dedup();
    Ok(out)
}

fn from_drift(class: ChangeClass) -> Class {
    match class {
        ChangeClass::BackwardIncompatible | ChangeClass::Incompatible => Class::BreakingForClients,
        ChangeClass::ForwardIncompatible => Class::BreakingForServer,
        ChangeClass::Trivial => Class::Compatible,
        ChangeClass::Unhandled => Class::NeedsReview,
    }
}

/// Properties added or removed, and properties that became required or
/// optional, each classified by the side it is met on.
fn object_changes(base: &SpecChange, old_at: &str, old: &Value, new: &Value) -> Vec<SpecChange> {
    let props = |v: &Value| -> BTreeSet<String> {
        v.get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    };
    let required = |v: &Value| -> BTreeSet<String> {
        v.get("required")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let (old_props, new_props) = (props(old), props(new));
    let (old_req, new_req) = (required(old), required(new));
    let response = base.side == Side::Response;
    let mut out = Vec::new();
    let mut push = |path: String, class: Class, message: String| {
        out.push(SpecChange {
            class,
            documentation: false,
            path,
            message,
            ..base.clone()
        });
    };
    for name in new_props.difference(&old_props) {
        let path = format!("{}/properties/{}", base.path, escape(name));
        match (new_req.contains(name), response) {
            (false, true) => push(
                path,
                Class::Compatible,
                format!("optional property '{name}' added to a response"),
            ),
            (false, false) => push(
                path,
                Class::BreakingForServer,
                format!("optional property '{name}' added to a request: the server must accept it"),
            ),
            (true, true) => push(
                path,
                Class::BreakingForServer,
                format!("required property '{name}' added to a response: the server must send it"),
            ),
            (true, false) => push(
                path,
                Class::BreakingForClients,
                format!(
                    "required property '{name}' added to a request: old clients do not send it"
                ),
            ),
        }
    }
    for name in old_props.difference(&new_props) {
        let path = format!("{old_at}/properties/{}", escape(name));
        let what = if old_req.contains(name) {
            "required"
        } else {
            "optional"
        };
        let message = if response {
            format!(
                "{what} property '{name}' removed from a response: clients that read it get nothing"
            )
        } else {
            format!("{what} property '{name}' removed from a request: old clients still send it")
        };
        push(path, Class::BreakingForClients, message);
    }
    for name in old_props.intersection(&new_props) {
        let path = format!("{}/properties/{}", base.path, escape(name));
        match (old_req.contains(name), new_req.contains(name), response) {
            (false, true, false) => push(
                path,
                Class::BreakingForClients,
                format!("request property '{name}' became required"),
            ),
            (false, true, true) => push(
                path,
                Class::BreakingForServer,
                format!(
                    "response property '{name}' became required: the server must always send it"
                ),
            ),
            (true, false, false) => push(
                path,
                Class::BreakingForServer,
                format!("request property '{name}' became optional: the server must do without it"),
            ),
            (true, false, true) => push(
                path,
                Class::BreakingForClients,
                format!("response property '{name}' became optional: clients may not find it"),
            ),
            _ => {}
        }
    }
    // Both sets equal but drift saw a difference (e.g. `required` reordered).
    if out.is_empty() && old_req != new_req {
        out.push(SpecChange {
            class: Class::NeedsReview,
            ..base.clone()
        });
    }
    out
}

/// Enum values added or removed from a string schema; `None` when something
/// else about the string changed (then drift's "needs review" stands).
fn string_changes(base: &SpecChange, old: &Value, new: &Value) -> Option<Vec<SpecChange>> {
    let without_enum = |v: &Value| {
        let mut v = v.clone();
        if let Some(map) = v.as_object_mut() {
            map.remove("enum");
        }
        v
    };
    if without_enum(old) != without_enum(new) {
        return None;
    }
    let values = |v: &Value| -> Option<Vec<Value>> { v.get("enum")?.as_array().cloned() };
    let (old_values, new_values) = (values(old)?, values(new)?);
    let response = base.side == Side::Response;
    let mut out = Vec::new();
    for value in new_values.iter().filter(|v| !old_values.contains(v)) {
        let (class, message) = if response {
            (
                Class::BreakingForClients,
                format!("new value {value} in a response enum: old clients cannot decode it"),
            )
        } else {
            (
                Class::BreakingForServer,
                format!("new value {value} in a request enum: the server must accept it"),
            )
        };
        out.push(SpecChange {
            class,
            message,
            ..base.clone()
        });
    }
    for value in old_values.iter().filter(|v| !new_values.contains(v)) {
        let (class, message) = if response {
            (
                Class::BreakingForServer,
                format!(
                    "value {value} removed from a response enum: the server must stop sending it"
                ),
            )
        } else {
            (
                Class::BreakingForClients,
                format!("value {value} removed from a request enum: old clients may still send it"),
            )
        };
        out.push(SpecChange {
            class,
            message,
            ..base.clone()
        });
    }
    // Reordered values only: nothing changed on the wire.
    if out.is_empty() {
        out.push(SpecChange {
            class: Class::Compatible,
            documentation: true,
            message: "enum values reordered".into(),
            ..base.clone()
        });
    }
    Some(out)
}

/// JSON pointer of each operation (`#/paths/~1groups/get`) → its operationId
/// (or `GET /groups` where it has none).
fn operation_ids(doc: &Value) -> BTreeMap<String, String> {
    let mut ids = BTreeMap::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return ids;
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for method in [
            "get", "put", "post", "delete", "options", "head", "patch", "trace",
        ] {
            if let Some(operation) = item.get(method) {
                let id = operation
                    .get("operationId")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("{} {path}", method.to_uppercase()));
                ids.insert(format!("#/paths/{}/{method}", escape(path)), id);
            }
        }
    }
    ids
}

/// The operationIds whose requests (or responses) reach `component` through
/// local `$ref`s.
fn operations_reaching(doc: &Value, component: &str, side: Side) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return found;
    };
    for item in paths.values() {
        let Some(item) = item.as_object() else {
            continue;
        };
        for operation in item.values() {
            let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let roots: Vec<&Value> = match side {
                Side::Request => [item.get("parameters"), operation.get("parameters")]
                    .into_iter()
                    .chain([operation.get("requestBody")])
                    .flatten()
                    .collect(),
                Side::Response => operation.get("responses").into_iter().collect(),
                Side::Operation => continue,
            };
            if reaches(doc, roots, component) {
                found.insert(id.to_string());
            }
        }
    }
    found
}

/// Whether `target` (a JSON pointer like `#/components/schemas/Group`) is
/// reachable from `roots` through local `$ref`s.
fn reaches(doc: &Value, roots: Vec<&Value>, target: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = roots;
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(map) => {
                if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                    if reference == target {
                        return true;
                    }
                    if seen.insert(reference.to_string()) {
                        stack.extend(pointer(doc, reference));
                    }
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    false
}

fn join(base: &str, subpath: &str) -> String {
    if subpath.is_empty() {
        base.to_string()
    } else {
        format!("{base}/{subpath}")
    }
}

fn pointer<'a>(doc: &'a Value, at: &str) -> Option<&'a Value> {
    doc.pointer(at.strip_prefix('#')?)
}

/// JSON pointer escaping of one segment (RFC 6901).
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}
