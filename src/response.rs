//! Turns the outcome of one generated call into the crate's `Result`: accepts the
//! success codes the live API may send beyond the spec's one, and maps every failure
//! to [`Error`] with the status, headers and body snippet the hooks observed.

use std::future::Future;

use bytes::Bytes;
use progenitor_client::ResponseValue;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::error::{ApiError, Error, snippet};
use crate::generated::types::{ErrorBody, GroupList, GroupResponse};
use crate::hooks::{self, Exchange};

type RawResult<T> = Result<ResponseValue<T>, progenitor_client::Error<ErrorBody>>;

/// A success body, and how to read it when it comes with a status the spec does not
/// list (update as 200 or 201, delete as 204 or 200 with a body).
pub(crate) trait SuccessBody: Sized {
    fn from_undeclared(body: &[u8]) -> Result<Self, serde_json::Error>;
}

impl SuccessBody for () {
    fn from_undeclared(_body: &[u8]) -> Result<Self, serde_json::Error> {
        Ok(())
    }
}

impl SuccessBody for GroupResponse {
    fn from_undeclared(body: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(body)
    }
}

impl SuccessBody for GroupList {
    fn from_undeclared(body: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(body)
    }
}

/// Runs one generated call under observation and maps its outcome.
///
/// The generated future (3.8 KB for a get) is boxed before anything else holds it:
/// every async layer around it — this one, `observed`, the task-local scope — would
/// otherwise keep its own copy, making a get's future 15.5 KB instead of 2 KB and
/// moving it with a dozen multi-KiB copies per request (see BENCHMARKS.md). One
/// allocation is cheaper.
pub(crate) fn send<T, F>(call: F) -> impl Future<Output = Result<T, Error>>
where
    T: SuccessBody,
    F: Future<Output = RawResult<T>>,
{
    let call = Box::pin(call);
    async move {
        let (result, exchange) = hooks::observed(call).await;
        match result {
            Ok(value) => Ok(value.into_inner()),
            Err(error) => map_error(error, exchange).await,
        }
    }
}

async fn map_error<T: SuccessBody>(
    error: progenitor_client::Error<ErrorBody>,
    mut exchange: Exchange,
) -> Result<T, Error> {
    let held = exchange.overdue.take();
    let result = map_response_error(error, exchange).await;
    match held {
        // Held past the throttle deadline: the answer was the last 429 received, if any.
        Some(held) => Err(Error::RateLimited {
            page: None,
            waited: held.waited,
            deadline: held.deadline,
            last: result
                .err()
                .and_then(|e| e.api().cloned())
                .filter(|_| held.received)
                .map(Box::new),
        }),
        None => result,
    }
}

async fn map_response_error<T: SuccessBody>(
    error: progenitor_client::Error<ErrorBody>,
    exchange: Exchange,
) -> Result<T, Error> {
    use progenitor_client::Error as Raw;
    if exchange.body_too_large
        && let Some(status) = exchange.status
    {
        return Err(Error::BodyTooLarge {
            status,
            limit: exchange.limit,
        });
    }
    Err(match error {
        Raw::ErrorResponse(value) => {
            let (status, headers) = (value.status(), value.headers().clone());
            ApiError::new(status, &headers, Some(value.into_inner())).into()
        }
        Raw::UnexpectedResponse(response) => {
            let status = response.status();
            let headers = response.headers().clone();
            let body = response
                .bytes()
                .await
                .map_err(|e| Error::transport(Some(status), e))?;
            if status.is_success() {
                return T::from_undeclared(&body).map_err(|e| decode_error(status, &e, &body));
            }
            api_error_from_bytes(status, &headers, &body)
        }
        Raw::InvalidResponsePayload(body, e) => match exchange.status {
            Some(status) if !status.is_success() => {
                let headers = exchange.headers.map(|h| *h).unwrap_or_default();
                api_error_from_bytes(status, &headers, &body)
            }
            status => decode_error(status.unwrap_or(StatusCode::OK), &e, &body),
        },
        Raw::CommunicationError(e) | Raw::ResponseBodyError(e) | Raw::InvalidUpgrade(e) => {
            Error::transport(exchange.status, e)
        }
        Raw::InvalidRequest(reason) => Error::invalid("request", reason),
        Raw::Custom(reason) => Error::Config(reason),
    })
}

/// An error status whose body may or may not be one of the JSON error shapes.
pub(crate) fn api_error_from_bytes(status: StatusCode, headers: &HeaderMap, body: &Bytes) -> Error {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(parsed) => ApiError::new(status, headers, Some(parsed)).into(),
        Err(_) => {
            let mut error = ApiError::new(status, headers, None);
            error.snippet = Some(snippet(body));
            error.into()
        }
    }
}

pub(crate) fn decode_error(status: StatusCode, error: &serde_json::Error, body: &[u8]) -> Error {
    Error::Decode {
        status,
        detail: error.to_string(),
        snippet: snippet(body),
    }
}
