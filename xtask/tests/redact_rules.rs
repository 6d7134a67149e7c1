//! The rules of `redact` on single bodies: emails in any script, stable
//! placeholders, links and organisation ids, known names inside other text,
//! and the one spelling of a removed secret.

use serde_json::{Value, json};
use xtask::redact::{PLACEHOLDER_BASE_URL, PLACEHOLDER_ORG_ID, Redactor, find_email, scrub};

// Proves the email pattern finds addresses inside text, in any script,
// without the sentence's full stop, and ignores things that are not one.
#[test]
fn emails_are_found_inside_text() {
    fn found(text: &str) -> Option<&str> {
        find_email(text).map(|(s, e)| &text[s..e])
    }
    assert_eq!(
        found("ask Jane.Doe+x@corp.example.com."),
        Some("Jane.Doe+x@corp.example.com")
    );
    assert_eq!(found("mail josé@example.com"), Some("josé@example.com"));
    assert_eq!(
        found("Ω: δοκιμή@παράδειγμα.ελ"),
        Some("δοκιμή@παράδειγμα.ελ")
    );
    assert_eq!(found("?email=jane@x.io"), Some("jane@x.io"));
    assert_eq!(found("a @ b"), None);
    assert_eq!(found("me@localhost"), None);
    assert_eq!(found("@example.com"), None);
}

// Proves placeholders are stable: the same original gets the same one
// within a body and across bodies, and emails are case-insensitive.
#[test]
fn same_input_same_placeholder() {
    let mut r = Redactor::new("org123", "tok-123456");
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

// Proves links move to the documented host with the placeholder
// organisation (also one that is not the configured org), other URLs
// lose their query, and the org id is replaced inside any text.
#[test]
fn links_move_to_the_documented_host_and_org_ids_go() {
    let mut r = Redactor::new("realorg", "tok-123456");
    let body = json!({"meta": {"pagination": {"links": {
        "next": "http://127.0.0.1:4000/api/organizations/realorg/groups?page=2",
        "last": "http://127.0.0.1:4000/api/organizations/otherorg/groups?page=9",
        "previous": null
    }}}, "data": {"name": "xyz", "logo": "https://cdn.test/realorg/l.png?sig=abc", "note": "realorg"}});
    let out = r.redact(&body);
    let links = &out["meta"]["pagination"]["links"];
    let expected = format!("{PLACEHOLDER_BASE_URL}/organizations/{PLACEHOLDER_ORG_ID}/groups");
    assert_eq!(links["next"], format!("{expected}?page=2"));
    assert_eq!(links["last"], format!("{expected}?page=9"));
    assert_eq!(links["previous"], Value::Null);
    assert_eq!(
        out["data"]["logo"],
        format!("https://cdn.test/{PLACEHOLDER_ORG_ID}/l.png")
    );
    assert_eq!(out["data"]["note"], PLACEHOLDER_ORG_ID);
}

// Proves a known name is replaced inside other text, even text seen
// before the name's own field, and short names only as whole fields.
#[test]
fn known_names_are_replaced_inside_text() {
    let mut r = Redactor::new("org", "tok-123456");
    let body = json!({"data": {
        "a_note": "ask JANE DOE, not Al",
        "users": [{"full_name": "Jane Doe"}, {"first_name": "Al"}]
    }});
    let out = r.redact(&body);
    assert_eq!(out["data"]["a_note"], "ask Person 1, not Al");
    assert_eq!(out["data"]["users"][0]["full_name"], "Person 1");
    assert_eq!(out["data"]["users"][1]["first_name"], "Person 2");
}

// Proves the one placeholder spelling replaces a secret in text.
#[test]
fn scrub_uses_the_one_placeholder() {
    assert_eq!(scrub("a tok b", "tok"), "a ** redacted ** b");
    assert_eq!(scrub("a tok b", ""), "a tok b");
}

// Proves strings shaped like a secret are redacted in any field, also a
// bearer header echoed in free text, while 32-digit ids stay as they are.
#[test]
fn secret_shaped_strings_are_redacted() {
    let mut r = Redactor::new("org", "tok-123456");
    let key = "0123456789abcdef".repeat(3);
    let body = json!({"data": {
        "id": "53a4560dc877f9b4f709f97630efbb5a",
        "debug": "sent Authorization: Bearer abcDEF123456",
        "session": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
        "api_key": key,
    }});
    let out = r.redact(&body);
    assert_eq!(out["data"]["id"], "53a4560dc877f9b4f709f97630efbb5a");
    assert_eq!(out["data"]["debug"], "sent Authorization: ** redacted **");
    assert_eq!(out["data"]["session"], "** redacted **");
    assert_eq!(out["data"]["api_key"], "** redacted **");
}
