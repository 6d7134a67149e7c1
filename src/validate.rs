//! Argument checks done before any request is sent, so bad input fails fast with
//! [`Error::InvalidArgument`] and nothing reaches the server.

use crate::error::Error;

/// The largest page the API serves (`per_page` maximum in the spec).
pub const MAX_PER_PAGE: u32 = 100;
/// The longest group name the API accepts (`name.maxLength` in the spec).
pub const MAX_NAME_CHARS: usize = 200;

/// An organisation or group id: not blank, and not a `.`/`..` path segment (which URL
/// normalisation would otherwise resolve away). Everything else is percent-encoded
/// into a single path segment by the generated code.
pub(crate) fn id(name: &'static str, value: &str) -> Result<(), Error> {
    if value.trim().is_empty() {
        return Err(Error::invalid(name, "must not be empty"));
    }
    if value == "." || value == ".." {
        return Err(Error::invalid(name, format!("{value:?} is not a valid id")));
    }
    Ok(())
}

/// A page size within 1..=100.
pub(crate) fn per_page(value: u32) -> Result<(), Error> {
    if (1..=MAX_PER_PAGE).contains(&value) {
        Ok(())
    } else {
        Err(Error::invalid(
            "per_page",
            format!("must be between 1 and {MAX_PER_PAGE}, got {value}"),
        ))
    }
}

/// A page number from 1.
pub(crate) fn page(value: u32) -> Result<(), Error> {
    if value >= 1 {
        Ok(())
    } else {
        Err(Error::invalid("page", "must be at least 1"))
    }
}

/// A group name: not blank, at most 200 characters.
pub(crate) fn name(value: &str) -> Result<(), Error> {
    if value.trim().is_empty() {
        return Err(Error::invalid("name", "must not be empty"));
    }
    let chars = value.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(Error::invalid(
            "name",
            format!("must be at most {MAX_NAME_CHARS} characters, got {chars}"),
        ));
    }
    Ok(())
}
