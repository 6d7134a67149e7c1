//! The body guard every response passes before the generated code reads it: the size
//! limit, error statuses whose body is not a JSON error document, and the copy for a
//! [`Capture`]. A failure leaves here only through `failure`'s side channel.

use bytes::{Bytes, BytesMut};

use super::failure::{BodyFailure, failing, rebuild};
use crate::capture::Capture;
use crate::generated::spec::Operation;
use crate::generated::types::ErrorBody;

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
