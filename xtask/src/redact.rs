//! Redaction of live response bodies before `--record` writes them as samples.
//! Owns the rules: which fields hold personal data, the stable placeholders
//! that replace it (`Group 1`, `guest1@example.com`, `Description 1`, …; the
//! same input always gets the same placeholder within one `Redactor`), the
//! rewriting of URLs, and the replacement of the real organisation id.
//! It does not know about the token: `record` checks for that separately.

use std::collections::HashMap;

use serde_json::{Map, Value};

/// The organisation id that replaces the real one everywhere.
pub const PLACEHOLDER_ORG_ID: &str = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d";
/// The base URL every link in `links` is rewritten to (the documented one).
pub const PLACEHOLDER_BASE_URL: &str = "https://go.tallyfy.com/api";
/// What a phone number becomes.
pub const PLACEHOLDER_PHONE: &str = "+1 555 0100";

/// Fields (other than a group's own `name`) holding a person's name: `Person N`.
const PERSON_KEYS: &[&str] = &[
    "name",
    "first_name",
    "last_name",
    "full_name",
    "display_name",
    "username",
];
/// Fields holding free text about a group or person: `Description N`.
const DESCRIPTION_KEYS: &[&str] = &["description", "job_description", "job_title"];
/// Fields holding a phone number.
const PHONE_KEYS: &[&str] = &["phone", "phone_number", "mobile"];

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

    fn originals(&self) -> impl Iterator<Item = &String> {
        self.numbers.keys()
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
    emails: Placeholders,
    groups: Placeholders,
    people: Placeholders,
    descriptions: Placeholders,
}

impl Redactor {
    /// A redactor replacing `org_id` (the real organisation id) everywhere.
    pub fn new(org_id: impl Into<String>) -> Redactor {
        Redactor {
            org_id: org_id.into(),
            emails: Placeholders::default(),
            groups: Placeholders::default(),
            people: Placeholders::default(),
            descriptions: Placeholders::default(),
        }
    }

    /// Every email address redacted so far, lowercased (for checks on the output).
    pub fn original_emails(&self) -> impl Iterator<Item = &String> {
        self.emails.originals()
    }

    /// Every group and person name redacted so far.
    pub fn original_names(&self) -> impl Iterator<Item = &String> {
        self.groups.originals().chain(self.people.originals())
    }

    /// The body with every rule applied.
    pub fn redact(&mut self, body: &Value) -> Value {
        let mut out = body.clone();
        self.walk(&mut out, None, None);
        out
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
        let key = key.unwrap_or_default();
        if parent == Some(Place::Group) && key == "name" {
            return format!("Group {}", self.groups.number(text));
        }
        if PERSON_KEYS.contains(&key) {
            return format!("Person {}", self.people.number(text));
        }
        if DESCRIPTION_KEYS.contains(&key) {
            return format!("Description {}", self.descriptions.number(text));
        }
        if PHONE_KEYS.contains(&key) {
            return PLACEHOLDER_PHONE.to_string();
        }
        if in_links && is_url(text) {
            return self.free_text(&rewrite_link(text));
        }
        if is_url(text) {
            return self.free_text(strip_query(text));
        }
        self.free_text(text)
    }

    /// Any text: emails become placeholders, the org id the placeholder org id.
    fn free_text(&mut self, text: &str) -> String {
        let text = self.replace_emails(text);
        if self.org_id.is_empty() {
            text
        } else {
            text.replace(&self.org_id, PLACEHOLDER_ORG_ID)
        }
    }

    fn replace_emails(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some((start, end)) = find_email(rest) {
            out.push_str(&rest[..start]);
            let email = rest[start..end].to_ascii_lowercase();
            out.push_str(&format!("guest{}@example.com", self.emails.number(&email)));
            rest = &rest[end..];
        }
        out.push_str(rest);
        out
    }
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

fn is_local_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._%+-'".contains(c)
}

fn is_domain_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '.' || c == '-'
}

/// The byte range of the first email address in `text`: a local part, `@`,
/// and a domain with a dot inside it.
pub fn find_email(text: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(at) = text[from..].find('@').map(|i| i + from) {
        let start = text[..at]
            .char_indices()
            .rev()
            .take_while(|&(_, c)| is_local_char(c))
            .last()
            .map_or(at, |(i, _)| i);
        let domain = &text[at + 1..];
        let mut len = domain
            .char_indices()
            .find(|&(_, c)| !is_domain_char(c))
            .map_or(domain.len(), |(i, _)| i);
        while len > 0 && matches!(domain.as_bytes()[len - 1], b'.' | b'-') {
            len -= 1;
        }
        let host = &domain[..len];
        let dotted = host
            .find('.')
            .is_some_and(|i| i > 0 && i + 1 < host.len() && !host.starts_with('-'));
        if start < at && dotted {
            return Some((start, at + 1 + len));
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn emails_are_found_inside_text() {
        let text = "ask Jane.Doe+x@corp.example.com.";
        let (s, e) = find_email(text).unwrap();
        assert_eq!(&text[s..e], "Jane.Doe+x@corp.example.com");
        assert_eq!(find_email("a @ b"), None);
        assert_eq!(find_email("me@localhost"), None);
        assert_eq!(find_email("@example.com"), None);
    }

    #[test]
    fn same_input_same_placeholder() {
        let mut r = Redactor::new("org123");
        let body = json!({"data": [
            {"id": "g1", "name": "Sales", "description": "Deals", "guests": ["A@x.io", "b@y.io"]},
            {"id": "g2", "name": "Ops", "description": "Deals", "guests": ["a@x.io"]}
        ]});
        let out = r.redact(&body);
        assert_eq!(out["data"][0]["name"], "Group 1");
        assert_eq!(out["data"][1]["name"], "Group 2");
        assert_eq!(out["data"][0]["description"], "Description 1");
        assert_eq!(out["data"][1]["description"], "Description 1");
        assert_eq!(
            out["data"][0]["guests"],
            json!(["guest1@example.com", "guest2@example.com"])
        );
        assert_eq!(out["data"][1]["guests"], json!(["guest1@example.com"]));
        let again = r.redact(&json!({"data": {"name": "Ops", "users": [{"name": "Ops"}]}}));
        assert_eq!(again["data"]["name"], "Group 2");
        assert_eq!(again["data"]["users"][0]["name"], "Person 1");
    }

    #[test]
    fn links_move_to_the_documented_host_and_org_ids_go() {
        let mut r = Redactor::new("realorg");
        let body = json!({"meta": {"pagination": {"links": {
            "next": "http://127.0.0.1:4000/api/organizations/realorg/groups?page=2",
            "previous": null
        }}}, "data": {"name": "x", "logo": "https://cdn.test/realorg/l.png?sig=abc", "note": "realorg"}});
        let out = r.redact(&body);
        assert_eq!(
            out["meta"]["pagination"]["links"]["next"],
            format!("{PLACEHOLDER_BASE_URL}/organizations/{PLACEHOLDER_ORG_ID}/groups?page=2")
        );
        assert_eq!(out["meta"]["pagination"]["links"]["previous"], Value::Null);
        assert_eq!(
            out["data"]["logo"],
            format!("https://cdn.test/{PLACEHOLDER_ORG_ID}/l.png")
        );
        assert_eq!(out["data"]["note"], PLACEHOLDER_ORG_ID);
    }
}
