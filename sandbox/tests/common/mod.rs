//! Helpers shared by the sandbox's integration tests.
#![allow(dead_code)]

use reqwest::header::HeaderMap;
use reqwest::{RequestBuilder, StatusCode};
use serde_json::Value;

/// The bearer token the tests send.
pub const TOKEN: &str = "test-token";

/// A client with no retries and no proxy.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client builds")
}

/// One answer: status, headers and the body as JSON (`Null` when empty).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub raw: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Sends with the test token.
pub async fn send(request: RequestBuilder) -> Answer {
    send_raw(request.bearer_auth(TOKEN)).await
}

/// Sends as is (no token added).
pub async fn send_raw(request: RequestBuilder) -> Answer {
    let response = request.send().await.expect("the sandbox answers");
    let status = response.status();
    let headers = response.headers().clone();
    let raw = response.text().await.expect("a body");
    let body = if raw.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&raw).unwrap_or_else(|e| panic!("not JSON ({e}): {raw}"))
    };
    Answer {
        status,
        headers,
        body,
        raw,
    }
}

/// The names of a list answer's groups, in order.
pub fn names(answer: &Answer) -> Vec<String> {
    answer.body["data"]
        .as_array()
        .expect("data is an array")
        .iter()
        .map(|g| g["name"].as_str().expect("a name").to_owned())
        .collect()
}

/// Asserts a 422 whose `errors` holds exactly `field: [message]` among its entries.
pub fn assert_field_error(answer: &Answer, field: &str, message: &str) {
    assert_eq!(answer.status, 422, "{}", answer.raw);
    assert_eq!(answer.body["message"], "The given data was invalid.");
    assert_eq!(
        answer.body["errors"][field],
        serde_json::json!([message]),
        "{}",
        answer.raw
    );
}
