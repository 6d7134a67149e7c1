//! Each of the six error shapes in the reference maps to the right fields of
//! `Error::Api`, with the request id and Retry-After headers surfaced.

mod common;

use std::time::Duration;

use common::*;
use httpmock::prelude::*;
use serde_json::{Value, json};
use tallyfy_groups::{Error, RetryPolicy};

/// Answers GET on the test group with `status` and `body`, and returns the error.
async fn error_for(status: u16, body: Value) -> Error {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(group_path());
            then.status(status)
                .header("content-type", "application/json")
                .header("x-request-id", "req-42")
                .json_body(body);
        })
        .await;
    let api = client_with(&server, RetryPolicy::none());
    api.groups()
        .get(GROUP_ID)
        .send()
        .await
        .expect_err("an error status")
}

// Proves shape 1 (error flag, message, code) fills status, message, code and request id.
#[tokio::test]
async fn not_found_shape_with_flag_message_and_code() {
    let err = error_for(
        404,
        json!({"error": true, "message": "Resource not found", "code": "RESOURCE_NOT_FOUND"}),
    )
    .await;
    let api = err.api().expect("an API error");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(api.message.as_deref(), Some("Resource not found"));
    assert_eq!(api.code.as_deref(), Some("RESOURCE_NOT_FOUND"));
    assert_eq!(api.request_id.as_deref(), Some("req-42"));
    assert!(!err.is_retryable());
    let text = err.to_string();
    assert!(
        text.contains("404") && text.contains("RESOURCE_NOT_FOUND") && text.contains("req-42"),
        "{text}"
    );
}

// Proves shape 2 (error flag and field errors, no message) yields the field errors.
#[tokio::test]
async fn validation_shape_with_flag_and_errors() {
    let err = error_for(
        422,
        json!({"error": true, "errors": {"name": ["The name field is required."]}}),
    )
    .await;
    let api = err.api().unwrap();
    assert_eq!(api.message, None);
    assert_eq!(
        api.field_errors["name"],
        vec!["The name field is required.".to_string()]
    );
    assert!(err.to_string().contains("The name field is required."));
}

// Proves shape 3 (Laravel: message and errors) yields message and field errors.
#[tokio::test]
async fn laravel_validation_shape() {
    let err = error_for(422, json!({"message": "The given data was invalid.", "errors": {"description": ["The description field is required."]}})).await;
    let api = err.api().unwrap();
    assert_eq!(api.message.as_deref(), Some("The given data was invalid."));
    assert_eq!(
        err.field_errors()["description"],
        vec!["The description field is required.".to_string()]
    );
}

// Proves field errors given as a bare string or a nested map are flattened, not lost.
#[tokio::test]
async fn field_errors_as_string_or_nested_map() {
    let err = error_for(
        422,
        json!({"message": "Invalid.", "errors": {
            "name": "Too long.",
            "members": {"0": ["Unknown user."], "1": {"id": "Bad id."}}
        }}),
    )
    .await;
    let fields = err.field_errors();
    assert_eq!(fields["name"], vec!["Too long.".to_string()]);
    assert_eq!(
        fields["members"],
        vec!["0: Unknown user.".to_string(), "1.id: Bad id.".to_string()]
    );
}

// Proves shape 4 (error as an object) takes code and message from inside it.
#[tokio::test]
async fn error_object_shape() {
    let err = error_for(403, json!({"error": {"code": "SEAT_POOL_EXHAUSTED", "message": "No seats left.", "details": {}}})).await;
    let api = err.api().unwrap();
    assert_eq!(api.code.as_deref(), Some("SEAT_POOL_EXHAUSTED"));
    assert_eq!(api.message.as_deref(), Some("No seats left."));
}

