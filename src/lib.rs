//! A typed, reliable client for Tallyfy's Groups API.
//!
//! The raw client is generated at build time from `spec/tallyfy-groups.yaml` (see
//! [`generated`]); this crate wraps it with a builder that sets the required headers,
//! argument checks, retries and timeouts, one error type, and paging.
//!
//! ```no_run
//! # async fn demo() -> Result<(), tallyfy_groups::Error> {
//! use tallyfy_groups::Client;
//!
//! let client = Client::builder()
//!     .token("your-access-token")
//!     .org_id("your-org-id")
//!     .build()?;
//! let page = client.groups().list().page_size(50).send().await?;
//! for group in &page {
//!     println!("{} {}", group.id, group.name);
//! }
//! let created = client
//!     .groups()
//!     .create("Sales Team").description("Handles all sales inquiries.")
//!     .members([1001, 1005])
//!     .send()
//!     .await?;
//! client.groups().delete(created.id).send().await?;
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

mod auth;
mod body;
mod capture;
mod client;
mod error;
#[cfg(test)]
mod fuzz_tests;
pub mod generated;
mod groups;
mod hooks;
mod list;
mod membership;
mod model;
mod pacing;
mod paging;
mod response;
mod retry;
mod send_sync;
mod timestamp;
mod tls;
mod transport;
mod validate;
mod write;

pub use capture::{Capture, CapturedResponse};
pub use client::{
    Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_TALLYFY_CLIENT, ENV_BASE_URL, ENV_ORG_ID, ENV_TOKEN,
};
pub use error::{ApiError, Error};
pub use groups::{CreateGroup, DeleteGroup, GetGroup, Groups, UpdateGroup};
pub use list::{DEFAULT_STREAM_PAGE_SIZE, GroupStream, ListGroups, PageStream};
pub use membership::Membership;
pub use model::{ErrorBody, Group, MemberId, Pagination, SortBy};
pub use pacing::{MAX_FALLBACK_PAUSE, MAX_PAUSE, PacingStats, RateLimiter};
pub use paging::{Items, ListingSummary, Page, PageRequest, Pages, Paginator};
pub use retry::{DEFAULT_MAX_RETRY_AFTER, RetryPolicy};
pub use timestamp::Timestamp;
pub use transport::{DEFAULT_MAX_BODY_BYTES, DEFAULT_THROTTLE_DEADLINE};
pub use validate::MAX_PER_PAGE;
pub use write::DEFAULT_CONFLICT_RETRIES;

/// The generated client as the typed layer configures it ([`Client::raw`]), and the
/// settings it carries for the request path.
pub mod raw {
    pub use crate::generated::Client;
    pub use crate::transport::Settings;
}

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
