//! Shared helpers for the integration tests: a client pointed at an httpmock server,
//! and the reference's example bodies.
#![allow(dead_code)]

use httpmock::MockServer;
use serde_json::{Value, json};
use tallyfy_groups::{Client, RetryPolicy};

pub const TOKEN: &str = "test-token-5f0c2a9e7b1d4c3a";
pub const ORG: &str = "org123";
pub const GROUP_ID: &str = "53a4560dc877f9b4f709f97630efbb5a";

/// The groups path of the test organisation.
pub fn groups_path() -> String {
    format!("/organizations/{ORG}/groups")
}

/// The path of the test group.
pub fn group_path() -> String {
    format!("/organizations/{ORG}/groups/{GROUP_ID}")
}

/// A client for `server` with retries that never sleep.
pub fn client(server: &MockServer) -> Client {
    Client::builder()
        .token(TOKEN)
        .org_id(ORG)
        .base_url(server.base_url())
        .retry_policy(RetryPolicy::immediate())
        .build()
        .expect("test client builds")
}

/// The Group object of the reference, verbatim.
pub fn reference_group() -> Value {
    json!({
        "id": "group_id_abc123",
        "name": "Sales Team",
        "description": "Handles all sales inquiries.",
        "logo": null,
        "members": [1001, 1005],
        "guests": ["client.a@example.com"],
        "created_at": "2023-01-15T09:00:00Z",
        "last_updated": "2023-06-20T10:00:00Z"
    })
}

/// A list body holding `groups` with the given pagination.
pub fn list_body(groups: Vec<Value>, pagination: Value) -> Value {
    json!({ "data": groups, "meta": { "pagination": pagination } })
}

/// A matcher that is true for the first `n` requests it sees, then false: registered
/// before a fallback mock, it makes the server fail `n` times and then recover.
pub fn first_n(n: usize) -> impl Fn(&httpmock::HttpMockRequest) -> bool + Send + Sync + 'static {
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    move |_| seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < n
}

/// A client for `server` with the given retry policy.
pub fn client_with(server: &MockServer, policy: RetryPolicy) -> Client {
    Client::builder()
        .token(TOKEN)
        .org_id(ORG)
        .base_url(server.base_url())
        .retry_policy(policy)
        .build()
        .expect("test client builds")
}

/// Like [`client_with`], with pacing switched off: the retry policy alone handles 429s.
pub fn client_unpaced(server: &MockServer, policy: RetryPolicy) -> Client {
    Client::builder()
        .token(TOKEN)
        .org_id(ORG)
        .base_url(server.base_url())
        .retry_policy(policy)
        .pacing(false)
        .build()
        .expect("test client builds")
}
