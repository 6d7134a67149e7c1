//! Pacing end to end: listings against the sandbox's real limiters complete with every
//! item once and in order; a throttle deadline that would pass gives the typed error
//! with the page number; hostile Retry-After values neither panic nor hang; a limiter
//! is shared between clients on purpose. No assertion depends on how fast it runs.

mod common;

use std::time::{Duration, SystemTime};

use common::*;
use futures::StreamExt;
use httpmock::prelude::*;
use serde_json::json;
use tallyfy_groups::{Client, ClientBuilder, Error, RateLimiter, RetryPolicy, SortBy};
use tallyfy_groups_sandbox::{Sandbox, SandboxLimit};

fn builder_for(sandbox: &Sandbox) -> ClientBuilder {
    sandbox_builder(sandbox)
}

fn names(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("Group {i:04}")).collect()
}

/// Lists every group by name, 10 a page, `concurrency` at once; returns the names
/// yielded and the error that ended the listing, if one did.
async fn list_all(client: &Client, concurrency: usize) -> (Vec<String>, Option<Error>) {
    let mut pages = client
        .groups()
        .list()
        .sort_by(SortBy::Name)
        .page_size(10)
        .into_paginator()
        .concurrency(concurrency)
        .pages();
    let mut seen = Vec::new();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => seen.extend(page.into_items().into_iter().map(|g| g.name)),
            Err(error) => return (seen, Some(error)),
        }
    }
    (seen, None)
}

/// A listing of 120 groups (12 pages) at concurrency 8 under `limit` completes with
/// every group once, in order; returns the sandbox's 429 count.
async fn completes_under(limit: SandboxLimit) -> u64 {
    let sandbox = Sandbox::builder()
        .seed(120)
        .limit(Some(limit))
        .start()
        .await;
    let client = builder_for(&sandbox).build().unwrap();
    let (seen, error) = list_all(&client, 8).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(seen, names(120));
    assert_eq!(
        client.rate_limiter().stats().throttled,
        sandbox.rate_limited_count()
    );
    sandbox.rate_limited_count()
}

// Proves a concurrent listing completes, each item once and in order, under a token
// bucket without headers (the client adapts from 429s alone), and that 429s did occur.
#[tokio::test]
async fn listing_completes_under_a_token_bucket() {
    let throttled = completes_under(SandboxLimit::token_bucket(20.0, 4)).await;
    assert!(throttled > 0, "the limit was never met");
}

// Proves the same under a token bucket with X-RateLimit-* headers.
#[tokio::test]
async fn listing_completes_under_a_token_bucket_with_headers() {
    completes_under(SandboxLimit::token_bucket(20.0, 4).with_headers(true)).await;
}

// Proves the same under a fixed window, with and without headers.
#[tokio::test]
async fn listing_completes_under_a_fixed_window() {
    let window = SandboxLimit::fixed_window(6, Duration::from_secs(1));
    assert!(completes_under(window).await > 0, "the limit was never met");
    completes_under(window.with_headers(true)).await;
}

// Proves a deadline that a pause would pass ends the listing with Error::RateLimited
// naming the page that could not be fetched, after yielding every page before it, and
// that `.page(n)` resumes exactly there once the quota allows.
#[tokio::test]
async fn deadline_gives_the_typed_error_with_the_page() {
    let window = SandboxLimit::fixed_window(2, Duration::from_secs(3600));
    let sandbox = Sandbox::builder()
        .seed(50)
        .limit(Some(window))
        .start()
        .await;
    let client = builder_for(&sandbox)
        .throttle_deadline(Duration::from_secs(5))
        .build()
        .unwrap();
    let (seen, error) = list_all(&client, 1).await;
    assert_eq!(seen, names(20));
    let error = error.expect("the third page is over the quota");
    assert_eq!(error.page(), Some(3), "{error}");
    assert!(matches!(error, Error::RateLimited { page: Some(3), .. }));
    assert!(error.to_string().contains("page 3"), "{error}");
    assert!(error.is_retryable());
    let last = error.api().expect("the call received a 429");
    assert_eq!(last.code.as_deref(), Some("RATE_LIMIT_EXCEEDED"));
    // Resuming at the page named, against a sandbox that allows it, yields the rest.
    let fresh = Sandbox::start_seeded(50).await;
    let resumed = builder_for(&fresh).build().unwrap();
    let rest: Vec<String> = resumed
        .groups()
        .list()
        .sort_by(SortBy::Name)
        .page_size(10)
        .page(3)
        .items()
        .map(|g| g.unwrap().name)
        .collect()
        .await;
    assert_eq!([seen, rest].concat(), names(50));
}

