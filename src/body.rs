//! The body guard every response passes before the generated code reads it: the size
//! limit, error statuses whose body is not a JSON error document, and the copy for a
//! [`Capture`]. A failure never leaves here as ambient state: the guarded body yields
//! it as a [`BodyFailure`], which reaches `response` as the `source()` of the reqwest
//! error the generated code returns.

use std::fmt;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::header::HeaderMap;
use reqwest::{ResponseBuilderExt, StatusCode};

use crate::capture::Capture;
use crate::generated::spec::Operation;
use crate::generated::types::ErrorBody;

/// Why a guarded body could not be read as it came. Carries what the error mapping
/// needs (status, headers, bytes), so nothing has to be remembered elsewhere.
#[derive(Debug)]
pub(crate) enum BodyFailure {
    /// The body is larger than the client's limit; it was not read (or not further).
    TooLarge { status: StatusCode, limit: usize },
    /// An error status whose body is not one of the API's JSON error shapes (a
    /// gateway's HTML page, an empty body): kept whole for the error.
    NotAnErrorDocument {
        status: StatusCode,
        headers: Box<HeaderMap>,
        body: Bytes,
    },
    /// The connection failed while the body was read.
    Read {
        status: StatusCode,
        source: reqwest::Error,
    },
    /// Rate limiting would have held the call past its throttle deadline; `last` is
    /// the last 429 the call itself received, if any.
    Overdue {
        waited: Duration,
        deadline: Duration,
        last: Option<(Box<HeaderMap>, Bytes)>,
    },
}

impl fmt::Display for BodyFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyFailure::TooLarge { status, limit } => {
                write!(f, "the {status} response body exceeds {limit} bytes")
            }
            BodyFailure::NotAnErrorDocument { status, .. } => {
                write!(f, "the {status} response body is not a JSON error document")
            }
            BodyFailure::Read { status, .. } => {
                write!(f, "the {status} response body could not be read")
            }
            BodyFailure::Overdue { .. } => {
                f.write_str("rate limiting would hold the call past its deadline")
            }
        }
    }
}

impl std::error::Error for BodyFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BodyFailure::Read { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl BodyFailure {
    /// The failure behind a reqwest error, if a guarded body caused it.
    pub(crate) fn find(error: &reqwest::Error) -> Option<&BodyFailure> {
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            if let Some(failure) = cause.downcast_ref::<BodyFailure>() {
                return Some(failure);
            }
            source = cause.source();
        }
        None
    }
}

/// Hands back `response` guarded. A success whose declared `Content-Length` is within
/// `limit` passes untouched when nothing captures (the HTTP layer never reads past a
/// declared length): the common case costs nothing. Everything else is read here,
/// within the limit, and rebuilt around the bytes or around the failure.
pub(crate) async fn guard(
    mut response: reqwest::Response,
    limit: usize,
    capture: Option<&Capture>,
    operation: &'static Operation,
) -> reqwest::Response {
    let status = response.status();
    let declared = response.content_length();
    if status.is_success() && capture.is_none() && declared.is_some_and(|n| n <= limit as u64) {
        return response;
    }
    let version = response.version();
    let url = response.url().clone();
    let headers = std::mem::take(response.headers_mut());
    let outcome = if declared.is_some_and(|n| n > limit as u64) {
        Err(BodyFailure::TooLarge { status, limit })
    } else {
        read_within(&mut response, limit)
            .await
            .map_err(|e| match e {
                Overrun::Limit => BodyFailure::TooLarge { status, limit },
                Overrun::Read(source) => BodyFailure::Read { status, source },
            })
    };
    let outcome = outcome.and_then(|body| {
        if let Some(capture) = capture {
            capture.keep(operation.name, status, &headers, &body);
        }
        if status.is_success() || serde_json::from_slice::<ErrorBody>(&body).is_ok() {
            Ok(body)
        } else {
            Err(BodyFailure::NotAnErrorDocument {
                status,
                headers: Box::new(headers.clone()),
                body,
            })
        }
    });
    let body = match outcome {
        Ok(bytes) => reqwest::Body::from(bytes),
        Err(failure) => failing(failure),
    };
    rebuild(status, version, headers, body, url)
}

/// The answer to a call that rate limiting would hold past its deadline: a 429 with
/// the head of the last 429 it received (if any) and a body that fails as
/// [`BodyFailure::Overdue`], which the error mapping turns into `Error::RateLimited`.
pub(crate) fn overdue(
    url: reqwest::Url,
    waited: Duration,
    deadline: Duration,
    last: Option<(HeaderMap, Bytes)>,
) -> reqwest::Response {
    let headers = last.as_ref().map(|(h, _)| h.clone()).unwrap_or_default();
    let failure = BodyFailure::Overdue {
        waited,
        deadline,
        last: last.map(|(h, b)| (Box::new(h), b)),
    };
    let status = StatusCode::TOO_MANY_REQUESTS;
    let body = failing(failure);
    rebuild(status, reqwest::Version::HTTP_11, headers, body, url)
}

/// A body whose first read fails with `failure`.
fn failing(failure: BodyFailure) -> reqwest::Body {
    reqwest::Body::wrap_stream(futures::stream::once(async move {
        Err::<Bytes, BodyFailure>(failure)
    }))
}

enum Overrun {
    Limit,
    Read(reqwest::Error),
}

/// Reads the whole body, failing as soon as it passes `limit` bytes.
async fn read_within(response: &mut reqwest::Response, limit: usize) -> Result<Bytes, Overrun> {
    let mut first: Option<Bytes> = None;
    let mut joined: Option<BytesMut> = None;
    let mut total = 0usize;
    while let Some(chunk) = response.chunk().await.map_err(Overrun::Read)? {
        total += chunk.len();
        if total > limit {
            return Err(Overrun::Limit);
        }
        match (&first, &mut joined) {
            (None, _) => first = Some(chunk),
            (Some(head), None) => {
                let mut all = BytesMut::with_capacity(total.max(2 * head.len()));
                all.extend_from_slice(head);
                all.extend_from_slice(&chunk);
                joined = Some(all);
            }
            (Some(_), Some(all)) => all.extend_from_slice(&chunk),
        }
    }
    Ok(match (first, joined) {
        (_, Some(all)) => all.freeze(),
        (Some(head), None) => head,
        (None, None) => Bytes::new(),
    })
}

/// A `reqwest::Response` around `body`. It keeps the request's URL, which also spares
/// reqwest parsing a placeholder URL for every response (see BENCHMARKS.md).
fn rebuild(
    status: StatusCode,
    version: reqwest::Version,
    headers: HeaderMap,
    body: reqwest::Body,
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
