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
//!     .create("Sales Team", "Handles all sales inquiries.")
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
mod timestamp;
mod validate;

pub use capture::{CapturedResponse, capture_responses};
pub use client::{
    Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_TALLYFY_CLIENT, ENV_BASE_URL, ENV_ORG_ID, ENV_TOKEN,
};
pub use error::{ApiError, Error};
pub use groups::{CreateGroup, DeleteGroup, GetGroup, Groups, UpdateGroup};
pub use hooks::{DEFAULT_MAX_BODY_BYTES, DEFAULT_THROTTLE_DEADLINE, Settings};
pub use list::{ListGroups, ListQuery};
pub use membership::Membership;
pub use model::*;
pub use pacing::{MAX_FALLBACK_PAUSE, MAX_PAUSE, PacingStats, RateLimiter};
pub use paging::{DEFAULT_STREAM_PAGE_SIZE, GroupStream, Page, PageStream};
pub use retry::RetryPolicy;
pub use timestamp::Timestamp;
pub use validate::{MAX_NAME_CHARS, MAX_PER_PAGE};

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
