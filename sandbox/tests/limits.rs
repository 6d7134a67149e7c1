//! The sandbox's real rate limiters (`SandboxBuilder::limit`) over HTTP: what they let
//! through, their 429 answers, and their `X-RateLimit-*` headers when chosen, for the
//! token bucket, the fixed window and Laravel's limiter. Limits are set so slow to
//! refill that no test depends on how fast it runs, except where a test waits for a
//! window to end (a few seconds at most, with a margin of a second or more).

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

/// Seconds since the Unix epoch, now.
fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

fn number(answer: &Answer, name: &str) -> Option<u64> {
    answer
        .header(name)
        .map(|v| v.parse().expect("a whole number"))
}

// Proves over HTTP that a Laravel window opens at its first request, not at the
// sandbox's start: 2.5 s after the start, two requests use up 2 per 10 s and the
// third is refused with a Retry-After of at least 9 s (a window counted from the
// start would have 7.5 s left: Retry-After 8), with the API's 429 body.
#[tokio::test]
async fn laravel_window_opens_at_the_first_request() {
    let limit = SandboxLimit::laravel(&[(2, Duration::from_secs(10))]);
    let sandbox = Sandbox::builder().limit(Some(limit)).start().await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(list(&sandbox).await.status, StatusCode::OK);
    assert_eq!(list(&sandbox).await.status, StatusCode::OK);
    let refused = list(&sandbox).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.body["code"], "RATE_LIMIT_EXCEEDED");
    assert_eq!(refused.body["message"], RATE_LIMIT_MESSAGE);
    let retry_after = number(&refused, "retry-after").unwrap();
    assert!((9..=10).contains(&retry_after), "{retry_after}");
    assert_eq!(sandbox.rate_limited_count(), 1);
}

// Proves over HTTP that passing answers carry the last limit's X-RateLimit-Limit and
// -Remaining and no Reset, so 3 a minute declared before 10 an hour stays hidden
// (Limit 10, Remaining 9, 8, 7) until the fourth request meets the minute's 429:
// Limit 3, Remaining 0, Retry-After up to 60 s and Reset the Unix time it ends.
#[tokio::test]
async fn laravel_short_window_hides_behind_the_long_ones_headers() {
    let limit = SandboxLimit::laravel(&[
        (3, Duration::from_secs(60)),
        (10, Duration::from_secs(3600)),
    ]);
    let sandbox = Sandbox::builder().limit(Some(limit)).start().await;
    for remaining in [9, 8, 7] {
        let passed = list(&sandbox).await;
        assert_eq!(passed.status, StatusCode::OK);
        assert_eq!(number(&passed, "x-ratelimit-limit"), Some(10));
        assert_eq!(number(&passed, "x-ratelimit-remaining"), Some(remaining));
        assert_eq!(passed.header("x-ratelimit-reset"), None);
        assert_eq!(passed.header("retry-after"), None);
    }
    let before = unix_now();
    let refused = list(&sandbox).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(number(&refused, "x-ratelimit-limit"), Some(3));
    assert_eq!(number(&refused, "x-ratelimit-remaining"), Some(0));
    let retry_after = number(&refused, "retry-after").unwrap();
    assert!((55..=60).contains(&retry_after), "{retry_after}");
    // Reset is the window's end as a Unix time: about now + Retry-After.
    let reset = number(&refused, "x-ratelimit-reset").unwrap() as f64;
    let expected = before + retry_after as f64;
    assert!(
        (reset - expected).abs() <= 2.0,
        "reset {reset}, expected ≈ {expected}"
    );
}

// Proves over HTTP that a request the first limit refuses is not counted by the
// second: 2 per 2 s then 5 an hour; two pass, three are refused by the 2 s window,
// and after it ends the next answer shows the hour with 2 left (5 − 3), not with none.
#[tokio::test]
async fn laravel_refusals_are_not_counted_by_later_limits() {
    let limit =
        SandboxLimit::laravel(&[(2, Duration::from_secs(2)), (5, Duration::from_secs(3600))]);
    let sandbox = Sandbox::builder().limit(Some(limit)).start().await;
    for _ in 0..2 {
        assert_eq!(list(&sandbox).await.status, StatusCode::OK);
    }
    for _ in 0..3 {
        let refused = list(&sandbox).await;
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(number(&refused, "x-ratelimit-limit"), Some(2));
        let retry_after = number(&refused, "retry-after").unwrap();
        assert!((1..=2).contains(&retry_after), "{retry_after}");
    }
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let after = list(&sandbox).await;
    assert_eq!(after.status, StatusCode::OK);
    assert_eq!(number(&after, "x-ratelimit-limit"), Some(5));
    assert_eq!(number(&after, "x-ratelimit-remaining"), Some(2));
    assert_eq!(sandbox.rate_limited_count(), 3);
}

// Proves over HTTP that the misleading token bucket (4 a second, burst 4) sends
// Limit 4, a Remaining below it, and as X-RateLimit-Reset a Unix time within the
// next two seconds on every answer, and that a burst meets a 429 with Retry-After 1
// and Remaining 0 within its first few requests. (That its Reset promises a refill
// that does not happen is proven on an exact clock in limit.rs; over HTTP tokens
// drip back while requests are answered.)
#[tokio::test]
async fn next_second_reset_bucket_over_http() {
    let limit = SandboxLimit::token_bucket_next_second_reset(4.0, 4);
    let sandbox = Sandbox::builder().limit(Some(limit)).start().await;
    let mut refused = None;
    for _ in 0..20 {
        let now = unix_now();
        let answer = list(&sandbox).await;
        assert_eq!(number(&answer, "x-ratelimit-limit"), Some(4));
        assert!(number(&answer, "x-ratelimit-remaining").unwrap() < 4);
        let reset = number(&answer, "x-ratelimit-reset").unwrap() as f64;
        assert!(reset > now && reset <= now + 2.0, "reset {reset} at {now}");
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(answer);
            break;
        }
        assert_eq!(answer.status, StatusCode::OK);
    }
    let refused = refused.expect("a burst of 20 at 4 a second meets a 429");
    assert_eq!(number(&refused, "retry-after"), Some(1));
    assert_eq!(number(&refused, "x-ratelimit-remaining"), Some(0));
    assert_eq!(refused.body["code"], "RATE_LIMIT_EXCEEDED");
}
