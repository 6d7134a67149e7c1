//! The leak check of `--record`: decides whether a redacted body may be
//! written. It looks at the input bodies and the redacted output only, never
//! at how `redact` got there, and it has its own idea of what is secret or
//! personal (it shares nothing with `redact` but the spellings of the
//! placeholders, `placeholders`), so a rule `redact` lacks (or a bug in it)
//! shows up here as a refusal rather than as personal data in a committed
//! file.
//!
//! A leak is, in any key or string of the output (as is, and percent-decoded):
//! - the token (also percent-encoded, also anywhere in the written text);
//! - anything shaped like a secret: `Bearer …`, a JWT (`eyJ….….…`), a hex
//!   string of [`LONG_HEX`] digits or more (keys, signatures; ids are shorter);
//! - an email-shaped string other than the `guestN@example.com` placeholders;
//! - an organisation id seen in the input (the configured one, `org_id`-like
//!   fields, `/organizations/<id>` in URLs);
//! - a value seen in the input under a personal key: a key whose words (split
//!   at `_`, `-`, spaces and camelCase) name a person, free text about one, a
//!   phone or an address ([`NAME_WORDS`], [`TEXT_WORDS`], [`PHONE_WORDS`],
//!   [`ADDRESS_WORDS`]: a wider net than any list of exact field names).
//!
//! Placeholders are taken out before looking, so an original that happens to
//! read `Group 2` is not a leak. Findings name the kind and the JSON pointer,
//! never the value.

use std::fmt;
use std::sync::LazyLock;

use percent_encoding::percent_decode_str;
use regex::Regex;
use serde_json::Value;

use crate::placeholders::{self, PLACEHOLDER_ORG_ID, secret_forms};

mod vocabulary;

use crate::spec::child;
use vocabulary::personal;
pub use vocabulary::{ADDRESS_WORDS, NAME_WORDS, PHONE_WORDS, TEXT_WORDS};

/// Learned values shorter than this (in characters) are a leak only as a
/// whole field, not inside other text (where `Al` or `IT` would match half
/// the words).
pub const WHOLE_FIELD_BELOW: usize = 3;

/// The fewest hex digits of a string taken for a key or a signature (ids
/// of groups and organisations have 32).
pub const LONG_HEX: usize = 40;

/// Fields naming an organisation.
const ORG_KEYS: &[&str] = &["org_id", "organization_id", "organisation_id"];

/// Anything shaped like an address: something, `@`, something with a dot.
static EMAIL_SHAPED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[^\s@/]+@[^\s@/?#]+\.[^\s@/?#.]+").expect("the pattern compiles")
});

/// Strings shaped like a secret, whatever their key.
static SECRET_SHAPED: LazyLock<[(Regex, &'static str); 3]> = LazyLock::new(|| {
    let re = |pattern: &str| Regex::new(pattern).expect("the pattern compiles");
    [
        (
            re(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}"),
            "a bearer token",
        ),
        (
            re(r"\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*"),
            "a JWT-like token",
        ),
        (
            re(&format!(r"\b[0-9A-Fa-f]{{{LONG_HEX},}}\b")),
            "a long hex string (a key or a signature)",
        ),
    ]
});

/// An organisation id inside a URL path.
static ORG_IN_PATH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"/organizations/([^/?#\s]+)").expect("the pattern compiles"));

/// Every placeholder `redact` writes, which is therefore not a leak.
static PLACEHOLDERS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&placeholders::pattern()).expect("the pattern compiles"));

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
        let what = personal(key);
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
        let stripped = PLACEHOLDERS.replace_all(text, "\n");
        if let Some((_, what)) = SECRET_SHAPED.iter().find(|(re, _)| re.is_match(&stripped)) {
            return Some(what);
        }
        let rest = stripped.to_lowercase();
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
/// [`WHOLE_FIELD_BELOW`] characters or more, as the whole text for shorter ones.
fn holds(text: &str, needle: &str) -> bool {
    if needle.chars().count() >= WHOLE_FIELD_BELOW {
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
    use crate::placeholders::REDACTED;
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

    // Proves the personal vocabulary is the leak check's own, by key words:
    // fields no exact list of the redactor names (camelCase, other words for
    // a name, a phone, an address, free text) are learned, and a value kept
    // in the output is refused; keys without such a word are not learned.
    #[test]
    fn personal_keys_are_recognised_by_their_words() {
        let input = json!({"data": {"nickName": "Zed Quill", "homeAddress": "1 Elm Row",
            "Tel": "+44 20 7946 0000", "bio": "Plays the oboe", "colour": "teal"}});
        let cases = [
            ("zed quill", "a name from the input"),
            ("1 elm row", "an address from the input"),
            ("+44 20 7946 0000", "a phone number from the input"),
            ("plays the oboe", "a description from the input"),
        ];
        for (kept, what) in cases {
            let found = leak(input.clone(), json!({"x": kept}), "", "t0k");
            assert_eq!(found.as_deref(), Some(format!("{what} at /x").as_str()));
        }
        assert_eq!(leak(input, json!({"x": "teal"}), "", "t0k"), None);
    }

    // Proves secret-shaped strings are leaks whatever their key and whatever
    // the input held, and that group-id-long hex and placeholders are not.
    #[test]
    fn secret_shaped_strings_are_leaks() {
        let found = |text: &str| leak(json!({}), json!({"v": text}), "", "t0k");
        assert_eq!(
            found("Authorization: Bearer abcDEF123456").as_deref(),
            Some("a bearer token at /v")
        );
        assert_eq!(
            found("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature").as_deref(),
            Some("a JWT-like token at /v")
        );
        let hex = "ab".repeat(LONG_HEX / 2);
        assert_eq!(
            found(&format!("key={hex}")).as_deref(),
            Some("a long hex string (a key or a signature) at /v")
        );
        assert_eq!(found("53a4560dc877f9b4f709f97630efbb5a"), None);
        assert_eq!(found(REDACTED), None);
        assert_eq!(found(PLACEHOLDER_ORG_ID), None);
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
