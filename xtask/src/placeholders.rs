//! What `--record` writes in place of personal data and secrets: the one
//! spelling of a removed secret ([`REDACTED`]), the fixed placeholders
//! (organisation id, base URL, phone) and the numbered ones (`Group N`,
//! `Person N`, `Description N`, `guestN@example.com`); and the forms a secret
//! takes in text (as is, percent-encoded).
//!
//! It is the output contract between `redact`, which writes these, and
//! `leaks`, which must not mistake them for what they replaced. It holds no
//! rule about what is personal: each of those two modules has its own, so a
//! field one of them misses is not missed by both. It uses no other module.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// What a secret (the token) becomes, in recorded files and in any output.
pub const REDACTED: &str = "** redacted **";
/// The organisation id that replaces the real one everywhere.
pub const PLACEHOLDER_ORG_ID: &str = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d";
/// The base URL every link in `links` is rewritten to (the documented one).
pub const PLACEHOLDER_BASE_URL: &str = "https://go.tallyfy.com/api";
/// What a phone number becomes.
pub const PLACEHOLDER_PHONE: &str = "+1 555 0100";

/// The kinds of numbered placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numbered {
    /// A group's name: `Group N`.
    Group,
    /// A person's name: `Person N`.
    Person,
    /// Free text about a group or person: `Description N`.
    Description,
    /// An email address: `guestN@example.com`.
    Email,
}

/// Placeholder number `n` of `kind`.
pub fn numbered(kind: Numbered, n: usize) -> String {
    match kind {
        Numbered::Group => format!("Group {n}"),
        Numbered::Person => format!("Person {n}"),
        Numbered::Description => format!("Description {n}"),
        Numbered::Email => format!("guest{n}@example.com"),
    }
}

/// A regular expression matching any placeholder (and nothing else of note).
pub fn pattern() -> String {
    let fixed = [
        REDACTED,
        PLACEHOLDER_ORG_ID,
        PLACEHOLDER_PHONE,
        PLACEHOLDER_BASE_URL,
    ]
    .map(regex::escape)
    .join("|");
    format!(r"(?:Group|Person|Description) \d+|guest\d+@example\.com|{fixed}")
}

/// Characters a URL encoder leaves alone in a component (RFC 3986 unreserved).
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

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

#[cfg(test)]
mod tests {
    use super::*;

    // Proves every placeholder written matches `pattern`, and that the
    // pattern does not take ordinary words or addresses for placeholders.
    #[test]
    fn the_pattern_matches_every_placeholder_and_only_them() {
        let pattern = regex::Regex::new(&format!("^(?:{})$", pattern())).unwrap();
        for kind in [
            Numbered::Group,
            Numbered::Person,
            Numbered::Description,
            Numbered::Email,
        ] {
            assert!(pattern.is_match(&numbered(kind, 12)), "{kind:?}");
        }
        for fixed in [
            REDACTED,
            PLACEHOLDER_ORG_ID,
            PLACEHOLDER_PHONE,
            PLACEHOLDER_BASE_URL,
        ] {
            assert!(pattern.is_match(fixed), "{fixed}");
        }
        for other in ["Group", "Sales", "guest@example.com", "jane@example.com"] {
            assert!(!pattern.is_match(other), "{other}");
        }
    }

    // Proves a secret is looked for percent-encoded too, and an empty one not at all.
    #[test]
    fn secrets_have_their_encoded_form() {
        assert_eq!(secret_forms("a/b+c"), ["a/b+c", "a%2Fb%2Bc"]);
        assert_eq!(secret_forms("plain-1.2_3~"), ["plain-1.2_3~"]);
        assert!(secret_forms("").is_empty());
    }
}
