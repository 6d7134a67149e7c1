//! The error responses of the fake, in the shapes the real Groups API sends.
//!
//! Each variant of [`ApiError`] turns into one status code and one JSON body;
//! the bodies are the shapes listed in `spec/tallyfy-groups.yaml` (`ErrorBody`)
//! and in the API reference, so a client's error decoding meets real data.

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Field name → messages, as Laravel's validator reports them.
pub(crate) type FieldErrors = BTreeMap<String, Vec<String>>;

/// The message of every 422 answer.
pub const VALIDATION_MESSAGE: &str = "The given data was invalid.";
/// The message of every 429 answer.
pub const RATE_LIMIT_MESSAGE: &str =
    "You've reached the hourly limit for this organization. Please try again later.";

/// An error answer of the sandbox.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ApiError {
    /// 401: no bearer token, an empty one, or not the configured one.
    Unauthenticated,
    /// 404: no such group, or no such route.
    NotFound,
    /// 405: a known path with a method it does not serve.
    MethodNotAllowed,
    /// 400: the body is not JSON.
    MalformedJson,
    /// 422: field errors.
    Validation(FieldErrors),
    /// 429: injected rate limiting.
    RateLimited { retry_after_secs: u64 },
    /// 503: injected failure.
    Unavailable,
    /// 500: the change could not be saved to the state file (and was not kept).
    StateNotSaved,
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::MalformedJson => StatusCode::BAD_REQUEST,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::StateNotSaved => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn body(&self) -> Value {
        match self {
            ApiError::Unauthenticated => json!({"error": "invalid_client"}),
            ApiError::NotFound => json!({
                "error": true,
                "message": "Resource not found",
                "code": "RESOURCE_NOT_FOUND",
            }),
            ApiError::MethodNotAllowed => json!({
                "error": true,
                "message": "Method not allowed",
                "code": "METHOD_NOT_ALLOWED",
            }),
            ApiError::MalformedJson => json!({
                "error": true,
                "message": "The request body is not valid JSON.",
                "code": "INVALID_JSON",
            }),
            ApiError::Validation(errors) => json!({
                "message": VALIDATION_MESSAGE,
                "errors": errors,
            }),
            ApiError::RateLimited { .. } => json!({
                "message": RATE_LIMIT_MESSAGE,
                "code": "RATE_LIMIT_EXCEEDED",
            }),
            ApiError::Unavailable => json!({"error": true, "message": "Service unavailable"}),
            ApiError::StateNotSaved => json!({
                "error": true,
                "message": "The sandbox could not save its state file; nothing was changed.",
                "code": "SANDBOX_STATE_NOT_SAVED",
            }),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = json_response(self.status(), &self.body());
        let headers = response.headers_mut();
        match self {
            ApiError::Unauthenticated => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::RateLimited { retry_after_secs } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
                headers.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
            }
            _ => {}
        }
        response
    }
}

/// A response with a JSON body and `Content-Type: application/json`.
pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).expect("a serde_json::Value always serialises");
    let mut response = (status, bytes).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
