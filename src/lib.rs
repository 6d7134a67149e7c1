//! A typed, reliable client for Tallyfy's Groups API.
//!
//! The raw client is generated at build time from `spec/tallyfy-groups.yaml` (see
//! [`raw`]); this crate wraps it with a builder that sets the required headers,
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
mod capture;
mod client;
mod coordinator;
mod core;
mod error;
mod extra;
#[cfg(test)]
mod fuzz_tests;
mod generated;
mod groups;
mod list;
mod membership;
mod model;
mod pacing;
mod paging;
mod request;
mod retry;
mod retry_after;
pub mod sync;
mod timestamp;
mod tls;
mod unknown_keys;
mod update;
mod validate;

pub use capture::{Capture, CapturedResponse};
pub use client::{Client, ClientBuilder, DEFAULT_BASE_URL, ENV_BASE_URL, ENV_ORG_ID, ENV_TOKEN};
pub use coordinator::{Coordinator, CoordinatorError, CoordinatorErrorKind};
#[cfg(feature = "redis")]
pub use coordinator::{RedisCoordinatorBuilder, Unavailable};
pub use error::{ApiError, Error};
pub use extra::Extra;
pub use groups::{CreateGroup, DeleteGroup, GetGroup, Groups, UpdateGroup};
pub use list::ListGroups;
pub use membership::Membership;
pub use model::{ErrorBody, Group, MemberId, Pagination, SortBy};
pub use pacing::{PacingStats, RateLimiter};
pub use paging::{Items, ListingSummary, Page, Pages, Paginator};
pub use retry::RetryPolicy;
pub use timestamp::Timestamp;
pub use unknown_keys::from_body;
pub use validate::MAX_PER_PAGE;

/// The generated client, its request builders and its types, as the typed layer
/// configures them ([`Client::raw`]), for anything the typed layer does not cover. Its calls return
/// progenitor's own error type; their requests take the same path as the typed
/// layer's (headers, pacing, retries, the body limit).
pub mod raw {
    pub use crate::generated::Client;
    pub use crate::generated::{builder, types};
}

/// Not a stable API: the seam through which the pacing simulation
/// (`tests/pacing_simulation/`) drives a [`RateLimiter`] on tokio's paused clock
/// without HTTP. Hidden from the documentation; it may change in any release.
#[doc(hidden)]
pub mod simulation {
    pub use crate::pacing::{Observation, Overdue, Permit};
}

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
