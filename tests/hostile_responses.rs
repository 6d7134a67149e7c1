//! Hostile or broken responses end in a typed error naming the status and a short
//! snippet of the body: never a panic, never a hang.

mod common;

use std::time::Duration;

use common::*;
use httpmock::prelude::*;
use serde_json::json;
use tallyfy_groups::{Error, RetryPolicy};

/// Serves `status`, `content_type` and `body` on GET of the test group and returns the result.
async fn get_from(status: u16, content_type: &str, body: &str) -> Error {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(group_path());
            then.status(status)
                .header("content-type", content_type)
                .body(body);
        })
        .await;
    let call = client_with(&server, RetryPolicy::none())
        .groups()
        .get(GROUP_ID)
        .send();
    tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .expect("never hangs")
        .expect_err("a broken response is an error")
}

fn assert_decode(err: &Error, status: u16, snippet_part: &str) {
    match err {
        Error::Decode {
            status: s, snippet, ..
        } => {
            assert_eq!(s.map(|s| s.as_u16()), Some(status));
            assert!(snippet.contains(snippet_part), "{snippet:?}");
            assert!(err.to_string().contains(&status.to_string()));
        }
        other => panic!("expected Decode, got {other:?}"),
    }
}

// Proves malformed JSON with 200 is a Decode error with status and snippet.
#[tokio::test]
async fn malformed_json() {
    let err = get_from(200, "application/json", "{\"data\": {\"id\": ").await;
    assert_decode(&err, 200, "{\"data\"");
}

// Proves an HTML gateway page with 502 is an API error with status 502 and a snippet.
#[tokio::test]
async fn html_gateway_page() {
    let err = get_from(
        502,
        "text/html",
        "<html><head><title>502 Bad Gateway</title></head></html>",
    )
    .await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502));
    assert!(
        err.api()
            .unwrap()
            .snippet
            .as_deref()
            .unwrap()
            .contains("502 Bad Gateway")
    );
    assert!(err.to_string().contains("502"));
}

// Proves an empty 200 body is a Decode error, not a panic or a default value.
#[tokio::test]
async fn empty_body_with_200() {
    let err = get_from(200, "application/json", "").await;
    assert_decode(&err, 200, "");
}

// Proves an HTML page sent with 200 and the wrong content type is a Decode error.
#[tokio::test]
async fn wrong_content_type() {
    let err = get_from(200, "text/html", "<!doctype html><p>Login</p>").await;
    assert_decode(&err, 200, "<!doctype html>");
}

// Proves JSON of the wrong shape (data is a list) is a Decode error naming the problem.
#[tokio::test]
async fn wrong_shape() {
    let err = get_from(200, "application/json", "{\"data\": [1, 2]}").await;
    assert_decode(&err, 200, "[1, 2]");
}

// Proves a long body is cut to a short snippet in the error.
#[tokio::test]
async fn snippet_is_short() {
    let body = format!("<html>{}</html>", "x".repeat(10_000));
    let err = get_from(200, "text/html", &body).await;
    match err {
        Error::Decode { snippet, .. } => {
            assert!(snippet.chars().count() <= 201, "{}", snippet.len())
        }
        other => panic!("{other:?}"),
    }
}

// Proves a body over the configured limit is refused with BodyTooLarge when its
// Content-Length announces it (the chunked case is `chunked_body_over_the_limit`).
#[tokio::test]
async fn body_over_the_limit() {
    let server = MockServer::start_async().await;
    let group = json!({"data": reference_group(), "padding": "y".repeat(64 * 1024)});
    server
        .mock_async(|when, then| {
            when.method(GET).path(group_path());
            then.status(200).json_body(group);
        })
        .await;
    let api = builder(server.base_url())
        .max_body_bytes(16 * 1024)
        .build()
        .unwrap();
    match api.groups().get(GROUP_ID).send().await.unwrap_err() {
        Error::BodyTooLarge { status, limit } => {
            assert_eq!(status.as_u16(), 200);
            assert_eq!(limit, 16 * 1024);
        }
        other => panic!("expected BodyTooLarge, got {other:?}"),
    }
    // The same body under a larger limit decodes, so the limit is what refused it.
    let roomy = builder(server.base_url()).build().unwrap();
    assert_eq!(
        roomy.groups().get(GROUP_ID).send().await.unwrap().name,
        "Sales Team"
    );
}

// Proves a body cut short of its Content-Length is a transport error that keeps the
// status of the response head, and says so in its text.
#[tokio::test]
async fn truncated_body() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (address, _server) = serve_one_connection(|mut socket| async move {
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await;
        let head =
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n";
        socket.write_all(head.as_bytes()).await.unwrap();
        socket
            .write_all(b"{\"data\": {\"id\": \"abc\"")
            .await
            .unwrap();
        socket.shutdown().await.unwrap();
    })
    .await;
    let api = builder(format!("http://{address}"))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let err = tokio::time::timeout(Duration::from_secs(10), api.groups().get(GROUP_ID).send())
        .await
        .expect("never hangs")
        .unwrap_err();
    match &err {
        Error::Transport { status, .. } => assert_eq!(status.map(|s| s.as_u16()), Some(200)),
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
    assert!(!err.is_retryable(), "a truncated body is not retried");
}

/// Serves one 200 response on a raw socket with `body` sent as HTTP/1.1 chunks of
/// `chunk` bytes, so it carries no Content-Length; returns the base URL.
async fn serve_chunked(body: Vec<u8>, chunk: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (address, _server) = serve_one_connection(move |mut socket| async move {
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                    transfer-encoding: chunked\r\n\r\n";
        socket.write_all(head.as_bytes()).await.unwrap();
        for part in body.chunks(chunk) {
            let frame = [format!("{:x}\r\n", part.len()).as_bytes(), part, b"\r\n"].concat();
            if socket.write_all(&frame).await.is_err() {
                return; // the client stopped reading: what a refusal looks like
            }
        }
        let _ = socket.write_all(b"0\r\n\r\n").await;
        let _ = socket.shutdown().await;
    })
    .await;
    format!("http://{address}")
}

// Proves the body limit holds for a response without Content-Length (chunked, the
// case the pass-through for declared lengths does not cover): over the limit it is
// BodyTooLarge, and the same chunked body under a roomier limit decodes.
#[tokio::test]
async fn chunked_body_over_the_limit() {
    let body =
        serde_json::to_vec(&json!({"data": reference_group(), "padding": "y".repeat(64 * 1024)}))
            .unwrap();
    let build = |base_url: String, limit: usize| {
        builder(base_url)
            .max_body_bytes(limit)
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap()
    };
    let tight = build(serve_chunked(body.clone(), 4096).await, 16 * 1024);
    let call = tight.groups().get(GROUP_ID).send();
    match tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .expect("never hangs")
        .unwrap_err()
    {
        Error::BodyTooLarge { status, limit } => {
            assert_eq!(status.as_u16(), 200);
            assert_eq!(limit, 16 * 1024);
        }
        other => panic!("expected BodyTooLarge, got {other:?}"),
    }
    let roomy = build(serve_chunked(body, 4096).await, 1024 * 1024);
    let group = tokio::time::timeout(Duration::from_secs(10), roomy.groups().get(GROUP_ID).send())
        .await
        .expect("never hangs")
        .unwrap();
    assert_eq!(group.name, "Sales Team");
}
