//! The leak check's own vocabulary of personal fields: the words that make a
//! key personal, and how a key is split into words. Deliberately not
//! `redact`'s lists of exact field names: a field those miss is still caught
//! here if one of its words is on these.

/// Key words of a person's name (or handle).
pub const NAME_WORDS: &[&str] = &[
    "name",
    "names",
    "firstname",
    "lastname",
    "fullname",
    "displayname",
    "surname",
    "nickname",
    "username",
    "login",
    "initials",
    "signature",
];
/// Key words of free text about a group or a person.
pub const TEXT_WORDS: &[&str] = &[
    "description",
    "title",
    "bio",
    "about",
    "note",
    "notes",
    "comment",
    "comments",
    "summary",
];
/// Key words of a phone number.
pub const PHONE_WORDS: &[&str] = &["phone", "mobile", "tel", "telephone", "cell", "fax"];
/// Key words of a postal address.
pub const ADDRESS_WORDS: &[&str] = &["address", "street", "city", "postcode", "zip"];

/// The words of a key, lowercased: `firstName` and `first_name` are
/// `[first, name]`.
fn key_words(key: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut after_lower = false;
    for c in key.chars() {
        let boundary = !c.is_alphanumeric() || (c.is_uppercase() && after_lower);
        if boundary && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
            after_lower = c.is_lowercase() || c.is_numeric();
        } else {
            after_lower = false;
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// What a value under `key` is, if the key is personal.
pub(super) fn personal(key: &str) -> Option<&'static str> {
    let words = key_words(key);
    let joined = words.concat();
    let any = |list: &[&str]| {
        list.contains(&joined.as_str()) || words.iter().any(|w| list.contains(&w.as_str()))
    };
    if any(NAME_WORDS) {
        Some("a name from the input")
    } else if any(TEXT_WORDS) {
        Some("a description from the input")
    } else if any(PHONE_WORDS) {
        Some("a phone number from the input")
    } else if any(ADDRESS_WORDS) {
        Some("an address from the input")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves keys split into lowercase words at `_`, `-`, spaces and
    // camelCase, and that a key is personal by any of its words (or all of
    // them joined), while other keys are not.
    #[test]
    fn keys_are_personal_by_their_words() {
        assert_eq!(key_words("firstName"), ["first", "name"]);
        assert_eq!(key_words("ORG_id-x y"), ["org", "id", "x", "y"]);
        assert_eq!(personal("DisplayName"), Some("a name from the input"));
        assert_eq!(personal("user_name"), Some("a name from the input"));
        assert_eq!(personal("jobTitle"), Some("a description from the input"));
        assert_eq!(personal("mobile"), Some("a phone number from the input"));
        assert_eq!(
            personal("billing-address"),
            Some("an address from the input")
        );
        for other in ["id", "members", "created_at", "colour", "nameless"] {
            assert_eq!(personal(other), None, "{other}");
        }
    }
}
