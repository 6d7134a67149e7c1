//! The one place every attempt of every call is sent: headers for a caller-supplied
//! `reqwest::Client`, retries with backoff, and the body guard on the final response.
//! Keeps no state between calls and gives errors no meaning (that is `response`'s).

use std::time::Duration;

use reqwest::header::HeaderMap;

use crate::body;
use crate::capture::Capture;
use crate::generated::spec::Operation;
use crate::retry::{self, RetryPolicy};

/// Default limit on a response body: 8 MiB, far above any real Groups page.
pub const DEFAULT_MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// What the request path needs of a client's configuration; the generated client
/// carries it as its `inner`. Built by [`ClientBuilder`](crate::ClientBuilder).
#[derive(Clone, Debug)]
pub struct Settings {
    pub(crate) retry: RetryPolicy,
    pub(crate) max_body_bytes: usize,
    pub(crate) capture: Option<Capture>,
    pub(crate) per_request: Option<PerRequest>,
}

/// Set on every request when the `reqwest::Client` is the caller's, which carries
/// none of the crate's default headers or timeouts.
#[derive(Clone)]
pub(crate) struct PerRequest {
    pub(crate) headers: HeaderMap,
    pub(crate) timeout: Duration,
}

impl std::fmt::Debug for PerRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Header values hold the token: print the names only.
        f.debug_struct("PerRequest")
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            retry: RetryPolicy::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            capture: None,
            per_request: None,
        }
    }
}

/// Sends `request` until it succeeds, fails for good, or the retry policy gives up;
/// the final response comes back through the body guard.
pub(crate) async fn send(
    http: &reqwest::Client,
    settings: &Settings,
    mut request: reqwest::Request,
    operation: &'static Operation,
    span: &tracing::Span,
) -> reqwest::Result<reqwest::Response> {
    if let Some(extra) = &settings.per_request {
        for (name, value) in &extra.headers {
            request.headers_mut().insert(name, value.clone());
        }
        request.timeout_mut().get_or_insert(extra.timeout);
    }
    let policy = &settings.retry;
    let method = request.method().clone();
    let mut backoff = policy.backoff();
    let mut attempt: u32 = 1;
    loop {
        if !span.is_disabled() {
            span.record("attempt", attempt);
        }
        // A request whose body cannot be cloned gets exactly one attempt.
        let spare = request.try_clone();
        let wait = match http.execute(request).await {
            Ok(response) => {
                let status = response.status();
                if !span.is_disabled() {
                    span.record("status", status.as_u16());
                    if let Some(id) = response
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                    {
                        span.record("request_id", id);
                    }
                }
                match (
                    retry::retries_status(&method, status),
                    spare,
                    backoff.next(),
                ) {
                    (true, Some(next), Some(wait)) => {
                        let wait = policy.delay(Some(response.headers()), wait);
                        tracing::debug!(
                            status = status.as_u16(),
                            wait_ms = wait.as_millis() as u64,
                            "retrying"
                        );
                        request = next;
                        wait
                    }
                    _ => {
                        let capture = settings.capture.as_ref();
                        return Ok(body::guard(
                            response,
                            settings.max_body_bytes,
                            capture,
                            operation,
                        )
                        .await);
                    }
                }
            }
            Err(error) => match (
                retry::retries_transport(&method, &error),
                spare,
                backoff.next(),
            ) {
                (true, Some(next), Some(wait)) => {
                    tracing::debug!(
                        wait_ms = wait.as_millis() as u64,
                        "retrying after a connection failure"
                    );
                    request = next;
                    wait
                }
                _ => return Err(error),
            },
        };
        tokio::time::sleep(wait).await;
        attempt += 1;
    }
}
