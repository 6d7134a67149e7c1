//! The leak check of `--record`: decides whether a redacted body may be
//! written. It looks at the input bodies and the redacted output only, never
//! at how `redact` got there, so a rule `redact` lacks (or a bug in it) shows
//! up here as a refusal rather than as personal data in a committed file.
//!
//! A leak is, in any key or string of the output (as is, and percent-decoded):
//! the token (also percent-encoded, also anywhere in the written text); an
//! organisation id seen in the input (the configured one, `org_id`-like
//! fields, `/organizations/<id>` in URLs); an email-shaped string other than
//! the `guestN@example.com` placeholders; or a value of a personal field
//! (`redact::PERSON_KEYS`, `DESCRIPTION_KEYS`, `PHONE_KEYS`) or an email seen
//! in any input of the run. Placeholders are taken out before looking, so an
//! original that happens to read `Group 2` is not a leak. Findings name the
//! kind and the JSON pointer, never the value.

use std::fmt;
use std::sync::LazyLock;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use regex::Regex;
use serde_json::Value;

use crate::redact::{
    DESCRIPTION_KEYS, MIN_FREE_TEXT_LEN, PERSON_KEYS, PHONE_KEYS, PLACEHOLDER_BASE_URL,
    PLACEHOLDER_ORG_ID, PLACEHOLDER_PHONE, REDACTED,
};
use crate::spec::child;

/// Characters a URL encoder leaves alone in a component (RFC 3986 unreserved).
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Fields naming an organisation.
const ORG_KEYS: &[&str] = &["org_id", "organization_id", "organisation_id"];

/// Anything shaped like an address: something, `@`, something with a dot.
/// Deliberately looser than `redact`'s pattern.
static EMAIL_SHAPED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[^\s@/]+@[^\s@/?#]+\.[^\s@/?#.]+").expect("the pattern compiles")
});

/// An organisation id inside a URL path.
static ORG_IN_PATH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"/organizations/([^/?#\s]+)").expect("the pattern compiles"));

/// Every placeholder `redact` writes, which is therefore not a leak.
static PLACEHOLDERS: LazyLock<Regex> = LazyLock::new(|| {
    let fixed = [
        REDACTED,
        PLACEHOLDER_ORG_ID,
        PLACEHOLDER_PHONE,
        PLACEHOLDER_BASE_URL,
    ]
    .map(regex::escape)
    .join("|");
    Regex::new(&format!(
        r"(?:Group|Person|Description) \d+|guest\d+@example\.com|{fixed}"
    ))
    .expect("the pattern compiles")
});

/// The forms a secret can take in a body: as is, and percent-encoded.
pub fn secret_forms(secret: &str) -> Vec<String> {
    if secret.is_empty() {
        return Vec::new();
    }
    let mut forms = vec![secret.to_string()];
    let encoded = utf8_percent_encode(secret, COMPONENT).to_string();
    if encoded != secret {
        forms.push(encoded);
    }
    forms
}

/// What was found, and where (a JSON pointer into the redacted body; `""`
/// for the written text as a whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leak {
    pub what: &'static str,
    pub pointer: String,
}

impl fmt::Display for Leak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pointer.as_str() {
            "" => f.write_str(self.what),
            pointer => write!(f, "{} at {pointer}", self.what),
        }
    }
}

/// What must not appear in any output of one run, learned from the inputs.
#[derive(Debug, Default)]
pub struct Sensitive {
    token_forms: Vec<String>,
    /// Lowercased organisation ids.
    org_ids: Vec<String>,
    /// Lowercased personal values and emails, with what they are.
    values: Vec<(String, &'static str)>,
}

impl Sensitive {
    /// Knows the token and the configured organisation id; add the inputs
    /// with [`Sensitive::learn`].
    pub fn new(org_id: &str, token: &str) -> Sensitive {
        let mut sensitive = Sensitive {
            token_forms: secret_forms(token),
            ..Sensitive::default()
        };
        sensitive.add_org_id(org_id);
        sensitive
    }

    fn add_org_id(&mut self, org_id: &str) {
        let org_id = org_id.trim().to_lowercase();
        if !org_id.is_empty() && org_id != PLACEHOLDER_ORG_ID && !self.org_ids.contains(&org_id) {
            self.org_ids.push(org_id);
        }
    }

    fn add_value(&mut self, value: &str, what: &'static str) {
        let value = value.trim().to_lowercase();
        if !value.is_empty() && !self.values.iter().any(|(v, _)| *v == value) {
            self.values.push((value, what));
        }
    }

    /// Adds the organisation ids, personal values and emails of an input body.
    pub fn learn(&mut self, input: &Value) {
        self.learn_at(input, None);
    }

