//! Shared helpers for the integration tests: a client pointed at an httpmock server,
//! and the reference's example bodies.
#![allow(dead_code)]

use httpmock::MockServer;
use serde_json::{Value, json};
use std::time::Duration;

use tallyfy_groups::{Client, RateLimiter, RetryPolicy};

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

/// The default retry policy with every delay zero (and so no wait on a server's
/// word either: the cap on waiting is zero), for tests that must not sleep.
pub fn immediate() -> RetryPolicy {
    RetryPolicy::default()
        .with_backoff(Duration::ZERO, Duration::ZERO)
        .with_max_retry_after(Duration::ZERO)
        .with_jitter(false)
}

/// A client for `server` with retries that never sleep.
pub fn client(server: &MockServer) -> Client {
    builder(server.base_url())
        .retry_policy(immediate())
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
    builder(server.base_url())
        .retry_policy(policy)
        .build()
        .expect("test client builds")
}

/// Like [`client_with`], with pacing switched off: the retry policy alone handles 429s.
pub fn client_unpaced(server: &MockServer, policy: RetryPolicy) -> Client {
    builder(server.base_url())
        .retry_policy(policy)
        .rate_limiter(RateLimiter::unpaced())
        .build()
        .expect("test client builds")
}

/// A builder for a client of `base_url` with the test token and organisation: every
/// test client that needs more settings starts here.
pub fn builder(base_url: impl Into<String>) -> tallyfy_groups::ClientBuilder {
    Client::builder()
        .token(TOKEN)
        .org_id(ORG)
        .base_url(base_url)
}

/// A builder for a client of `sandbox`, with a token it accepts.
pub fn sandbox_builder(sandbox: &tallyfy_groups_sandbox::Sandbox) -> tallyfy_groups::ClientBuilder {
    Client::builder()
        .token("sandbox-token")
        .org_id(sandbox.org_id())
        .base_url(sandbox.base_url())
}

/// Registers the mock most tests need: GET of the test group answers 200 with the
/// reference group.
pub async fn mock_reference_get(server: &MockServer) -> httpmock::Mock<'_> {
    server
        .mock_async(|when, then| {
            when.method(httpmock::Method::GET).path(group_path());
            then.status(200)
                .json_body(json!({ "data": reference_group() }));
        })
        .await
}

/// A raw TCP server on 127.0.0.1 that accepts one connection and hands it to
/// `serve` (for answers no HTTP mock can give: cut-short bodies, hand-made chunks,
/// a TLS handshake). Returns its address and the task serving the connection.
pub async fn serve_one_connection<F, Fut, T>(
    serve: F,
) -> (std::net::SocketAddr, tokio::task::JoinHandle<T>)
where
    F: FnOnce(tokio::net::TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        serve(socket).await
    });
    (address, task)
}

/// The PUTs a mock server has seen, to make a mocked group stateful: register GET
/// mocks with [`Puts::after`]`(0)`, `(1)`, … for the group as each write left it, and
/// one PUT mock with [`Puts::recording`], so a read that confirms a write sees it.
/// (One PUT mock: a matcher may also be asked about requests another mock answers.)
#[derive(Clone, Default)]
pub struct Puts(std::sync::Arc<std::sync::Mutex<Vec<Value>>>);

impl Puts {
    /// A matcher true for a PUT, whose JSON body it records.
    pub fn recording(&self) -> impl Fn(&httpmock::HttpMockRequest) -> bool + Send + Sync + 'static {
        let puts = self.0.clone();
        move |req| {
            let is_put = req.method() == http::Method::PUT;
            if is_put {
                let body = serde_json::from_slice(req.body().as_ref()).unwrap_or(Value::Null);
                puts.lock().unwrap().push(body);
            }
            is_put
        }
    }

    /// A matcher true while exactly `n` PUTs have come.
    pub fn after(
        &self,
        n: usize,
    ) -> impl Fn(&httpmock::HttpMockRequest) -> bool + Send + Sync + 'static {
        let puts = self.0.clone();
        move |_| puts.lock().unwrap().len() == n
    }

    /// The bodies of the PUTs so far, in order.
    pub fn bodies(&self) -> Vec<Value> {
        self.0.lock().unwrap().clone()
    }
}
