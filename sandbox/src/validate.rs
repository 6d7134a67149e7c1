//! Validation of create and update bodies, with Laravel's messages.
//!
//! Like the live server (Laravel), strings are trimmed and empty strings turned
//! into null before validation. Both operations require `name` (a string of 1 to
//! 200 characters, unique in the organisation). `description` follows the live
//! server's rule `sometimes|required|string`: the key may be left out, but null
//! and `""` are rejected ("The description field is required."). `members`
//! (integers, or strings of digits) and `guests` (email addresses) are optional,
//! and `null` counts as not given.

use serde_json::{Map, Value};

use crate::errors::{ApiError, FieldErrors};
use crate::store::GroupInput;

/// The longest accepted `name`, in characters.
pub const NAME_MAX_CHARS: usize = 200;

/// Parses and validates a body; `name_taken` says whether a name is already used.
pub(crate) fn group_input(
    body: &[u8],
    name_taken: impl Fn(&str) -> bool,
) -> Result<GroupInput, ApiError> {
    let value: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Map::new())
    } else {
        serde_json::from_slice(body).map_err(|_| ApiError::MalformedJson)?
    };
    // A JSON body that is not an object has none of the fields.
    let empty = Map::new();
    let fields = value.as_object().unwrap_or(&empty);
    let mut errors = FieldErrors::new();

    let name = required_string(fields, "name", &mut errors);
    if let Some(name) = &name {
        if name.chars().count() > NAME_MAX_CHARS {
            push(
                &mut errors,
                "name",
                format!("The name may not be greater than {NAME_MAX_CHARS} characters."),
            );
        } else if name_taken(name) {
            push(&mut errors, "name", "The name has already been taken.");
        }
    }
    // `sometimes`: validated only when the key is present.
    let description = match fields.contains_key("description") {
        true => required_string(fields, "description", &mut errors).map(Some),
        false => Some(None),
    };
    let members = optional_array(fields, "members", &mut errors, |item| match item {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    });
    let guests = optional_array(fields, "guests", &mut errors, |item| {
        item.as_str()
            .map(str::trim)
            .filter(|s| is_email(s))
            .map(str::to_owned)
    });

    match (name, description) {
        (Some(name), Some(description)) if errors.is_empty() => Ok(GroupInput {
            name,
            description,
            members: members.map(dedup),
            guests: guests.map(dedup),
        }),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// A present, non-null string field, trimmed; records an error otherwise.
fn required_string(
    fields: &Map<String, Value>,
    key: &str,
    errors: &mut FieldErrors,
) -> Option<String> {
    match fields.get(key) {
        None | Some(Value::Null) => {
            push(errors, key, format!("The {key} field is required."));
            None
        }
        // Trimmed, then "" is null, which `required` rejects.
        Some(Value::String(s)) if s.trim().is_empty() => {
            push(errors, key, format!("The {key} field is required."));
            None
        }
        Some(Value::String(s)) => Some(s.trim().to_owned()),
        Some(_) => {
            push(errors, key, format!("The {key} must be a string."));
            None
        }
    }
}

/// An optional array field whose items `item` converts; records errors as
/// `key` (not an array) or `key.N` (item N invalid).
fn optional_array<T>(
    fields: &Map<String, Value>,
    key: &str,
    errors: &mut FieldErrors,
    item: impl Fn(&Value) -> Option<T>,
) -> Option<Vec<T>> {
    let items = match fields.get(key) {
        None | Some(Value::Null) => return None,
        Some(Value::Array(items)) => items,
        Some(_) => {
            push(errors, key, format!("The {key} must be an array."));
            return None;
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, value) in items.iter().enumerate() {
        match item(value) {
            Some(v) => out.push(v),
            None => {
                let message = if key == "guests" {
                    format!("The {key}.{i} must be a valid email address.")
                } else {
                    format!("The {key}.{i} must be an integer.")
                };
                push(errors, &format!("{key}.{i}"), message);
            }
        }
    }
    Some(out)
}

fn push(errors: &mut FieldErrors, key: &str, message: impl Into<String>) {
    errors
        .entry(key.to_owned())
        .or_default()
        .push(message.into());
}

/// A loose email check: `local@domain.tld`, no whitespace.
fn is_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// Drops repeated items, keeping the first of each.
fn dedup<T: PartialEq>(items: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(body: &str) -> FieldErrors {
        match group_input(body.as_bytes(), |n| n == "Taken") {
            Err(ApiError::Validation(e)) => e,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn accepts_a_full_body() {
        let input = group_input(
            br#"{"name":" Sales ","description":" Deals ","members":[1,"2",1],"guests":["a@b.co"]}"#,
            |_| false,
        )
        .unwrap();
        assert_eq!(input.name, "Sales");
        assert_eq!(input.description.as_deref(), Some("Deals"));
        assert_eq!(input.members, Some(vec![1, 2]));
        assert_eq!(input.guests, Some(vec!["a@b.co".to_owned()]));
    }

    // Proves the live server's description rule, `sometimes|required|string` after
    // empty strings become null: absent passes (no description), while null, ""
    // and whitespace are each refused with Laravel's message.
    #[test]
    fn description_is_sometimes_required() {
        let input = group_input(br#"{"name":"Sales"}"#, |_| false).unwrap();
        assert_eq!(input.description, None);
        for body in [
            r#"{"name":"a","description":null}"#,
            r#"{"name":"a","description":""}"#,
            r#"{"name":"a","description":"  "}"#,
        ] {
            assert_eq!(
                errors(body)["description"],
                ["The description field is required."],
                "{body}"
            );
        }
        assert_eq!(
            errors(r#"{"name":"a","description":5}"#)["description"],
            ["The description must be a string."]
        );
    }

    #[test]
    fn reports_every_field() {
        let e = errors(r#"{"description":""}"#);
        assert_eq!(e["name"], ["The name field is required."]);
        assert_eq!(e["description"], ["The description field is required."]);
        assert_eq!(
            errors(r#"{"name":"","description":"x"}"#)["name"],
            ["The name field is required."]
        );
        assert_eq!(
            errors(r#"{"name":"Taken","description":"x"}"#)["name"],
            ["The name has already been taken."]
        );
        let e = errors(r#"{"name":"a","description":"x","members":[1,"x"],"guests":["nope"]}"#);
        assert_eq!(e["members.1"], ["The members.1 must be an integer."]);
        assert_eq!(
            e["guests.0"],
            ["The guests.0 must be a valid email address."]
        );
        assert!(matches!(
            group_input(b"{", |_| false),
            Err(ApiError::MalformedJson)
        ));
    }
}