// Proves the same with concurrency: whichever page met the quota first in page
// order is named, and exactly the pages before it were yielded.
#[tokio::test]
async fn deadline_with_concurrency_names_the_first_missing_page() {
    let window = SandboxLimit::fixed_window(3, Duration::from_secs(3600));
    let sandbox = Sandbox::builder()
        .seed(80)
        .limit(Some(window))
        .start()
        .await;
    let client = builder_for(&sandbox)
        .throttle_deadline(Duration::from_secs(5))
        .build()
        .unwrap();
    let (seen, error) = list_all(&client, 4).await;
    let page = error
        .and_then(|e| e.page())
        .expect("a page is over the quota");
    assert_eq!(seen, names((page as usize - 1) * 10));
    assert!((2..=4).contains(&page), "page {page}");
}

/// A client for `server` whose 429s carry `retry_after`, then a success.
async fn get_after_429(retry_after: &str, deadline: Duration, cap: Duration) -> Result<(), Error> {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(group_path()).is_true(first_n(1));
            then.status(429)
                .header("retry-after", retry_after)
                .json_body(json!({"message": "Slow down.", "code": "RATE_LIMIT_EXCEEDED"}));
        })
        .await;
    mock_reference_get(&server).await;
    let client = builder(server.base_url())
        .retry_policy(immediate().with_max_retry_after(cap))
        .throttle_deadline(deadline)
        .build()
        .unwrap();
    client.groups().get(GROUP_ID).send().await.map(drop)
}

// Proves hostile Retry-After values are handled: negative and garbage ones back off
// (1 s) and the call succeeds; a huge one is capped at the cap on waiting (the
// default 120 s), which here passes the deadline at once, giving the typed error with
// the 429's details, not a hang.
#[tokio::test]
async fn hostile_retry_after_is_handled() {
    let (deadline, cap) = (Duration::from_secs(30), Duration::from_secs(120));
    get_after_429("-5", deadline, cap)
        .await
        .expect("negative: backs off, then succeeds");
    get_after_429("soon", deadline, cap)
        .await
        .expect("garbage: backs off, then succeeds");
    let huge = get_after_429("99999999999999999999999", deadline, cap)
        .await
        .unwrap_err();
    assert!(
        matches!(huge, Error::RateLimited { page: None, .. }),
        "{huge:?}"
    );
    assert_eq!(
        huge.api().unwrap().code.as_deref(),
        Some("RATE_LIMIT_EXCEEDED")
    );
}

// Proves a wait past the cap is a state the caller sees (#30), not a retry after the
// cap: with a cap of 1 s, a 429 asking for an hour ends the call at once with
// Error::RateLimited naming when to resume (an hour from now, to the second), though
// the server would have answered the retry.
#[tokio::test]
async fn a_wait_past_the_cap_ends_the_call_naming_when_to_resume() {
    let (deadline, cap) = (Duration::from_secs(30), Duration::from_secs(1));
    let before = SystemTime::now();
    let error = get_after_429("3600", deadline, cap).await.unwrap_err();
    let Error::RateLimited {
        resume_at: Some(resume_at),
        ..
    } = error
    else {
        panic!("{error:?}");
    };
    let hour = Duration::from_secs(3600);
    assert!(
        resume_at >= before + hour - Duration::from_secs(1),
        "{error:?}"
    );
    assert!(resume_at <= SystemTime::now() + hour, "{error:?}");
}

