//! The request path, the one way every call of the generated client goes: `hooks`
//! (progenitor's `exec`: one tracing span around each call) hands each call to
//! [`send`], the attempt loop here (pacing, retries, per-request headers), whose
//! final response passes the `body` guard; `response` turns the generated call's
//! outcome into the crate's `Result`; `path` encodes the generated calls' path
//! parameters. Failures the generated code cannot express cross it only through
//! `failure`. Keeps no state between calls.

mod body;
mod failure;
mod hooks;
mod path;
mod response;

use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use reqwest::header::HeaderMap;
use tokio::time::Instant;

use crate::capture::Capture;
use crate::coordinator::{Coordinator, Refused};
use crate::generated::spec::Operation;
use crate::pacing::RateLimiter;
use crate::retry::{self, RetryPolicy};
use crate::retry_after;

pub(crate) use path::encode_path;
pub(crate) use response::finish;
#[cfg(test)]
pub(crate) use response::{api_error_from_bytes, decode_error};

/// What the request path needs of a client's configuration; the generated client
/// carries it as its `inner`. Built by [`ClientBuilder`](crate::ClientBuilder) only.
#[derive(Clone, Debug)]
pub struct Settings {
    pub(crate) retry: RetryPolicy,
    pub(crate) max_body_bytes: usize,
    pub(crate) capture: Option<Capture>,
    pub(crate) per_request: Option<PerRequest>,
    pub(crate) limiter: RateLimiter,
    pub(crate) throttle_deadline: Duration,
    /// Gives leave for each attempt under the organisation's shared quota, and hears
    /// of 429 pauses and learned windows (in process: at once, and nothing to hear).
    pub(crate) coordinator: Coordinator,
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

/// Sends `request` until it succeeds, fails for good, or the retry policy gives up;
/// every attempt waits its turn with the client's [`RateLimiter`] first, and the final
/// response comes back through the body guard. While paced, a 429 costs no retry: the
/// next turn waits out the pause, bounded by the throttle deadline, past which the
/// call is answered through `failure`'s side channel (`Error::RateLimited`). A shared
/// coordinator gives leave before each attempt (the organisation's quota and gate,
/// read from the URL's `/organizations/{org}/`) and hears of every 429's pause and
/// of every fixed window the limiter learned from one.
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
    let (policy, limiter) = (&settings.retry, &settings.limiter);
    let started = tokio::time::Instant::now();
    let deadline = started.checked_add(settings.throttle_deadline);
    let method = request.method().clone();
    let mut backoff = policy.backoff();
    let mut attempt: u32 = 1;
    // The last 429 this call received, for the error if it is held too long.
    let mut last_throttle: Option<(HeaderMap, Bytes)> = None;
    let shared_org = (settings.coordinator.is_shared())
        .then(|| org_of(request.url()))
        .flatten();
    loop {
        if let Some(org) = &shared_org {
            match settings.coordinator.leave(org, deadline).await {
                Ok(()) => {}
                Err(Refused::Failed(error)) => {
                    return Ok(failure::coordinator(request.url().clone(), error));
                }
                Err(Refused::Overdue { resume_at }) => {
                    let resume_in = resume_at.saturating_duration_since(Instant::now());
                    return Ok(failure::overdue(
                        request.url().clone(),
                        started.elapsed(),
                        settings.throttle_deadline,
                        last_throttle,
                        SystemTime::now().checked_add(resume_in),
                    ));
                }
            }
        }
        let permit = match limiter.ready(deadline).await {
            Ok(permit) => permit,
            Err(overdue) => {
                tracing::debug!(
                    held_ms = overdue.waited.as_millis() as u64,
                    short_by_ms = overdue.short_by.as_millis() as u64,
                    "rate limiting would hold the request past its throttle deadline"
                );
                let held = started.elapsed();
                let resume_in = overdue.resume_at.saturating_duration_since(Instant::now());
                return Ok(failure::overdue(
                    request.url().clone(),
                    held,
                    settings.throttle_deadline,
                    last_throttle,
                    SystemTime::now().checked_add(resume_in),
                ));
            }
        };
        if !span.is_disabled() {
            span.record("attempt", attempt);
        }
        // A request whose body cannot be cloned gets exactly one attempt.
        let spare = request.try_clone();
        let wait = match http.execute(request).await {
            Ok(response) => {
                let status = response.status();
                let cap = policy.max_retry_after();
                let seen = limiter.observe(permit, status, response.headers(), cap);
                if let (Some(org), true) = (&shared_org, seen.throttled) {
                    settings.coordinator.pause(org, seen.pause).await;
                    if let Some((n, length)) = seen.learned {
                        settings.coordinator.learned(org, n, length).await;
                    }
                }
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
                let paced_retry = seen.throttled && limiter.is_paced() && policy.max_retries() > 0;
                match (paced_retry, spare) {
                    (true, Some(next)) => {
                        tracing::debug!(
                            wait_ms = seen.pause.as_millis() as u64,
                            "retrying a throttled request once the pause ends"
                        );
                        last_throttle = Some(keep_small(response).await);
                        request = next;
                        attempt += 1;
                        continue;
                    }
                    (_, spare) => match (
                        retry::retries_status(&method, status),
                        spare,
                        backoff.next(),
                    ) {
                        (true, Some(next), Some(wait)) => {
                            let asked = retry_after::read(response.headers(), SystemTime::now);
                            let wait = policy.delay(asked.duration(), wait);
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
                            let limit = settings.max_body_bytes;
                            return Ok(body::guard(response, limit, capture, operation).await);
                        }
                    },
                }
            }
            Err(error) => {
                drop(permit);
                match (
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
                }
            }
        };
        tokio::time::sleep(wait).await;
        attempt += 1;
    }
}

/// The organisation id of a request to `…/organizations/{org}/…`.
fn org_of(url: &reqwest::Url) -> Option<String> {
    let mut segments = url.path_segments()?;
    segments.find(|s| *s == "organizations")?;
    segments.next().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// The head and (up to 64 KiB of) the body of a 429, read to the end so the
/// connection can be reused.
async fn keep_small(mut response: reqwest::Response) -> (HeaderMap, Bytes) {
    const KEEP: usize = 64 * 1024;
    let headers = std::mem::take(response.headers_mut());
    let mut body = BytesMut::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        if body.len() + chunk.len() > KEEP {
            return (headers, Bytes::new());
        }
        body.extend_from_slice(&chunk);
    }
    (headers, body.freeze())
}
