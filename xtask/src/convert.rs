//! OpenAPI 3.0 Schema Objects → JSON Schema 2020-12. Owns the translation rules:
//!
//! * `$ref: '#/components/schemas/X'` → `$ref: '#/$defs/X'` (siblings of a `$ref`
//!   are ignored, as OpenAPI 3.0 says); other schema `$ref`s are reported, since
//!   progenitor cannot use them either.
//! * `nullable: true` adds `"null"` to `type` (and to `enum`); without `type`,
//!   a schema built with `allOf`/`oneOf`/`anyOf`/`not` (the usual wrapper of a
//!   nullable `$ref`) becomes `anyOf: [{type: null}, <schema>]`.
//! * boolean `exclusiveMinimum`/`exclusiveMaximum` become the numeric form.
//! * `readOnly`/`writeOnly`: a `readOnly` property is not required in a request,
//!   a `writeOnly` one not in a response; the keywords themselves are dropped.
//! * `format`: only the formats the generated client enforces when it decodes
//!   (typify maps them to chrono/uuid/std::net types, or to sized integers) are
//!   asserted: `date-time`, `date`, `uuid`, `ipv4`, `ipv6` stay as format
//!   assertions; `int8`…`int64`/`uint8`…`uint64` become `minimum`/`maximum`
//!   bounds; every other format (`email`, `uri`, `byte`, `double`, …) is a
//!   plain string or number to the client and is dropped.
//! * OpenAPI-only keywords are dropped: `example`, `xml`, `discriminator`,
//!   `externalDocs`, `deprecated`, `x-*`. Examples and defaults are collected
//!   on the way so the spec's own examples can be validated.

use serde_json::{Map, Value, json};

use crate::report::Finding;
use crate::spec::{Direction, Spec, child};

/// Where OpenAPI keeps named schemas, and where the converted ones go.
pub const COMPONENTS_PREFIX: &str = "#/components/schemas/";
pub const DEFS_PREFIX: &str = "#/$defs/";

/// An `example` or `default` found inside a schema.
#[derive(Debug, Clone)]
pub struct SchemaExample {
    /// JSON pointer of the value in the spec.
    pub spec_pointer: String,
    /// URI-fragment pointer (`#/…`) of the converted schema it must satisfy.
    pub schema_pointer: String,
    pub value: Value,
}

/// Converts schemas for one direction, collecting examples and problems.
pub struct Converter<'a> {
    spec: &'a Spec,
    direction: Direction,
    /// Whether to collect `example`/`default` values met on the way.
    pub collect_examples: bool,
    pub examples: Vec<SchemaExample>,
    pub problems: Vec<Finding>,
}

const DROPPED: [&str; 8] = [
    "nullable",
    "example",
    "xml",
    "discriminator",
    "externalDocs",
    "deprecated",
    "readOnly",
    "writeOnly",
];

impl<'a> Converter<'a> {
    pub fn new(spec: &'a Spec, direction: Direction) -> Self {
        Converter {
            spec,
            direction,
            collect_examples: true,
            examples: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// Converts `schema` (found at `spec_ptr` in the spec) that will live at
    /// `out_ptr` (`#/…`) in the JSON Schema document.
    pub fn convert(&mut self, schema: &Value, spec_ptr: &str, out_ptr: &str) -> Value {
        let Value::Object(map) = schema else {
            return schema.clone(); // `true`/`false` (not OpenAPI 3.0, but harmless)
        };
        if let Some(reference) = map.get("$ref") {
            return json!({ "$ref": self.convert_ref(reference, spec_ptr) });
        }
        if self.collect_examples {
            for key in ["example", "default"] {
                if let Some(value) = map.get(key) {
                    self.examples.push(SchemaExample {
                        spec_pointer: child(spec_ptr, key),
                        schema_pointer: out_ptr.to_string(),
                        value: value.clone(),
                    });
                }
            }
        }
        let nullable = map.get("nullable").and_then(Value::as_bool) == Some(true);
        let composite = ["allOf", "oneOf", "anyOf", "not"]
            .iter()
            .any(|k| map.contains_key(*k));
        // A composite must itself accept null, so wrap it whether or not it has a `type`.
        let wrap = nullable && composite;
        let inner_ptr = if wrap {
            format!("{out_ptr}/anyOf/1")
        } else {
            out_ptr.to_string()
        };

        let mut out = Map::new();
        for (key, value) in map {
            let sp = child(spec_ptr, key);
            let op = child(&inner_ptr, key);
            if DROPPED.contains(&key.as_str()) || key.starts_with("x-") {
                continue;
            }
            let converted = match key.as_str() {
                "properties" | "patternProperties" => Value::Object(
                    value
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(name, s)| {
                            (
                                name.clone(),
                                self.convert(s, &child(&sp, name), &child(&op, name)),
                            )
                        })
                        .collect(),
                ),
                "items" | "not" | "additionalProperties" if value.is_object() => {
                    self.convert(value, &sp, &op)
                }
                "allOf" | "oneOf" | "anyOf" => Value::Array(
                    value
                        .as_array()
                        .into_iter()
                        .flatten()
                        .enumerate()
                        .map(|(i, s)| self.convert(s, &format!("{sp}/{i}"), &format!("{op}/{i}")))
                        .collect(),
                ),
                "required" => self.prune_required(value, map.get("properties")),
                _ => value.clone(),
            };
            out.insert(key.clone(), converted);
        }
        exclusive_bounds(&mut out);
        if let Some(format) = out.remove("format") {
            apply_format(&mut out, format.as_str().unwrap_or_default());
        }
        if nullable && !wrap {
            if let Some(Value::String(ty)) = out.get("type") {
                let ty = ty.clone();
                out.insert("type".into(), json!([ty, "null"]));
            }
            if let Some(Value::Array(options)) = out.get_mut("enum")
                && !options.contains(&Value::Null)
            {
                options.push(Value::Null);
            }
        }
        if wrap {
            json!({ "anyOf": [ { "type": "null" }, Value::Object(out) ] })
        } else {
            Value::Object(out)
        }
    }

    fn convert_ref(&mut self, reference: &Value, spec_ptr: &str) -> Value {
        let text = reference.as_str().unwrap_or_default();
        match text.strip_prefix(COMPONENTS_PREFIX) {
            Some(name) if !name.is_empty() && !name.contains('/') => {
                json!(format!("{DEFS_PREFIX}{name}"))
            }
            _ => {
                self.problems.push(Finding::error(
                    self.spec.label(),
                    spec_ptr,
                    format!("schema $ref \"{text}\" does not name a schema in {COMPONENTS_PREFIX}"),
                ));
                reference.clone()
            }
        }
    }

    /// Drops readOnly properties from `required` in requests, writeOnly ones in responses.
    fn prune_required(&self, required: &Value, properties: Option<&Value>) -> Value {
        let Some(names) = required.as_array() else {
            return required.clone();
        };
        let flag = match self.direction {
            Direction::Request => "readOnly",
            Direction::Response => "writeOnly",
        };
        let kept = names.iter().filter(|name| {
            let Some(prop) = name
                .as_str()
                .and_then(|n| properties.and_then(|p| p.get(n)))
            else {
                return true;
            };
            let prop = match prop.get("$ref").and_then(Value::as_str) {
                Some(r) => self.spec.resolve_ref(r).map_or(prop, |(_, v)| v),
                None => prop,
            };
            prop.get(flag).and_then(Value::as_bool) != Some(true)
        });
        Value::Array(kept.cloned().collect())
    }
}

/// OpenAPI 3.0's boolean `exclusiveMinimum`/`exclusiveMaximum` → numeric form.
fn exclusive_bounds(out: &mut Map<String, Value>) {
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        match out.get(exclusive) {
            Some(Value::Bool(true)) => match out.remove(bound) {
                Some(limit) => {
                    out.insert(exclusive.into(), limit);
                }
                None => {
                    out.remove(exclusive);
                }
            },
            Some(Value::Bool(false)) => {
                out.remove(exclusive);
            }
            _ => {}
        }
    }
}

