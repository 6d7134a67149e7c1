//! Cross-cutting behaviour of every request, as `impl ClientHooks` for the generated
//! client: pacing (through the client's [`RateLimiter`]), retries, the body-size
//! limit, and one tracing span per request. Never logs header values or query
//! strings, which may hold secrets.

use std::cell::RefCell;
use std::future::Future;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::ResponseBuilderExt;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use tracing::Instrument;

use crate::generated::Client as RawClient;
use crate::generated::operations::OPERATIONS;
use crate::pacing::RateLimiter;
use crate::retry::RetryPolicy;

/// Default limit on a response body: 8 MiB, far above any real Groups page.
pub const DEFAULT_MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Default longest time one call may be held by rate limiting (pauses after 429s,
/// pacing, waits for a quota reset) before it fails with
/// [`Error::RateLimited`](crate::Error::RateLimited): 15 minutes.
pub const DEFAULT_THROTTLE_DEADLINE: Duration = Duration::from_secs(15 * 60);

/// Per-client settings the hooks need; the generated client carries them as its `inner`.
#[derive(Clone, Debug)]
pub struct Settings {
    pub(crate) retry: RetryPolicy,
    pub(crate) max_body_bytes: usize,
    pub(crate) limiter: RateLimiter,
    pub(crate) throttle_deadline: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            retry: RetryPolicy::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            limiter: RateLimiter::new(),
            throttle_deadline: DEFAULT_THROTTLE_DEADLINE,
        }
    }
}

/// What the hooks saw of the last response of one call, for building precise errors
/// after the generated code has consumed the response. Kept small (the task-local
/// holding it is swapped in and out on every poll): the headers, needed only for an
/// error whose body is not JSON, are boxed and absent on success.
#[derive(Debug, Default)]
pub(crate) struct Exchange {
    pub status: Option<StatusCode>,
    pub headers: Option<Box<HeaderMap>>,
    pub body_too_large: bool,
    pub limit: usize,
    /// Rate limiting would have held the call past its deadline (boxed: rare).
    pub overdue: Option<Box<Held>>,
}

/// A call that rate limiting would hold past its deadline.
#[derive(Debug)]
pub(crate) struct Held {
    /// How long the call had run.
    pub waited: Duration,
    /// The throttle deadline.
    pub deadline: Duration,
    /// Whether the call itself received a 429 (its head is the exchange's).
    pub received: bool,
}

tokio::task_local! {
    static EXCHANGE: RefCell<Exchange>;
}

/// Runs one generated call and returns what the hooks saw of its final response.
pub(crate) async fn observed<F: Future>(call: F) -> (F::Output, Exchange) {
    EXCHANGE
        .scope(RefCell::new(Exchange::default()), async {
            let output = call.await;
            let exchange = EXCHANGE.with(|e| e.take());
            (output, exchange)
        })
        .await
}

fn record(status: StatusCode, headers: &HeaderMap, body_too_large: bool, limit: usize) {
    // Outside `observed` (the raw client used directly) there is nothing to record into.
    let _ = EXCHANGE.try_with(|e| {
        *e.borrow_mut() = Exchange {
            status: Some(status),
            // Only an error whose body is not JSON needs the headers (request id,
            // Retry-After); a success skips the copy.
            headers: (!status.is_success()).then(|| Box::new(headers.clone())),
            body_too_large,
            limit,
            overdue: None,
        }
    });
}

/// The path template of a generated operation, for the request span.
fn path_template(operation: &str) -> &'static str {
    OPERATIONS
        .iter()
        .find(|(name, _)| *name == operation)
        .map_or("?", |(_, path)| *path)
}

impl ClientHooks<Settings> for RawClient {
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let path = path_template(info.operation_id);
        let span = tracing::debug_span!(
            "tallyfy_groups.request",
            operation = info.operation_id,
            method = %request.method(),
            path,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        let result = if span.is_disabled() {
            // Nobody listens to the span: skip its clock and instrumentation.
            send_with_retries(self, request, info.operation_id, &span).await
        } else {
            let started = Instant::now();
            let result = send_with_retries(self, request, info.operation_id, &span)
                .instrument(span.clone())
                .await;
            span.record("duration_ms", started.elapsed().as_millis() as u64);
            result
        };
        match &result {
            Ok(_) => tracing::debug!(parent: &span, "request finished"),
            Err(error) => {
                tracing::debug!(parent: &span, kind = failure_kind(error), "request failed")
            }
        }
        result
    }
}

fn failure_kind(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connect"
    } else {
        "transport"
    }
}

