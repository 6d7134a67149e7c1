//! Turns the outcome of one generated call into the crate's `Result`: accepts the
//! success codes the live API may send beyond the spec's, and maps every failure to
//! [`Error`] from what progenitor's own error variants carry — plus, for a body the
//! guard refused, the [`BodyFailure`] found through `failure`'s side channel.

use std::future::Future;

use bytes::Bytes;
use progenitor_client::ResponseValue;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};

use super::failure::BodyFailure;
use crate::error::{ApiError, Error, snippet};
use crate::generated::spec::Operation;
use crate::generated::types::{ErrorBody, GroupList, GroupResponse};

type RawResult<T> = Result<ResponseValue<T>, progenitor_client::Error<ErrorBody>>;

/// A success body, and how to read it when it comes with a status the spec does not
/// list (delete as 200 with a body).
pub(crate) trait SuccessBody: Sized {
    fn from_undeclared(body: &[u8]) -> Result<Self, serde_json::Error>;
}

impl SuccessBody for () {
    fn from_undeclared(_body: &[u8]) -> Result<Self, serde_json::Error> {
        Ok(())
    }
}

macro_rules! json_success_body {
    ($($ty:ty),*) => {$(
        impl SuccessBody for $ty {
            fn from_undeclared(body: &[u8]) -> Result<Self, serde_json::Error> {
                serde_json::from_slice(body)
            }
        }
    )*};
}
json_success_body!(GroupResponse, GroupList);

/// Runs one generated call of `operation` and maps its outcome.
///
/// The generated future (3.7 KB for a get) is boxed before anything else holds it:
/// every async layer around it would otherwise keep its own copy and move it with
/// multi-KiB copies per request (see BENCHMARKS.md). One allocation is cheaper. The
/// error mapping (which holds a response and reads its body) is boxed only when an
/// error happens, so the future every caller holds and moves stays a few words.
pub(crate) fn finish<T, F>(
    operation: &'static Operation,
    call: F,
) -> impl Future<Output = Result<T, Error>>
where
    T: SuccessBody,
    F: Future<Output = RawResult<T>>,
{
    let call = Box::pin(call);
    async move {
        match call.await {
            Ok(value) => Ok(value.into_inner()),
            Err(error) => Box::pin(map_error(error, operation)).await,
        }
    }
}

async fn map_error<T: SuccessBody>(
    error: progenitor_client::Error<ErrorBody>,
    operation: &'static Operation,
) -> Result<T, Error> {
    use progenitor_client::Error as Raw;
    let method = Method::from_bytes(operation.method.as_bytes()).unwrap_or_default();
    Err(match error {
        Raw::ErrorResponse(value) => {
            let (status, headers) = (value.status(), value.headers().clone());
            ApiError::new(method, status, &headers, Some(value.into_inner())).into()
        }
        Raw::UnexpectedResponse(response) => {
            let status = response.status();
            let headers = response.headers().clone();
            let body = match response.bytes().await {
                Ok(body) => body,
                Err(e) => return Err(from_reqwest(method, e)),
            };
            if status.is_success() {
                return T::from_undeclared(&body)
                    .map_err(|e| decode_error(Some(status), &e, &body));
            }
            api_error_from_bytes(method, status, &headers, &body).into()
        }
        Raw::InvalidResponsePayload(body, e) => {
            decode_error(declared_success(operation), &e, &body)
        }
        Raw::ResponseBodyError(e) => match BodyFailure::find(&e) {
            Some(_) => from_reqwest(method, e),
            // An unguarded body is a success with a declared length that broke off.
            None => Error::transport(method, declared_success(operation), e),
        },
        Raw::CommunicationError(e) | Raw::InvalidUpgrade(e) => from_reqwest(method, e),
        Raw::InvalidRequest(reason) => Error::invalid("request", reason),
        Raw::Custom(reason) => Error::Config(reason),
    })
}

/// The status of a success the generated code read itself. The guard hands it only
/// successes of a declared status (it reads every error body), so the status is the
/// operation's declared success, known when there is just one.
fn declared_success(operation: &Operation) -> Option<StatusCode> {
    match operation.success {
        [only] => StatusCode::from_u16(*only).ok(),
        _ => None,
    }
}

/// A reqwest error, or the body guard's failure behind one.
fn from_reqwest(method: Method, error: reqwest::Error) -> Error {
    match BodyFailure::find(&error) {
        Some(BodyFailure::TooLarge { status, limit }) => Error::BodyTooLarge {
            status: *status,
            limit: *limit,
        },
        Some(BodyFailure::NotAnErrorDocument {
            status,
            headers,
            body,
        }) => api_error_from_bytes(method, *status, headers, body).into(),
        Some(BodyFailure::Read { status, .. }) => Error::transport(method, Some(*status), error),
        Some(BodyFailure::Overdue {
            waited,
            deadline,
            last,
            resume_at,
        }) => Error::RateLimited {
            page: None,
            waited: *waited,
            deadline: *deadline,
            resume_at: *resume_at,
            last: last.as_ref().map(|(headers, body)| {
                let status = StatusCode::TOO_MANY_REQUESTS;
                Box::new(api_error_from_bytes(method, status, headers, body))
            }),
        },
        Some(BodyFailure::Coordinator(error)) => Error::Coordinator(error.clone()),
        None => Error::transport(method, error.status(), error),
    }
}

/// An error status whose body may or may not be one of the JSON error shapes (if
/// not, the error keeps a snippet of it).
pub(crate) fn api_error_from_bytes(
    method: Method,
    status: StatusCode,
    headers: &HeaderMap,
    body: &Bytes,
) -> ApiError {
    let parsed = serde_json::from_slice::<ErrorBody>(body).ok();
    let snippet = parsed.is_none().then(|| snippet(body));
    ApiError {
        snippet,
        ..ApiError::new(method, status, headers, parsed)
    }
}

pub(crate) fn decode_error(
    status: Option<StatusCode>,
    error: &serde_json::Error,
    body: &[u8],
) -> Error {
    Error::Decode {
        status,
        detail: error.to_string(),
        snippet: snippet(body),
    }
}
