//! Redaction of live response bodies before `--record` writes them as samples.
//! Owns the rules: which fields hold personal data, the stable placeholders
//! that replace it (`Group 1`, `guest1@example.com`, `Description 1`, …; the
//! same input always gets the same placeholder within one `Redactor`), the
//! rewriting of URLs, the replacement of organisation ids, of the token and
//! of anything shaped like a secret, and the one spelling of a removed secret ([`REDACTED`]; the spellings of
//! every placeholder are in `placeholders`).
//! It does not decide whether a result is safe to write: `leaks` checks the
//! output on its own, with its own idea of what is personal, without trusting
//! anything this module did.

use std::collections::HashMap;
use std::sync::LazyLock;

use percent_encoding::percent_decode_str;
use regex::{Regex, RegexBuilder};
use serde_json::{Map, Value};

use crate::placeholders::{Numbered, numbered, secret_forms};
pub use crate::placeholders::{
    PLACEHOLDER_BASE_URL, PLACEHOLDER_ORG_ID, PLACEHOLDER_PHONE, REDACTED,
};

/// Fields (other than a group's own `name`) holding a person's name: `Person N`.
pub const PERSON_KEYS: &[&str] = &[
    "name",
    "first_name",
    "last_name",
    "full_name",
    "display_name",
    "username",
];
/// Fields holding free text about a group or person: `Description N`.
pub const DESCRIPTION_KEYS: &[&str] = &["description", "job_description", "job_title"];
/// Fields holding a phone number.
pub const PHONE_KEYS: &[&str] = &["phone", "phone_number", "mobile"];

/// Known originals shorter than this (in characters) are replaced only where
/// they are a whole field, not inside other text (where `Al` or `IT` would
/// match half the words).
pub const MIN_FREE_TEXT_LEN: usize = 3;

/// An email address: a local part (letters of any script, digits and
/// `._%+'!$*^`{|}~-`), `@`, and a domain of at least two labels.
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    let label = r"[\p{L}\p{M}\p{N}](?:[\p{L}\p{M}\p{N}-]*[\p{L}\p{M}\p{N}])?";
    Regex::new(&format!(
        r"[\p{{L}}\p{{M}}\p{{N}}._%+'!$*^`{{|}}~-]+@(?:{label}\.)+{label}"
    ))
    .expect("the email pattern compiles")
});

/// Strings shaped like a secret whatever their field (a bearer token, a
/// JWT, a hex key or signature of 40 digits or more): [`REDACTED`].
static SECRETS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i:\bbearer\s+[A-Za-z0-9._~+/=-]{8,})|\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*|\b[0-9A-Fa-f]{40,}\b",
    )
    .expect("the pattern compiles")
});

/// The organisation segment of an API path.
static ORG_SEGMENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(/organizations/)[^/?#\s]+").expect("the pattern compiles"));

/// The byte range of the first email address in `text`.
pub fn find_email(text: &str) -> Option<(usize, usize)> {
    EMAIL.find(text).map(|m| (m.start(), m.end()))
}

/// `text` with every occurrence of `secret` replaced by [`REDACTED`].
pub fn scrub(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        text.to_string()
    } else {
        text.replace(secret, REDACTED)
    }
}

/// Stable numbering of the originals of one kind.
#[derive(Debug, Default)]
struct Placeholders {
    numbers: HashMap<String, usize>,
}

impl Placeholders {
    fn number(&mut self, original: &str) -> usize {
        let next = self.numbers.len() + 1;
        *self.numbers.entry(original.to_string()).or_insert(next)
    }
}

/// What kind of personal datum a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Group,
    Person,
    Description,
    Phone,
}

/// The kind of the string at `key` of an object at `parent`.
fn kind_of(key: &str, parent: Option<Place>) -> Option<Kind> {
    if parent == Some(Place::Group) && key == "name" {
        Some(Kind::Group)
    } else if PERSON_KEYS.contains(&key) {
        Some(Kind::Person)
    } else if DESCRIPTION_KEYS.contains(&key) {
        Some(Kind::Description)
    } else if PHONE_KEYS.contains(&key) {
        Some(Kind::Phone)
    } else {
        None
    }
}

