//! Argument checks done before any request is sent, so bad input fails fast with
//! [`Error::InvalidArgument`] and nothing reaches the server. Limits come from the
//! spec (the generated types and `generated::spec`); what is checked here beyond them
//! is path safety, which no spec states.

use std::num::{NonZeroU32, NonZeroU64};

use crate::error::Error;
use crate::generated::spec::{MEMBER_ID_MAX, PER_PAGE_MAX};

/// An argument refused before sending: kept by builders (which are `Clone`, as
/// [`Error`] is not) until `send()` reports it as [`Error::InvalidArgument`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Rejected {
    pub(crate) name: &'static str,
    pub(crate) reason: String,
}

impl Rejected {
    pub(crate) fn new(name: &'static str, reason: impl Into<String>) -> Self {
        Rejected {
            name,
            reason: reason.into(),
        }
    }
}

impl From<Rejected> for Error {
    fn from(rejected: Rejected) -> Self {
        Error::invalid(rejected.name, rejected.reason)
    }
}
use crate::generated::types::{GroupId, OrgId, RequestMemberId};

/// The largest page the API serves (`per_page` maximum in the spec).
pub const MAX_PER_PAGE: u32 = PER_PAGE_MAX;

/// An organisation id, as the generated type, not blank and not a `.`/`..` segment.
pub(crate) fn org_id(value: &str) -> Result<OrgId, Rejected> {
    path_segment("org_id", value)
}

/// A group id, as the generated type, not blank and not a `.`/`..` segment.
pub(crate) fn group_id(value: &str) -> Result<GroupId, Rejected> {
    path_segment("group_id", value)
}

/// Not blank, and not a `.`/`..` path segment (which URL normalisation would resolve
/// away, sending the request to another path). Everything else is percent-encoded
/// into a single path segment by the generated code.
fn path_segment<T>(name: &'static str, value: &str) -> Result<T, Rejected>
where
    T: for<'a> TryFrom<&'a str, Error: std::fmt::Display>,
{
    if value.trim().is_empty() {
        return Err(Rejected::new(name, "must not be empty"));
    }
    if value == "." || value == ".." {
        return Err(Rejected::new(name, format!("{value:?} is not a valid id")));
    }
    T::try_from(value).map_err(|e| Rejected::new(name, e.to_string()))
}

/// A page size within 1 and the spec's maximum.
pub(crate) fn per_page(value: u32) -> Result<NonZeroU32, Rejected> {
    NonZeroU32::new(value)
        .filter(|n| n.get() <= MAX_PER_PAGE)
        .ok_or_else(|| {
            Rejected::new(
                "per_page",
                format!("must be between 1 and {MAX_PER_PAGE}, got {value}"),
            )
        })
}

/// A page number from 1.
pub(crate) fn page(value: u32) -> Result<NonZeroU32, Rejected> {
    NonZeroU32::new(value).ok_or_else(|| Rejected::new("page", "must be at least 1"))
}

/// A group name, as the generated request type `T` checks it (length limits from the
/// spec), and not blank.
pub(crate) fn name<T>(value: String) -> Result<T, Rejected>
where
    T: TryFrom<String, Error: std::fmt::Display>,
{
    if value.trim().is_empty() {
        return Err(Rejected::new("name", "must not be empty"));
    }
    T::try_from(value).map_err(|e| Rejected::new("name", e.to_string()))
}

/// A description as the generated request type `T` checks it, or `None` when it is
/// blank: the server trims strings and turns `""` into null, and rejects a null
/// description, so a blank one must never be sent.
pub(crate) fn description<T>(value: String) -> Result<Option<T>, Rejected>
where
    T: TryFrom<String, Error: std::fmt::Display>,
{
    if value.trim().is_empty() {
        return Ok(None);
    }
    T::try_from(value)
        .map(Some)
        .map_err(|e| Rejected::new("description", e.to_string()))
}

/// Member ids as a request sends them: integers from 1 to the spec's maximum (the
/// spec also allows digit strings, which Tallyfy's own client echoes back from a
/// get; this crate always sends integers).
pub(crate) fn member_ids(ids: &[i64]) -> Result<Vec<RequestMemberId>, Rejected> {
    ids.iter()
        .map(|&id| {
            u64::try_from(id)
                .ok()
                .filter(|_| id <= MEMBER_ID_MAX)
                .and_then(NonZeroU64::new)
                .map(RequestMemberId::from)
                .ok_or_else(|| {
                    Rejected::new(
                        "members",
                        format!("user id {id} is not between 1 and {MEMBER_ID_MAX}"),
                    )
                })
        })
        .collect()
}
