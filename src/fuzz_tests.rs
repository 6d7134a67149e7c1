//! Property test: hundreds of thousands of generated bodies and headers go through
//! every response decoder and the error mapping with zero panics.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
use serde_json::{Value, json};

use crate::generated::types::{ErrorBody, GroupList, GroupResponse};
use crate::request::{api_error_from_bytes, decode_error};

const KEYS: &[&str] = &[
    "data",
    "meta",
    "pagination",
    "links",
    "next",
    "previous",
    "total",
    "count",
    "per_page",
    "current_page",
    "total_pages",
    "id",
    "name",
    "description",
    "logo",
    "members",
    "guests",
    "created_at",
    "last_updated",
    "updated_at",
    "error",
    "errors",
    "message",
    "code",
    "details",
];

/// Arbitrary JSON biased towards the API's own keys, nested a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        "[a-z0-9:.+TZ -]{0,24}".prop_map(Value::String),
        Just(json!("2023-01-15T09:00:00.000000Z")),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|pairs| {
                Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

/// A valid list body, to be cut and corrupted.
fn valid_list() -> Vec<u8> {
    serde_json::to_vec(&json!({
        "data": [{"id": "53a4560dc877f9b4f709f97630efbb5a", "name": "Sales Team",
                  "description": "Handles all sales inquiries.", "logo": null,
                  "members": [1001, "1005"], "guests": ["client.a@example.com"],
                  "created_at": "2023-01-15T09:00:00Z", "last_updated": "2023-06-20T10:00:00+00:00"}],
        "meta": {"pagination": {"total": 1, "count": 1, "per_page": 10, "current_page": 1,
                                 "total_pages": 1, "links": []}}
    }))
    .unwrap()
}

/// Bodies of every kind: raw bytes, arbitrary UTF-8, API-shaped JSON, and a valid body
/// truncated and with bytes flipped.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256),
        ".{0,300}".prop_map(String::into_bytes),
        json_value().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        json_value().prop_map(|v| serde_json::to_vec(&json!({"data": v})).unwrap()),
        (
            any::<prop::sample::Index>(),
            prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4)
        )
            .prop_map(|(cut, flips)| {
                let mut bytes = valid_list();
                for (at, byte) in flips {
                    let i = at.index(bytes.len());
                    bytes[i] = byte;
                }
                bytes.truncate(cut.index(bytes.len() + 1));
                bytes
            }),
    ]
}

fn feed(bytes: &[u8], status: u16, retry_after: &str) {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(retry_after) {
        headers.insert(RETRY_AFTER, value);
    }
    if let Ok(list) = serde_json::from_slice::<GroupList>(bytes)
        && let Some(pagination) = list.meta.and_then(|m| m.pagination)
    {
        let _ = pagination.next_link();
    }
    if let Ok(group) = serde_json::from_slice::<GroupResponse>(bytes) {
        let _ = group.data.member_ids();
        let _ = group.data.last_changed();
    }
    let _ = serde_json::from_slice::<ErrorBody>(bytes);
    let error = api_error_from_bytes(
        reqwest::Method::GET,
        status,
        &headers,
        &bytes::Bytes::copy_from_slice(bytes),
    );
    let _ = (
        error.to_string(),
        format!("{error:?}"),
        error.is_retryable(),
    );
    if let Err(e) = serde_json::from_slice::<GroupList>(bytes) {
        let _ = decode_error(Some(status), &e, bytes).to_string();
    }
}

// Proves no generated body, status or Retry-After value makes any decoder or the
// error mapping panic: 100,000 cases by default (TALLYFY_FUZZ_CASES to change).
#[test]
fn decoders_never_panic() {
    let cases = std::env::var("TALLYFY_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let input = (
        body(),
        100u16..600,
        prop_oneof![
            ".{0,40}",
            "[0-9]{0,25}",
            Just("Wed, 21 Oct 2015 07:28:00 GMT".to_string())
        ],
    );
    runner
        .run(&input, |(bytes, status, retry_after)| {
            feed(&bytes, status, &retry_after);
            Ok(())
        })
        .expect("no input makes a decoder panic");
}