/// Where an object sits, as far as the rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// The document's root object.
    Root,
    /// A group: `/data` or `/data/N`.
    Group,
    /// A `links` object, or an object inside one.
    Links,
    /// Anywhere else.
    Other,
}

/// Redacts bodies for one organisation; keeps its placeholders across bodies,
/// so a group or a guest gets the same placeholder in every file of a run.
#[derive(Debug)]
pub struct Redactor {
    org_id: String,
    /// The token and its percent-encoded form (when that differs).
    token_forms: Vec<String>,
    emails: Placeholders,
    groups: Placeholders,
    people: Placeholders,
    descriptions: Placeholders,
    /// Every personal field value seen so far (lowercased) → its kind and
    /// original spelling, to replace inside other text too.
    known: HashMap<String, (Kind, String)>,
    /// Matches any of `known` (of [`MIN_FREE_TEXT_LEN`] or more), longest first.
    known_pattern: Option<Regex>,
}

impl Redactor {
    /// A redactor replacing `org_id` (the real organisation id) and `token`
    /// everywhere.
    pub fn new(org_id: impl Into<String>, token: &str) -> Redactor {
        Redactor {
            org_id: org_id.into(),
            token_forms: secret_forms(token),
            emails: Placeholders::default(),
            groups: Placeholders::default(),
            people: Placeholders::default(),
            descriptions: Placeholders::default(),
            known: HashMap::new(),
            known_pattern: None,
        }
    }

    /// The body with every rule applied.
    pub fn redact(&mut self, body: &Value) -> Value {
        let before = self.known.len();
        self.learn(body, None, None);
        if self.known.len() != before {
            self.known_pattern = known_pattern(self.known.keys());
        }
        let mut out = body.clone();
        self.walk(&mut out, None, None);
        out
    }

    /// Collects the personal field values of `value` first, so that a name
    /// is replaced inside other text even where that text comes first.
    fn learn(&mut self, value: &Value, key: Option<&str>, parent: Option<Place>) {
        match value {
            Value::Object(map) => {
                let here = place_of(parent, key);
                for (k, v) in map {
                    self.learn(v, Some(k), Some(here));
                }
            }
            Value::Array(items) => items.iter().for_each(|v| self.learn(v, key, parent)),
            Value::String(text) => {
                let kind = key.and_then(|k| kind_of(k, parent));
                if let Some(kind) = kind
                    && text.trim().chars().count() >= MIN_FREE_TEXT_LEN
                {
                    let entry = (kind, text.clone());
                    self.known.entry(text.to_lowercase()).or_insert(entry);
                }
            }
            _ => {}
        }
    }

    /// Redacts `value`, which sits at `key` of a container at `parent`
    /// (`None` for the document itself). Arrays pass their place on.
    fn walk(&mut self, value: &mut Value, key: Option<&str>, parent: Option<Place>) {
        match value {
            Value::Object(map) => {
                let here = place_of(parent, key);
                let mut redacted = Map::new();
                for (k, mut v) in std::mem::take(map) {
                    self.walk(&mut v, Some(&k), Some(here));
                    redacted.insert(self.free_text(&k), v);
                }
                *map = redacted;
            }
            Value::Array(items) => {
                for item in items {
                    self.walk(item, key, parent);
                }
            }
            Value::String(text) if !text.is_empty() => {
                let in_links = parent == Some(Place::Links) || key == Some("links");
                *text = self.string(text, key, parent, in_links);
            }
            _ => {}
        }
    }

    /// A non-empty string at `key` of an object at `parent`.
    fn string(
        &mut self,
        text: &str,
        key: Option<&str>,
        parent: Option<Place>,
        in_links: bool,
    ) -> String {
        if let Some(kind) = key.and_then(|k| kind_of(k, parent)) {
            return self.placeholder(kind, text);
        }
        // A placeholder inside a URL has its spaces encoded, so the URL stays one.
        if in_links && is_url(text) {
            return self.free_text(&rewrite_link(text)).replace(' ', "%20");
        }
        if is_url(text) {
            return self.free_text(strip_query(text)).replace(' ', "%20");
        }
        self.free_text(text)
    }

