//! The sandbox's real rate limiters (`SandboxBuilder::limit`): what they let through,
//! their 429 answers, and their `X-RateLimit-*` headers when chosen. Limits are set
//! so slow to refill that no test depends on how fast it runs.

mod common;

use std::time::Duration;

use common::*;
use reqwest::StatusCode;
use tallyfy_groups_sandbox::{RATE_LIMIT_MESSAGE, Sandbox, SandboxLimit};

async fn list(sandbox: &Sandbox) -> Answer {
    send(http().get(sandbox.groups_url())).await
}

// Proves a token bucket without headers lets its burst through, then answers the
// API's 429 body with a whole-second Retry-After and no X-RateLimit-* headers, and
// counts the refusals.
#[tokio::test]
async fn token_bucket_refuses_after_its_burst() {
    let limit = SandboxLimit::token_bucket(0.001, 3);
    let sandbox = Sandbox::builder().seed(5).limit(Some(limit)).start().await;
    for _ in 0..3 {
        let answer = list(&sandbox).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.header("x-ratelimit-remaining"), None);
    }
    let refused = list(&sandbox).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.body["code"], "RATE_LIMIT_EXCEEDED");
    assert_eq!(refused.body["message"], RATE_LIMIT_MESSAGE);
    let retry_after: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=1000).contains(&retry_after), "{retry_after}");
    assert_eq!(refused.header("x-ratelimit-remaining"), None);
    assert!(refused.header("x-request-id").is_some());
    assert_eq!(sandbox.rate_limited_count(), 1);
    assert_eq!(sandbox.request_count(), 4);
}

// Proves a token bucket with headers reports its burst as the limit and counts
// Remaining down to 0 on successes, then 0 on the 429.
#[tokio::test]
async fn token_bucket_headers_count_down() {
    let limit = SandboxLimit::token_bucket(0.001, 2).with_headers(true);
    let sandbox = Sandbox::builder().limit(Some(limit)).start().await;
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let answer = list(&sandbox).await;
        assert_eq!(answer.header("x-ratelimit-limit"), Some("2"));
        assert!(answer.header("x-ratelimit-reset").is_some());
        remaining.push((
            answer.status.as_u16(),
            answer.header("x-ratelimit-remaining").map(str::to_owned),
        ));
    }
    let left = |n: &str| Some(n.to_owned());
    assert_eq!(
        remaining,
        [(200, left("1")), (200, left("0")), (429, left("0"))]
    );
}

// Proves a fixed window takes N, then refuses with Retry-After and Reset pointing at
// the window's end (within its length), with headers.
#[tokio::test]
async fn fixed_window_refuses_until_its_end() {
    let limit = SandboxLimit::fixed_window(2, Duration::from_secs(3600)).with_headers(true);
    let sandbox = Sandbox::builder().limit(Some(limit)).start().await;
    assert_eq!(list(&sandbox).await.status, StatusCode::OK);
    let second = list(&sandbox).await;
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(second.header("x-ratelimit-remaining"), Some("0"));
    let refused = list(&sandbox).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.body["code"], "RATE_LIMIT_EXCEEDED");
    let retry_after: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    let reset: u64 = refused
        .header("x-ratelimit-reset")
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&retry_after), "{retry_after}");
    assert_eq!(reset, retry_after);
    assert_eq!(refused.header("x-ratelimit-limit"), Some("2"));
    assert_eq!(sandbox.rate_limited_count(), 1);
}

// Proves no limit is the default: many requests, no 429.
#[tokio::test]
async fn no_limit_by_default() {
    let sandbox = Sandbox::start_seeded(1).await;
    for _ in 0..20 {
        assert_eq!(list(&sandbox).await.status, StatusCode::OK);
    }
    assert_eq!(sandbox.rate_limited_count(), 0);
}