    fn learn_at(&mut self, value: &Value, key: Option<&str>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    self.learn_text(k, None);
                    self.learn_at(v, Some(k));
                }
            }
            Value::Array(items) => items.iter().for_each(|v| self.learn_at(v, key)),
            Value::String(text) => self.learn_text(text, key),
            Value::Number(n) if key.is_some_and(|k| ORG_KEYS.contains(&k)) => {
                self.add_org_id(&n.to_string());
            }
            _ => {}
        }
    }

    fn learn_text(&mut self, text: &str, key: Option<&str>) {
        let key = key.unwrap_or_default();
        if ORG_KEYS.contains(&key) {
            self.add_org_id(text);
        }
        let what = if PERSON_KEYS.contains(&key) {
            Some("a name from the input")
        } else if DESCRIPTION_KEYS.contains(&key) {
            Some("a description from the input")
        } else if PHONE_KEYS.contains(&key) {
            Some("a phone number from the input")
        } else {
            None
        };
        if let Some(what) = what {
            self.add_value(text, what);
        }
        for form in decoded_forms(text) {
            for m in EMAIL_SHAPED.find_iter(&form) {
                self.add_value(m.as_str(), "an email address from the input");
            }
            for c in ORG_IN_PATH.captures_iter(&form) {
                self.add_org_id(&c[1]);
            }
        }
    }

    /// The first leak in `output` (the redacted body) or `text` (what would
    /// be written), if any.
    pub fn find(&self, output: &Value, text: &str) -> Option<Leak> {
        if self.token_forms.iter().any(|t| text.contains(t.as_str())) {
            return Some(Leak {
                what: "the access token",
                pointer: String::new(),
            });
        }
        self.find_at(output, "")
    }

    fn find_at(&self, value: &Value, pointer: &str) -> Option<Leak> {
        match value {
            Value::Object(map) => map.iter().find_map(|(k, v)| {
                let here = child(pointer, k);
                self.find_in(k, &here).or_else(|| self.find_at(v, &here))
            }),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, v)| self.find_at(v, &format!("{pointer}/{i}"))),
            Value::String(text) => self.find_in(text, pointer),
            _ => None,
        }
    }

    /// A leak inside one key or string.
    fn find_in(&self, text: &str, pointer: &str) -> Option<Leak> {
        let what = decoded_forms(text)
            .into_iter()
            .find_map(|form| self.what_leaks(&form))?;
        Some(Leak {
            what,
            pointer: pointer.to_string(),
        })
    }

    fn what_leaks(&self, text: &str) -> Option<&'static str> {
        if self.token_forms.iter().any(|t| text.contains(t.as_str())) {
            return Some("the access token");
        }
        // A separator that can take part in no match stands where a placeholder was.
        let rest = PLACEHOLDERS.replace_all(text, "\n").to_lowercase();
        if self.org_ids.iter().any(|id| holds(&rest, id)) {
            return Some("an organisation id");
        }
        if EMAIL_SHAPED.is_match(&rest) {
            return Some("an email address");
        }
        self.values
            .iter()
            .find(|(value, _)| holds(&rest, value))
            .map(|&(_, what)| what)
    }
}

/// Whether `text` holds `needle` (both lowercased): anywhere for needles of
/// [`MIN_FREE_TEXT_LEN`] characters or more, as the whole text for shorter ones.
fn holds(text: &str, needle: &str) -> bool {
    if needle.chars().count() >= MIN_FREE_TEXT_LEN {
        text.contains(needle)
    } else {
        text.trim() == needle
    }
}

/// `text`, and `text` percent-decoded when that differs.
fn decoded_forms(text: &str) -> Vec<String> {
    let mut forms = vec![text.to_string()];
    if text.contains('%') {
        let decoded = percent_decode_str(text).decode_utf8_lossy();
        if decoded != text {
            forms.push(decoded.into_owned());
        }
    }
    forms
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn leak(input: Value, output: Value, org_id: &str, token: &str) -> Option<String> {
        let mut sensitive = Sensitive::new(org_id, token);
        sensitive.learn(&input);
        let text = serde_json::to_string_pretty(&output).unwrap();
        sensitive.find(&output, &text).map(|l| l.to_string())
    }

    // Proves each kind of leak is found in the output and named with its
    // place, and that placeholders and unrelated text are not leaks.
    #[test]
    fn leaks_are_named_with_their_place() {
        let input = json!({"data": {"name": "Sales", "first_name": "Al",
            "note": "mail josé@example.com", "url": "https://x.test/organizations/other1/g"}});
        let found = |output: Value| leak(input.clone(), output, "org123", "tok-secret");
        assert_eq!(
            found(json!({"a": "x tok-secret x"})).as_deref(),
            Some("the access token")
        );
        assert_eq!(
            found(json!({"a": ["ORG123"]})).as_deref(),
            Some("an organisation id at /a/0")
        );
        assert_eq!(
            found(json!({"a": {"b": "see other1"}})).as_deref(),
            Some("an organisation id at /a/b")
        );
        assert_eq!(
            found(json!({"a": "to JOSÉ@EXAMPLE.COM"})).as_deref(),
            Some("an email address at /a")
        );
        assert_eq!(
            found(json!({"a": "q=jos%C3%A9%40example.com"})).as_deref(),
            Some("an email address at /a")
        );
        assert_eq!(
            found(json!({"the sales team": 1})).as_deref(),
            Some("a name from the input at /the sales team")
        );
        assert_eq!(
            found(json!({"a": "al"})).as_deref(),
            Some("a name from the input at /a")
        );
        let clean = json!({"data": {"name": "Group 1", "first_name": "Person 1",
            "note": "mail guest1@example.com, also Albert", "id": PLACEHOLDER_ORG_ID,
            "token": REDACTED}});
        assert_eq!(found(clean), None);
    }

    // Proves the token is found percent-encoded too (as in a URL query).
    #[test]
    fn an_encoded_token_is_a_leak() {
        let output = json!({"next": "https://h.test/?t=a%2Fb%2Bc"});
        assert_eq!(
            leak(json!({}), output, "", "a/b+c").as_deref(),
            Some("the access token")
        );
    }
}
