//! Injected latency, 429s and 503s, and request counting and ids.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::{http, send, send_raw};
use serde_json::json;
use tallyfy_groups_sandbox::Sandbox;

/// Proves `latency` delays every answer, successes and errors alike, by at
/// least the configured time (a lower bound only: no tight timing assertion).
#[tokio::test]
async fn latency_delays_every_answer() {
    let http = http();
    let latency = Duration::from_millis(150);
    let sandbox = Sandbox::builder().seed(1).latency(latency).start().await;
    for request in [
        http.get(sandbox.groups_url()).bearer_auth("t"),
        http.get(sandbox.group_url("missing")).bearer_auth("t"),
        http.get(sandbox.groups_url()),
    ] {
        let started = Instant::now();
        let answer = send_raw(request).await;
        assert!(
            started.elapsed() >= latency,
            "{:?} for {}",
            started.elapsed(),
            answer.status
        );
    }
}

/// Proves `rate_limit_every(3)` answers 429 to requests 3 and 6 and only
/// those, with `Retry-After` set by `retry_after_secs`, `X-RateLimit-Remaining: 0`,
/// the API's rate-limit body and an `X-Request-Id`.
#[tokio::test]
async fn rate_limit_every_n() {
    let http = http();
    let sandbox = Sandbox::builder()
        .rate_limit_every(3)
        .retry_after_secs(7)
        .start()
        .await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let answer = send(http.get(sandbox.groups_url())).await;
        statuses.push(answer.status.as_u16());
        if answer.status == 429 {
            assert_eq!(answer.header("retry-after"), Some("7"));
            assert_eq!(answer.header("x-ratelimit-remaining"), Some("0"));
            assert!(answer.header("x-request-id").is_some());
            assert_eq!(
                answer.body,
                json!({
                    "message": "You've reached the hourly limit for this organization. Please try again later.",
                    "code": "RATE_LIMIT_EXCEEDED",
                })
            );
        }
    }
    assert_eq!(statuses, [200, 200, 429, 200, 200, 429]);
}

/// Proves `rate_limit_first(2)` answers 429 to the first two requests and
/// then serves normally (the shape a client's retry loop meets), with the
/// default `Retry-After: 1`.
#[tokio::test]
async fn rate_limit_first_n() {
    let http = http();
    let sandbox = Sandbox::builder().rate_limit_first(2).start().await;
    let first = send(http.get(sandbox.groups_url())).await;
    assert_eq!(first.status, 429);
    assert_eq!(first.header("retry-after"), Some("1"));
    assert_eq!(send(http.get(sandbox.groups_url())).await.status, 429);
    assert_eq!(send(http.get(sandbox.groups_url())).await.status, 200);
}

/// Proves `fail_fraction(0.5)` fails exactly every second request with 503
/// `{"error": true, "message": "Service unavailable"}`, and a failed create
/// changes nothing.
#[tokio::test]
async fn fail_fraction_is_deterministic() {
    let http = http();
    let sandbox = Sandbox::builder().fail_fraction(0.5).start().await;
    let mut statuses = Vec::new();
    for i in 0..6 {
        let answer = send(
            http.post(sandbox.groups_url())
                .json(&json!({"name": format!("g{i}"), "description": "d"})),
        )
        .await;
        statuses.push(answer.status.as_u16());
        if answer.status == 503 {
            assert_eq!(
                answer.body,
                json!({"error": true, "message": "Service unavailable"})
            );
            assert!(answer.header("x-request-id").is_some());
        }
    }
    assert_eq!(statuses, [201, 503, 201, 503, 201, 503]);
    // Request 7 succeeds and sees only the three created groups.
    let list = send(http.get(sandbox.groups_url())).await;
    assert_eq!(list.body["meta"]["pagination"]["total"], 3);
}

/// Proves `fail_fraction(1.0)` fails every request and `fail_first(2)`
/// fails only the first two.
#[tokio::test]
async fn fail_all_and_fail_first() {
    let http = http();
    let down = Sandbox::builder().fail_fraction(1.0).start().await;
    for _ in 0..5 {
        assert_eq!(send(http.get(down.groups_url())).await.status, 503);
    }
    let flaky = Sandbox::builder().fail_first(2).start().await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(send(http.get(flaky.groups_url())).await.status.as_u16());
    }
    assert_eq!(statuses, [503, 503, 200, 200]);
}

/// Proves injected faults come before authentication and 503 wins over 429
/// when both hit the same request.
#[tokio::test]
async fn faults_precede_auth() {
    let http = http();
    let sandbox = Sandbox::builder()
        .fail_first(1)
        .rate_limit_every(2)
        .start()
        .await;
    // Request 1: 503 without any token. Request 2: 429 without any token.
    assert_eq!(send_raw(http.get(sandbox.groups_url())).await.status, 503);
    assert_eq!(send_raw(http.get(sandbox.groups_url())).await.status, 429);
    // Request 3: no fault, so the missing token now matters.
    assert_eq!(send_raw(http.get(sandbox.groups_url())).await.status, 401);
    let both = Sandbox::builder()
        .fail_fraction(1.0)
        .rate_limit_every(1)
        .start()
        .await;
    assert_eq!(send(http.get(both.groups_url())).await.status, 503);
}

/// Proves `request_count` counts every request received, whatever the
/// answer (200, 401, 404, 405, 422, injected 429).
#[tokio::test]
async fn request_count_counts_everything() {
    let http = http();
    let sandbox = Sandbox::builder().rate_limit_every(6).start().await;
    assert_eq!(sandbox.request_count(), 0);
    send(http.get(sandbox.groups_url())).await; // 200
    send_raw(http.get(sandbox.groups_url())).await; // 401
    send(http.get(sandbox.group_url("nope"))).await; // 404
    send(http.patch(sandbox.groups_url())).await; // 405
    send(http.get(sandbox.groups_url()).query(&[("page", "0")])).await; // 422
    assert_eq!(sandbox.request_count(), 5);
    assert_eq!(send(http.get(sandbox.groups_url())).await.status, 429);
    assert_eq!(sandbox.request_count(), 6);
}

/// Proves every answer carries an `X-Request-Id`, unique within a sandbox and
/// between two sandboxes of the same process.
#[tokio::test]
async fn request_ids_are_unique() {
    let http = http();
    let a = Sandbox::start_seeded(1).await;
    let b = Sandbox::start_seeded(1).await;
    let mut ids = HashSet::new();
    for sandbox in [&a, &b] {
        for request in [
            http.get(sandbox.groups_url()).bearer_auth("t"),
            http.get(sandbox.groups_url()),
            http.get(sandbox.group_url("missing")).bearer_auth("t"),
            http.get(format!("{}/nowhere", sandbox.base_url()))
                .bearer_auth("t"),
        ] {
            let answer = send_raw(request).await;
            let id = answer
                .header("x-request-id")
                .expect("an X-Request-Id")
                .to_owned();
            assert!(ids.insert(id.clone()), "duplicate request id {id}");
        }
    }
    assert_eq!(ids.len(), 8);
}
