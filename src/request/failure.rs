//! Progenitor's side channel, in one place. The generated code can only return
//! what reqwest can express, so a failure it has no word for — a body over the size
//! limit, an error status whose body is not a JSON error document, a body that broke
//! off, a call that rate limiting would hold past its throttle deadline — travels
//! through it as the failing body of a rebuilt response: the generated code reads
//! the body, gets a reqwest error whose `source()` is a [`BodyFailure`], and returns
//! it; `response` finds it again with [`BodyFailure::find`]. Nothing else crosses
//! progenitor this way, and nothing is kept as ambient state.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::{ResponseBuilderExt, StatusCode};

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
        resume_at: Option<std::time::SystemTime>,
    },
    /// The coordinator could not give leave for the request (its server is down and
    /// it fails closed); nothing was sent.
    Coordinator(crate::coordinator::CoordinatorError),
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
            BodyFailure::Coordinator(error) => fmt::Display::fmt(error, f),
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

/// The answer to a call that rate limiting would hold past its deadline: a 429 with
/// the head of the last 429 it received (if any) and a body that fails as
/// [`BodyFailure::Overdue`], which the error mapping turns into `Error::RateLimited`.
pub(crate) fn overdue(
    url: reqwest::Url,
    waited: Duration,
    deadline: Duration,
    last: Option<(HeaderMap, Bytes)>,
    resume_at: Option<std::time::SystemTime>,
) -> reqwest::Response {
    let headers = last.as_ref().map(|(h, _)| h.clone()).unwrap_or_default();
    let failure = BodyFailure::Overdue {
        waited,
        deadline,
        last: last.map(|(h, b)| (Box::new(h), b)),
        resume_at,
    };
    let status = StatusCode::TOO_MANY_REQUESTS;
    let body = failing(failure);
    rebuild(status, reqwest::Version::HTTP_11, headers, body, url)
}

/// The answer to a call the coordinator refused: a 429 head (the same path as
/// [`overdue`]) whose body fails as [`BodyFailure::Coordinator`].
pub(crate) fn coordinator(
    url: reqwest::Url,
    error: crate::coordinator::CoordinatorError,
) -> reqwest::Response {
    let body = failing(BodyFailure::Coordinator(error));
    let status = StatusCode::TOO_MANY_REQUESTS;
    rebuild(
        status,
        reqwest::Version::HTTP_11,
        HeaderMap::new(),
        body,
        url,
    )
}

/// A body whose first read fails with `failure`.
pub(super) fn failing(failure: BodyFailure) -> reqwest::Body {
    reqwest::Body::wrap_stream(futures::stream::once(async move {
        Err::<Bytes, BodyFailure>(failure)
    }))
}

/// A `reqwest::Response` around `body`. It keeps the request's URL, which also spares
/// reqwest parsing a placeholder URL for every response (see BENCHMARKS.md).
pub(super) fn rebuild(
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
