//! Wording of schema violations. Owns turning a `jsonschema` error into a
//! `Finding`: the JSON path (for a missing field, the path the field would
//! have) and a short message that quotes at most 60 characters of the value.

use jsonschema::ValidationError;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value;

use crate::report::Finding;
use crate::spec::child;

/// A finding for one schema violation, at the JSON path of the offending value
/// (for a missing field: the path the field would have).
pub fn error_finding(source: &str, error: &ValidationError<'_>) -> Finding {
    let path = error.instance_path().as_str().to_string();
    match error.kind() {
        ValidationErrorKind::Required { property } => {
            let name = property
                .as_str()
                .map_or_else(|| property.to_string(), str::to_string);
            Finding::error(
                source,
                child(&path, &name),
                format!("missing required field `{name}`"),
            )
        }
        kind => Finding::error(source, path, describe(kind, error.instance())),
    }
}

fn describe(kind: &ValidationErrorKind, instance: &Value) -> String {
    match kind {
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(t) => t.to_string(),
                TypeKind::Multiple(set) => set
                    .iter()
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>()
                    .join(" or "),
            };
            match instance {
                Value::Null => format!("expected {expected}, found null"),
                _ => format!(
                    "expected {expected}, found {} {}",
                    json_type(instance),
                    short(instance)
                ),
            }
        }
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            let branches: Vec<String> = context
                .iter()
                .enumerate()
                .map(|(i, errors)| match errors.first() {
                    Some(e) => format!("#{i}: {}", describe(e.kind(), e.instance())),
                    None => format!("#{i}: ?"),
                })
                .collect();
            format!(
                "{} matches no allowed shape ({})",
                short(instance),
                branches.join("; ")
            )
        }
        ValidationErrorKind::OneOfMultipleValid { .. } => {
            format!("{} matches more than one oneOf branch", short(instance))
        }
        ValidationErrorKind::Format { format } => {
            format!("{} is not a valid {format}", short(instance))
        }
        ValidationErrorKind::Enum { options } => {
            format!("{} is not one of {options}", short(instance))
        }
        ValidationErrorKind::Required { property } => format!("missing required field {property}"),
        ValidationErrorKind::Minimum { limit } => {
            format!("{} is less than the minimum {limit}", short(instance))
        }
        ValidationErrorKind::Maximum { limit } => {
            format!("{} is greater than the maximum {limit}", short(instance))
        }
        ValidationErrorKind::ExclusiveMinimum { limit } => {
            format!("{} is not greater than {limit}", short(instance))
        }
        ValidationErrorKind::ExclusiveMaximum { limit } => {
            format!("{} is not less than {limit}", short(instance))
        }
        ValidationErrorKind::MinLength { limit } => {
            format!("{} is shorter than {limit} characters", short(instance))
        }
        ValidationErrorKind::MaxLength { limit } => {
            format!("{} is longer than {limit} characters", short(instance))
        }
        ValidationErrorKind::MinItems { limit } => format!("fewer than {limit} items"),
        ValidationErrorKind::MaxItems { limit } => format!("more than {limit} items"),
        ValidationErrorKind::Pattern { pattern } => {
            format!("{} does not match /{pattern}/", short(instance))
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            format!("fields not allowed here: {}", unexpected.join(", "))
        }
        ValidationErrorKind::FalseSchema => "no value is allowed here".to_string(),
        _ => format!("{} fails `{}`", short(instance), kind.keyword()),
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A value in at most 60 characters of compact JSON.
fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= 60 {
        return text;
    }
    let cut: String = text.chars().take(57).collect();
    format!("{cut}...")
}