// Proves a wait past the cap that the throttle deadline allows is waited as told:
// with a cap of 1 s, "Retry-After: 2" within a 30 s deadline holds the call and the
// retry succeeds.
#[tokio::test]
async fn a_wait_past_the_cap_within_the_deadline_is_waited() {
    let (deadline, cap) = (Duration::from_secs(30), Duration::from_secs(1));
    get_after_429("2", deadline, cap)
        .await
        .expect("waits the 2 s asked, then the retry succeeds");
}

// Proves an hourly quota spent mid-listing (Laravel's 30 per hour) ends the listing
// after one wave of 429s (one per page in flight at most) with Error::RateLimited
// naming the first page not fetched and when to resume (about an hour from now),
// every page before it yielded.
#[tokio::test]
async fn hourly_quota_spent_mid_listing_names_when_to_resume() {
    let hourly = SandboxLimit::laravel(&[(30, Duration::from_secs(3600))]);
    let sandbox = Sandbox::builder()
        .seed(500)
        .limit(Some(hourly))
        .start()
        .await;
    let client = builder_for(&sandbox).build().unwrap();
    let before = SystemTime::now();
    let (seen, error) = list_all(&client, 8).await;
    let error = error.expect("the 31st page is over the quota");
    assert!(
        sandbox.rate_limited_count() <= 8,
        "{}",
        sandbox.rate_limited_count()
    );
    assert_eq!(error.page(), Some(31), "{error}");
    assert_eq!(seen, names(300));
    let Error::RateLimited {
        resume_at: Some(resume_at),
        ..
    } = error
    else {
        panic!("{error:?}");
    };
    let hour = Duration::from_secs(3600);
    assert!(
        resume_at >= before + hour - Duration::from_secs(2),
        "{resume_at:?}"
    );
    assert!(resume_at <= SystemTime::now() + hour + Duration::from_secs(1));
}

// Proves a limiter given to two clients is shared: a 429 seen by one holds the other.
#[tokio::test]
async fn one_limiter_shared_by_two_clients() {
    let sandbox = Sandbox::builder()
        .seed(3)
        .rate_limit_first(1)
        .retry_after_secs(30)
        .start()
        .await;
    let shared = RateLimiter::new();
    let first = builder_for(&sandbox)
        .rate_limiter(shared.clone())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let second = builder_for(&sandbox).rate_limiter(shared).build().unwrap();
    let refused = first.groups().list().send().await.unwrap_err();
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(429));
    let held = second.rate_limiter().pause_remaining();
    assert!(
        held.is_some_and(|left| left > Duration::from_secs(20)),
        "{held:?}"
    );
    assert_eq!(second.rate_limiter().stats().throttled, 1);
}

// Proves the one rate-limit setting: a declared quota is a RateLimiter given to the
// builder (no combination to refuse), and a zero quota is refused where it is made.
#[tokio::test]
async fn a_quota_is_a_limiter_given_to_the_builder() {
    let sandbox = Sandbox::start_seeded(1).await;
    let zero = RateLimiter::with_quota(0, Duration::from_secs(60));
    assert!(matches!(zero, Err(Error::InvalidArgument { .. })));
    let limiter = RateLimiter::with_quota(100, Duration::from_secs(60)).unwrap();
    let quota = builder_for(&sandbox).rate_limiter(limiter).build().unwrap();
    assert_eq!(
        quota.rate_limiter().quota(),
        Some((100, Duration::from_secs(60)))
    );
    quota.groups().list().send().await.unwrap();
    assert_eq!(quota.rate_limiter().stats().requests, 1);
}