    fn placeholder(&mut self, kind: Kind, original: &str) -> String {
        match kind {
            Kind::Group => numbered(Numbered::Group, self.groups.number(original)),
            Kind::Person => numbered(Numbered::Person, self.people.number(original)),
            Kind::Description => {
                numbered(Numbered::Description, self.descriptions.number(original))
            }
            Kind::Phone => PLACEHOLDER_PHONE.to_string(),
        }
    }

    /// Any text: the token becomes [`REDACTED`], organisation ids the
    /// placeholder org id, emails and known names their placeholders. Text
    /// with percent escapes is redacted decoded when decoding reveals more.
    fn free_text(&mut self, text: &str) -> String {
        let plain = self.plain_text(text);
        if text.contains('%') {
            let decoded = percent_decode_str(text).decode_utf8_lossy();
            if decoded != text {
                let redacted = self.plain_text(&decoded);
                if redacted != decoded {
                    return redacted;
                }
            }
        }
        plain
    }

    fn plain_text(&mut self, text: &str) -> String {
        let mut text = text.to_string();
        for form in &self.token_forms {
            text = text.replace(form.as_str(), REDACTED);
        }
        text = SECRETS.replace_all(&text, REDACTED).into_owned();
        if !self.org_id.is_empty() {
            text = text.replace(&self.org_id, PLACEHOLDER_ORG_ID);
        }
        let text = ORG_SEGMENT.replace_all(&text, format!("${{1}}{PLACEHOLDER_ORG_ID}"));
        // Emails first; names only in the text between them, so a name
        // never breaks an address apart (nor lands inside a placeholder).
        let mut out = String::with_capacity(text.len());
        let mut rest: &str = &text;
        while let Some((start, end)) = find_email(rest) {
            out.push_str(&self.replace_known(&rest[..start]));
            let email = rest[start..end].to_lowercase();
            out.push_str(&numbered(Numbered::Email, self.emails.number(&email)));
            rest = &rest[end..];
        }
        out.push_str(&self.replace_known(rest));
        out
    }

    /// `text` with every known personal value replaced by its placeholder.
    fn replace_known(&mut self, text: &str) -> String {
        let Some(pattern) = self.known_pattern.clone() else {
            return text.to_string();
        };
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for m in pattern.find_iter(text) {
            out.push_str(&text[last..m.start()]);
            // Case folding can match a spelling whose lowercase form differs
            // from the one stored; such a match is still removed.
            match self.known.get(&m.as_str().to_lowercase()).cloned() {
                Some((kind, original)) => out.push_str(&self.placeholder(kind, &original)),
                None => out.push_str(REDACTED),
            }
            last = m.end();
        }
        out.push_str(&text[last..]);
        out
    }
}

/// A case-insensitive pattern matching any of `originals` (lowercased),
/// longest first, so `Jane Doe` wins over `Jane`.
fn known_pattern<'a>(originals: impl Iterator<Item = &'a String>) -> Option<Regex> {
    let mut originals: Vec<&str> = originals.map(String::as_str).collect();
    originals.sort_by_key(|o| (std::cmp::Reverse(o.len()), *o));
    let alternatives: Vec<String> = originals.iter().map(|o| regex::escape(o)).collect();
    RegexBuilder::new(&alternatives.join("|"))
        .case_insensitive(true)
        .size_limit(1 << 24)
        .build()
        .ok()
}

/// The place of an object at `key` of a container at `parent`.
fn place_of(parent: Option<Place>, key: Option<&str>) -> Place {
    match (parent, key) {
        (None, _) => Place::Root,
        (Some(Place::Links), _) | (_, Some("links")) => Place::Links,
        (Some(Place::Root), Some("data")) => Place::Group,
        _ => Place::Other,
    }
}

fn is_url(text: &str) -> bool {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// A page link on the placeholder host: the path from `/organizations/` on
/// (or the path after `/api`), with its query, under [`PLACEHOLDER_BASE_URL`].
pub fn rewrite_link(url: &str) -> String {
    let Some((_, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let path_start = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let path = &rest[path_start..];
    let path = match path.find("/organizations/") {
        Some(i) => &path[i..],
        None => path.strip_prefix("/api").unwrap_or(path),
    };
    format!("{PLACEHOLDER_BASE_URL}{path}")
}

/// A URL outside `links` (a logo, an asset) without its query and fragment,
/// where signatures and tokens of file links live.
fn strip_query(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}