// Proves shape 5 (rate limit) is retryable and carries Retry-After.
#[tokio::test]
async fn rate_limit_shape_with_retry_after() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(group_path());
            then.status(429)
                .header("retry-after", "17")
                .json_body(json!({"message": "You've reached the hourly limit. Please try again later.", "code": "RATE_LIMIT_EXCEEDED"}));
        })
        .await;
    let api = client_with(&server, RetryPolicy::none());
    let err = api.groups().get(GROUP_ID).send().await.unwrap_err();
    let details = err.api().unwrap();
    assert_eq!(details.code.as_deref(), Some("RATE_LIMIT_EXCEEDED"));
    assert_eq!(details.retry_after, Some(Duration::from_secs(17)));
    assert!(err.is_retryable());
}

// Proves shape 6 (error as a string) becomes the message.
#[tokio::test]
async fn error_string_shape() {
    let err = error_for(401, json!({"error": "invalid_client"})).await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(
        err.api().unwrap().message.as_deref(),
        Some("invalid_client")
    );
}

// Proves an HTML gateway page on 502 is an API error with the status, a snippet and
// the response's request id (carried by the body guard's failure: the generated code
// would otherwise have dropped the headers by the time the body fails to decode).
#[tokio::test]
async fn html_gateway_page_keeps_status_and_snippet() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(group_path());
            then.status(502)
                .header("content-type", "text/html")
                .header("x-request-id", "gw-7")
                .body("<html><body>Bad Gateway</body></html>");
        })
        .await;
    let api = client_with(&server, RetryPolicy::none());
    let err = api.groups().get(GROUP_ID).send().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502));
    assert!(err.is_retryable());
    let snippet = err.api().unwrap().snippet.clone().unwrap();
    assert!(snippet.contains("Bad Gateway"), "{snippet}");
    assert_eq!(err.api().unwrap().request_id.as_deref(), Some("gw-7"));
}

// Proves a status the spec does not list (504) still maps to an API error.
#[tokio::test]
async fn undeclared_error_status_maps_to_api_error() {
    let err = error_for(504, json!({"message": "Gateway timeout"})).await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(504));
    assert_eq!(
        err.api().unwrap().message.as_deref(),
        Some("Gateway timeout")
    );
}

// Proves is_retryable() gives the retry policy's answer, method included: a 503 to a
// POST is not retried (it may have reached the server) and is not reported as
// retryable, while a 429 to the same POST is both (pacing off, so the 429s are left
// to the retry policy's count alone).
#[tokio::test]
async fn is_retryable_agrees_with_the_policy_for_post() {
    let server = MockServer::start_async().await;
    let unavailable = server
        .mock_async(|when, then| {
            when.method(POST).path(groups_path()).body_includes("Busy");
            then.status(503)
                .json_body(json!({"error": true, "message": "Service unavailable"}));
        })
        .await;
    let limited = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(groups_path())
                .body_includes("Limited");
            then.status(429)
                .json_body(json!({"code": "RATE_LIMIT_EXCEEDED"}));
        })
        .await;
    let api = client_unpaced(&server, immediate().with_max_retries(2));
    let err = api
        .groups()
        .create("Busy")
        .description("d")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert!(!err.is_retryable());
    unavailable.assert_calls_async(1).await;
    let err = api
        .groups()
        .create("Limited")
        .description("d")
        .send()
        .await
        .unwrap_err();
    assert!(err.is_retryable());
    limited.assert_calls_async(3).await;
}

// Proves an error body keeps the keys the spec does not name (issue #19): a Laravel
// `exception` name and a `trace_id` stay in `ErrorBody::extra` as sent, beside the
// decoded message and field errors.
#[tokio::test]
async fn error_body_keeps_unknown_keys() {
    let err = error_for(
        422,
        json!({"message": "The given data was invalid.",
               "errors": {"name": ["The name field is required."]},
               "exception": "ValidationException", "trace_id": {"id": "t-1"}}),
    )
    .await;
    let api = err.api().expect("an API error");
    let body = api.body.as_ref().expect("the JSON body is decoded");
    assert_eq!(
        body.extra.get("exception"),
        Some(&json!("ValidationException"))
    );
    assert_eq!(body.extra.get("trace_id"), Some(&json!({"id": "t-1"})));
    assert_eq!(body.extra.len(), 2, "declared keys are not in extra");
    assert_eq!(api.message.as_deref(), Some("The given data was invalid."));
}
