//! The bearer token: it has no `Display`, its `Debug` prints a placeholder, and it is marked sensitive in
//! the `Authorization` header so HTTP-level debug output hides it too.

use std::fmt;

use reqwest::header::HeaderValue;

use crate::error::Error;

/// A bearer token. Its `Debug` prints `** redacted **`; it has no `Display`, so it
/// cannot be formatted into a message by mistake.
#[derive(Clone)]
pub(crate) struct Token(String);

impl Token {
    /// What is printed in place of a token.
    pub(crate) const REDACTED: Redacted = Redacted;

    pub(crate) fn new(token: String) -> Self {
        Token(token)
    }

    /// `Bearer <token>`, marked sensitive; an empty or malformed token is rejected
    /// without quoting it.
    pub(crate) fn header_value(&self) -> Result<HeaderValue, Error> {
        let token = self.0.trim();
        if token.is_empty() {
            return Err(Error::invalid("token", "is empty"));
        }
        let mut value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
            Error::invalid("token", "contains characters not allowed in an HTTP header")
        })?;
        value.set_sensitive(true);
        Ok(value)
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Redacted.fmt(f)
    }
}

/// The placeholder printed instead of a secret.
#[derive(Clone, Copy)]
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("** redacted **")
    }
}