/// See the module doc: assert what the generated client enforces, nothing more.
fn apply_format(out: &mut Map<String, Value>, format: &str) {
    let bounds: Option<(Value, Value)> = match format {
        "date-time" | "date" | "uuid" | "ipv4" | "ipv6" => {
            out.insert("format".into(), json!(format));
            None
        }
        "int8" => Some((json!(i8::MIN), json!(i8::MAX))),
        "int16" => Some((json!(i16::MIN), json!(i16::MAX))),
        "int32" => Some((json!(i32::MIN), json!(i32::MAX))),
        "int64" => Some((json!(i64::MIN), json!(i64::MAX))),
        "uint8" => Some((json!(0), json!(u8::MAX))),
        "uint16" => Some((json!(0), json!(u16::MAX))),
        "uint32" => Some((json!(0), json!(u32::MAX))),
        "uint64" => Some((json!(0), json!(u64::MAX))),
        _ => None,
    };
    let Some((low, high)) = bounds else { return };
    let tighter = |a: &Value, b: &Value, pick_max: bool| match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) if (x > y) == pick_max => a.clone(),
        _ => b.clone(),
    };
    let min = out
        .get("minimum")
        .map_or(low.clone(), |m| tighter(m, &low, true));
    let max = out
        .get("maximum")
        .map_or(high.clone(), |m| tighter(m, &high, false));
    out.insert("minimum".into(), min);
    out.insert("maximum".into(), max);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Spec {
        Spec::from_yaml(
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n",
            "t.yaml",
        )
        .unwrap()
    }

    #[test]
    fn nullable_type_gains_null_and_wrappers_become_any_of() {
        let spec = spec();
        let mut c = Converter::new(&spec, Direction::Response);
        let s = c.convert(
            &json!({"type": "string", "nullable": true, "enum": ["a"]}),
            "",
            "#",
        );
        assert_eq!(s, json!({"type": ["string", "null"], "enum": ["a", null]}));
        let s = c.convert(
            &json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/X"}]}),
            "",
            "#",
        );
        assert_eq!(
            s,
            json!({"anyOf": [{"type": "null"}, {"allOf": [{"$ref": "#/$defs/X"}]}]})
        );
    }

    #[test]
    fn formats_follow_the_generated_client() {
        let spec = spec();
        let mut c = Converter::new(&spec, Direction::Response);
        let s = c.convert(
            &json!({"type": "integer", "format": "int32", "minimum": 1}),
            "",
            "#",
        );
        assert_eq!(
            s,
            json!({"type": "integer", "minimum": 1, "maximum": i32::MAX})
        );
        let s = c.convert(
            &json!({"type": "string", "format": "email", "example": "x"}),
            "",
            "#",
        );
        assert_eq!(s, json!({"type": "string"}));
        assert_eq!(c.examples.len(), 1);
    }

    #[test]
    fn read_only_is_not_required_in_requests() {
        let spec = spec();
        let schema = json!({"type": "object", "required": ["id", "name"],
            "properties": {"id": {"type": "string", "readOnly": true}, "name": {"type": "string"}}});
        let s = Converter::new(&spec, Direction::Request).convert(&schema, "", "#");
        assert_eq!(s["required"], json!(["name"]));
        let s = Converter::new(&spec, Direction::Response).convert(&schema, "", "#");
        assert_eq!(s["required"], json!(["id", "name"]));
    }
}