async fn send_with_retries(
    raw: &RawClient,
    request: reqwest::Request,
    operation: &'static str,
    span: &tracing::Span,
) -> reqwest::Result<reqwest::Response> {
    let settings = raw.inner();
    let policy = &settings.retry;
    let limiter = &settings.limiter;
    let started = tokio::time::Instant::now();
    let deadline = started.checked_add(settings.throttle_deadline);
    let method = request.method().clone();
    let mut backoff = policy.backoff();
    let mut attempt: u32 = 1;
    let mut pending = request;
    // The last 429 this call received, for the error if it is held too long.
    let mut last_throttle: Option<(HeaderMap, Bytes)> = None;
    loop {
        let permit = match limiter.ready(deadline).await {
            Ok(permit) => permit,
            Err(overdue) => {
                tracing::debug!(
                    held_ms = overdue.waited.as_millis() as u64,
                    short_by_ms = overdue.short_by.as_millis() as u64,
                    "rate limiting would hold the request past its throttle deadline"
                );
                let held = Held {
                    waited: started.elapsed(),
                    deadline: settings.throttle_deadline,
                    received: last_throttle.is_some(),
                };
                return Ok(overdue_response(
                    held,
                    last_throttle,
                    pending.url().clone(),
                    settings.max_body_bytes,
                ));
            }
        };
        if !span.is_disabled() {
            span.record("attempt", attempt);
        }
        // A request whose body cannot be cloned gets exactly one attempt.
        let spare = pending.try_clone();
        match raw.client().execute(pending).await {
            Ok(response) => {
                let status = response.status();
                let seen = limiter.observe(permit, status, response.headers());
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
                // Paced: a 429 costs no retry (unless retries are off altogether); the
                // next `ready` waits out the pause, bounded by the throttle deadline.
                if seen.throttled
                    && limiter.is_paced()
                    && policy.max_retries() > 0
                    && let Some(next) = spare
                {
                    tracing::debug!(
                        wait_ms = seen.pause.as_millis() as u64,
                        "retrying a throttled request once the pause ends"
                    );
                    last_throttle = Some(keep_small(response).await);
                    pending = next;
                    attempt += 1;
                    continue;
                }
                if policy.retries_status(&method, status)
                    && let (Some(next), Some(wait)) = (spare, backoff.next())
                {
                    let wait = policy.delay(Some(response.headers()), wait);
                    tracing::debug!(
                        status = status.as_u16(),
                        wait_ms = wait.as_millis() as u64,
                        "retrying"
                    );
                    drop(response);
                    tokio::time::sleep(wait).await;
                    pending = next;
                    attempt += 1;
                    continue;
                }
                return buffer(response, settings.max_body_bytes, operation).await;
            }
            Err(error) => {
                drop(permit);
                if policy.retries_transport(&method, &error)
                    && let (Some(next), Some(wait)) = (spare, backoff.next())
                {
                    tracing::debug!(
                        wait_ms = wait.as_millis() as u64,
                        "retrying after a connection failure"
                    );
                    tokio::time::sleep(wait).await;
                    pending = next;
                    attempt += 1;
                    continue;
                }
                return Err(error);
            }
        }
    }
}

/// The answer to a call that rate limiting would hold past its deadline: the last 429
/// it received (head only), else a bare 429, marked in the exchange so the caller
/// reports [`crate::Error::RateLimited`].
fn overdue_response(
    held: Held,
    last_throttle: Option<(HeaderMap, Bytes)>,
    url: reqwest::Url,
    limit: usize,
) -> reqwest::Response {
    let status = StatusCode::TOO_MANY_REQUESTS;
    let (headers, body) = last_throttle.unwrap_or_default();
    record(status, &headers, false, limit);
    let _ = EXCHANGE.try_with(|e| e.borrow_mut().overdue = Some(Box::new(held)));
    rebuild(status, reqwest::Version::HTTP_11, headers, body, url)
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

/// Reads the whole body under the size limit and hands back an equivalent response.
/// Over the limit, the body is dropped and the exchange is marked, so the caller
/// reports [`crate::Error::BodyTooLarge`] instead of running out of memory.
///
/// A success whose `Content-Length` is within the limit passes through untouched
/// (the HTTP layer never reads past a declared length), unless a capture wants the
/// bytes: buffering and rebuilding it would only cost time.
async fn buffer(
    mut response: reqwest::Response,
    limit: usize,
    operation: &'static str,
) -> reqwest::Result<reqwest::Response> {
    let status = response.status();
    if status.is_success()
        && !crate::capture::active()
        && response
            .content_length()
            .is_some_and(|len| len <= limit as u64)
    {
        record(status, response.headers(), false, limit);
        return Ok(response);
    }
    let version = response.version();
    let url = response.url().clone();
    let headers = std::mem::take(response.headers_mut());
    let too_large = |headers: &HeaderMap| {
        record(status, headers, true, limit);
        rebuild(status, version, headers.clone(), Bytes::new(), url.clone())
    };
    if response
        .content_length()
        .is_some_and(|len| len > limit as u64)
    {
        return Ok(too_large(&headers));
    }
    let mut first: Option<Bytes> = None;
    let mut rest: Option<BytesMut> = None;
    let mut total = 0usize;
    // Record the head before reading, so a failure mid-body still knows its status.
    record(status, &headers, false, limit);
    while let Some(chunk) = response.chunk().await? {
        total += chunk.len();
        if total > limit {
            return Ok(too_large(&headers));
        }
        match (&mut first, &mut rest) {
            (None, _) => first = Some(chunk),
            (Some(head), None) => {
                let mut joined = BytesMut::with_capacity(total.max(2 * head.len()));
                joined.extend_from_slice(head);
                joined.extend_from_slice(&chunk);
                rest = Some(joined);
            }
            (Some(_), Some(joined)) => joined.extend_from_slice(&chunk),
        }
    }
    let body = match (first, rest) {
        (_, Some(joined)) => joined.freeze(),
        (Some(head), None) => head,
        (None, None) => Bytes::new(),
    };
    crate::capture::keep(operation, status, &headers, &body);
    Ok(rebuild(status, version, headers, body, url))
}

/// A `reqwest::Response` with the buffered body. It keeps the request's URL, which
/// also spares reqwest parsing a placeholder URL for every response (~3,500
/// instructions, 3% of a get; see BENCHMARKS.md).
fn rebuild(
    status: StatusCode,
    version: reqwest::Version,
    headers: HeaderMap,
    body: Bytes,
    url: reqwest::Url,
) -> reqwest::Response {
    let mut response = http::Response::builder()
        .url(url)
        .body(body)
        .expect("a response builder given only a URL cannot fail");
    *response.status_mut() = status;
    *response.version_mut() = version;
    *response.headers_mut() = headers;
    reqwest::Response::from(response)
}
