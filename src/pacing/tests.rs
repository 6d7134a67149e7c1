//! Deterministic tests of the pacer on tokio's paused clock: the gate across clones,
//! header pacing, AIMD against simulated servers, the declared quota, hostile
//! `Retry-After` values, deadlines. Times asserted are virtual (the paused clock only
//! moves when every task waits), so they are exact and order-of-events.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use tokio::time::Instant;

use super::*;

/// The cap on waiting the tests observe with: `RetryPolicy::default()`'s.
const CAP: Duration = Duration::from_secs(120);

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(*name, HeaderValue::from_str(value).unwrap());
    }
    map
}

const TOO_MANY: StatusCode = StatusCode::TOO_MANY_REQUESTS;
const OK: StatusCode = StatusCode::OK;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// A 429 on `limiter` with this `Retry-After`; returns the pause it imposed.
async fn throttle(limiter: &RateLimiter, retry_after: &str) -> Duration {
    let permit = limiter.ready(None).await.unwrap();
    let seen = limiter.observe(
        permit,
        TOO_MANY,
        &headers(&[("retry-after", retry_after)]),
        CAP,
    );
    assert!(seen.throttled);
    seen.pause
}

/// `n` requests answered 200.
async fn pass(limiter: &RateLimiter, n: usize) {
    for _ in 0..n {
        let permit = limiter.ready(None).await.unwrap();
        limiter.observe(permit, OK, &HeaderMap::new(), CAP);
    }
}

// Proves one 429 holds every request of every clone until its Retry-After: requests
// made through two clones right after it are sent only once the 5 s have passed, and
// after a marker that fires at 4.999 s.
#[tokio::test(start_paused = true)]
async fn a_429_pauses_every_clone() {
    let limiter = RateLimiter::new();
    let t0 = Instant::now();
    assert_eq!(throttle(&limiter, "5").await, secs(5));
    assert_eq!(limiter.pause_remaining(), Some(secs(5)));
    let events = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for (name, clone) in [("a", limiter.clone()), ("b", limiter.clone())] {
        let events = events.clone();
        tasks.push(tokio::spawn(async move {
            let permit = clone.ready(None).await.unwrap();
            events.lock().unwrap().push((name, t0.elapsed()));
            clone.observe(permit, OK, &HeaderMap::new(), CAP);
        }));
    }
    let marker = events.clone();
    tasks.push(tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(4999)).await;
        marker.lock().unwrap().push(("marker", t0.elapsed()));
    }));
    for task in tasks {
        task.await.unwrap();
    }
    let events = events.lock().unwrap().clone();
    assert_eq!(events[0].0, "marker", "{events:?}");
    assert!(
        events[1..].iter().all(|(_, at)| *at >= secs(5)),
        "{events:?}"
    );
    assert_eq!(limiter.pause_remaining(), None);
    let stats = limiter.stats();
    assert_eq!((stats.requests, stats.throttled), (3, 1));
    assert_eq!(stats.paused, secs(5));
}

// Proves 429s to requests already in flight when the first one came back are one
// wave: the rate drops once, not once per 429, while each 429 is counted.
#[tokio::test(start_paused = true)]
async fn in_flight_429s_are_one_wave() {
    let limiter = RateLimiter::new();
    pass(&limiter, 10).await;
    let mut permits = Vec::new();
    for _ in 0..8 {
        permits.push(limiter.ready(None).await.unwrap());
    }
    let mut first = None;
    for permit in permits {
        limiter.observe(permit, TOO_MANY, &headers(&[("retry-after", "1")]), CAP);
        first.get_or_insert(limiter.stats().adaptive_rate);
    }
    let stats = limiter.stats();
    assert_eq!(stats.throttled, 8);
    assert!(stats.adaptive_rate.is_some());
    assert_eq!(stats.adaptive_rate, first.unwrap());
    assert_eq!(stats.paused, secs(1));
}

// Proves header pacing: with Remaining 1 and Reset 3 s, one more request goes at
// once, and the next waits exactly for the reset, without any 429.
#[tokio::test(start_paused = true)]
async fn remaining_zero_waits_for_the_reset() {
    let limiter = RateLimiter::new();
    let t0 = Instant::now();
    let permit = limiter.ready(None).await.unwrap();
    let quota = headers(&[
        ("x-ratelimit-limit", "2"),
        ("x-ratelimit-remaining", "1"),
        ("x-ratelimit-reset", "3"),
    ]);
    assert!(!limiter.observe(permit, OK, &quota, CAP).throttled);
    let second = limiter.ready(None).await.unwrap();
    assert_eq!(t0.elapsed(), Duration::ZERO);
    assert_eq!(limiter.pause_remaining(), Some(secs(3)));
    drop(second);
    let third = limiter.ready(None).await.unwrap();
    assert_eq!(t0.elapsed(), secs(3));
    // The fresh window holds Limit = 2, less the second (sent since the last
    // answer): the third used it up. With the third in flight the fourth waits for
    // its answer (#30); answered without headers at 3.5 s, the fourth goes then.
    let answerer = limiter.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        answerer.observe(third, OK, &HeaderMap::new(), CAP);
    });
    let fourth = limiter.ready(None).await.unwrap();
    assert_eq!(t0.elapsed(), Duration::from_millis(3500));
    drop(fourth);
    assert_eq!(limiter.stats().throttled, 0);
}

// Proves a 429 that the headers explain (Remaining 0 with a Reset) holds requests
// until the later of Retry-After and Reset and does not turn adaptation on.
#[tokio::test(start_paused = true)]
async fn explained_429_waits_without_adapting() {
    let limiter = RateLimiter::new();
    let permit = limiter.ready(None).await.unwrap();
    let seen = limiter.observe(
        permit,
        TOO_MANY,
        &headers(&[
            ("retry-after", "1"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "4"),
        ]),
        CAP,
    );
    assert_eq!(seen.pause, secs(4));
    assert_eq!(limiter.stats().adaptive_rate, None);
}

// Proves hostile Retry-After values: negative and garbage back off 1 s then 2 s
// (in a row); huge numbers and far-future dates are waits past the cap, cut to a day
// (LONGEST_WAIT) with no overflow; none panics, and a success ends the streak.
#[tokio::test(start_paused = true)]
async fn hostile_retry_after_values() {
    use super::observe::LONGEST_WAIT;
    let limiter = RateLimiter::new();
    assert_eq!(throttle(&limiter, "-5").await, secs(1));
    assert_eq!(throttle(&limiter, "soon").await, secs(2));
    assert_eq!(
        throttle(&limiter, "99999999999999999999999").await,
        LONGEST_WAIT
    );
    assert_eq!(
        throttle(&limiter, "Fri, 31 Dec 9999 23:59:59 GMT").await,
        LONGEST_WAIT
    );
    let permit = limiter.ready(None).await.unwrap();
    limiter.observe(permit, OK, &HeaderMap::new(), CAP);
    assert_eq!(throttle(&limiter, "").await, secs(1));
}

// Proves a server that answers "Retry-After: 0" again and again is not hammered: the
// first such 429 is honoured as sent, the next ones in a row pause 1 s, 2 s, 4 s, and
// a response getting through ends the streak.
#[tokio::test(start_paused = true)]
async fn zero_retry_after_in_a_row_backs_off() {
    let limiter = RateLimiter::new();
    let pauses = [
        throttle(&limiter, "0").await,
        throttle(&limiter, "0").await,
        throttle(&limiter, "0").await,
        throttle(&limiter, "0").await,
    ];
    assert_eq!(pauses, [Duration::ZERO, secs(1), secs(2), secs(4)]);
    pass(&limiter, 1).await;
    assert_eq!(throttle(&limiter, "0").await, Duration::ZERO);
}

// Proves a deadline that a pause would pass fails at once, without sleeping through
// the pause, and says by how much it falls short.
#[tokio::test(start_paused = true)]
async fn deadline_fails_fast() {
    let limiter = RateLimiter::new();
    throttle(&limiter, "60").await;
    let t0 = Instant::now();
    let overdue = limiter
        .ready(Some(t0 + secs(10)))
        .await
        .err()
        .expect("the pause outlasts the deadline");
    assert_eq!(t0.elapsed(), Duration::ZERO);
    assert_eq!(overdue.short_by, secs(50));
    assert!(limiter.ready(Some(t0 + secs(60))).await.is_ok());
    assert_eq!(t0.elapsed(), secs(60));
}

// Proves an unpaced limiter counts 429s but holds nothing back.
#[tokio::test(start_paused = true)]
async fn unpaced_only_counts() {
    let limiter = RateLimiter::unpaced();
    throttle(&limiter, "30").await;
    let t0 = Instant::now();
    drop(limiter.ready(None).await.unwrap());
    assert_eq!(t0.elapsed(), Duration::ZERO);
    assert_eq!(limiter.stats().throttled, 1);
    assert_eq!(limiter.pause_remaining(), None);
}

// Proves a declared quota of 2 per second spaces requests 0.5 s apart, in order.
#[tokio::test(start_paused = true)]
async fn declared_quota_spaces_requests() {
    let limiter = RateLimiter::with_quota(2, secs(1)).unwrap();
    let t0 = Instant::now();
    let mut sent = Vec::new();
    for _ in 0..5 {
        drop(limiter.ready(None).await.unwrap());
        sent.push(t0.elapsed().as_millis());
    }
    assert_eq!(sent, [0, 500, 1000, 1500, 2000]);
    assert_eq!(limiter.quota(), Some((2, secs(1))));
    assert!(RateLimiter::with_quota(0, secs(1)).is_err());
}

// Proves the adaptive rate climbs back: it grows while no 429 comes, by 5 % a minute.
#[tokio::test(start_paused = true)]
async fn adaptive_rate_climbs_slowly() {
    let limiter = RateLimiter::new();
    pass(&limiter, 10).await;
    throttle(&limiter, "1").await;
    tokio::time::advance(secs(1)).await;
    let low = limiter.stats().adaptive_rate.unwrap();
    tokio::time::advance(secs(60)).await;
    let high = limiter.stats().adaptive_rate.unwrap();
    assert!((high / low - 1.05).abs() < 1e-9, "{low} → {high}");
}

// Proves answers out of order do not end a burst early: of 8 requests in flight, the
// last one sent is answered first with 2 left; the 7 sent before it reached the
// server first and are in that count, so 2 more go at once (a burst of 10, not 8).
// An answer to the first request then (9 left, 8 sent after it unanswered) cannot
// raise the count, and the 11th request waits for the reset at 1 s.
#[tokio::test(start_paused = true)]
async fn answers_out_of_order_keep_the_whole_burst() {
    let limiter = RateLimiter::new();
    let t0 = Instant::now();
    let mut permits = Vec::new();
    for _ in 0..8 {
        permits.push(limiter.ready(None).await.unwrap());
    }
    let quota = |left: &str| {
        headers(&[
            ("x-ratelimit-limit", "10"),
            ("x-ratelimit-remaining", left),
            ("x-ratelimit-reset", "1"),
        ])
    };
    let last = permits.pop().unwrap();
    limiter.observe(last, OK, &quota("2"), CAP);
    for _ in 0..2 {
        permits.push(limiter.ready(None).await.unwrap());
    }
    assert_eq!(Instant::now(), t0, "the 9th and 10th were held back");
    let first = permits.remove(0);
    limiter.observe(first, OK, &quota("9"), CAP);
    let eleventh = limiter.ready(None).await.unwrap();
    assert_eq!(t0.elapsed(), secs(1));
    drop((eleventh, permits));
}

// Proves a spent count with no reset known waits for the answers in flight instead
// of sending into it: the second request goes only once the first is answered (at
// 0.3 s, by a task that answers it then), and the answer's Reset of 2 s then holds
// the third until 2.3 s. Before #30 the second went at once, into a 429.
#[tokio::test(start_paused = true)]
async fn spent_count_waits_for_the_answers_in_flight() {
    let limiter = RateLimiter::new();
    let t0 = Instant::now();
    let first = limiter.ready(None).await.unwrap();
    let spent = headers(&[("x-ratelimit-limit", "2"), ("x-ratelimit-remaining", "0")]);
    limiter.observe(first, OK, &spent, CAP);
    let in_flight = limiter.ready(None).await.unwrap();
    assert_eq!(
        t0.elapsed(),
        Duration::ZERO,
        "nothing in flight: a probe goes"
    );
    let answerer = limiter.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let reset = headers(&[
            ("x-ratelimit-limit", "2"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "2"),
        ]);
        answerer.observe(in_flight, OK, &reset, CAP);
    });
    let third = limiter.ready(None).await.unwrap();
    assert_eq!(t0.elapsed(), Duration::from_millis(2300));
    drop(third);
}

// Proves a 429 to a request the headers vouched for (requests were left) makes the
// headers not believed: that 429 is not explained by its Remaining 0 and Reset, so
// the adaptive rate turns on, and a later spent count with a Reset no longer holds
// requests (the adaptive rate does).
#[tokio::test(start_paused = true)]
async fn a_429_the_headers_vouched_for_makes_them_not_believed() {
    let limiter = RateLimiter::new();
    let left = headers(&[
        ("x-ratelimit-limit", "4"),
        ("x-ratelimit-remaining", "3"),
        ("x-ratelimit-reset", "1"),
    ]);
    let permit = limiter.ready(None).await.unwrap();
    limiter.observe(permit, OK, &left, CAP);
    let vouched = limiter.ready(None).await.unwrap();
    let refused = headers(&[
        ("retry-after", "1"),
        ("x-ratelimit-limit", "4"),
        ("x-ratelimit-remaining", "0"),
        ("x-ratelimit-reset", "1"),
    ]);
    let seen = limiter.observe(vouched, TOO_MANY, &refused, CAP);
    assert_eq!(seen.pause, secs(1));
    assert!(limiter.stats().adaptive_rate.is_some(), "not explained");
    tokio::time::advance(secs(1)).await;
    let permit = limiter.ready(None).await.unwrap();
    let spent = headers(&[
        ("x-ratelimit-limit", "4"),
        ("x-ratelimit-remaining", "0"),
        ("x-ratelimit-reset", "30"),
    ]);
    limiter.observe(permit, OK, &spent, CAP);
    let held = limiter.pause_remaining();
    assert!(held.is_none_or(|left| left < secs(30)), "{held:?}");
}

// Proves a Retry-After past the cap (an hour, cap 120 s) is a long wait, not a
// retry loop: the gate closes for the whole hour, so a request whose deadline is
// 15 minutes away fails at once naming the hour's end, and one whose deadline
// allows it waits as told, once, to the hour's end (not the cap's).
#[tokio::test(start_paused = true)]
async fn retry_after_past_the_cap_is_a_long_wait() {
    let limiter = RateLimiter::new();
    pass(&limiter, 5).await;
    let t0 = Instant::now();
    assert_eq!(throttle(&limiter, "3600").await, secs(3600));
    assert_eq!(limiter.stats().adaptive_rate, None, "a quota, not a rate");
    let overdue = limiter
        .ready(Some(t0 + secs(900)))
        .await
        .err()
        .expect("the hour outlasts the deadline");
    assert_eq!(t0.elapsed(), Duration::ZERO);
    assert_eq!(overdue.resume_at, t0 + secs(3600));
    let permit = limiter.ready(Some(t0 + secs(3600))).await.unwrap();
    assert_eq!(t0.elapsed(), secs(3600));
    drop(permit);
    assert_eq!(limiter.stats().throttled, 1);
}

// Proves with_quotas enforces several quotas through the limiter itself: 2 per
// second and 3 per 10 s send at 0, 0.5 and 1 s, then the 4th waits for the first to
// be 10 s old; with_quota is with_quotas of one, and nonsense is refused.
#[tokio::test(start_paused = true)]
async fn several_quotas_are_enforced_together() {
    let limiter = RateLimiter::with_quotas(&[(2, secs(1)), (3, secs(10))]).unwrap();
    assert_eq!(limiter.quotas(), [(2, secs(1)), (3, secs(10))]);
    assert_eq!(limiter.quota(), Some((2, secs(1))));
    let t0 = Instant::now();
    let mut sent = Vec::new();
    for _ in 0..4 {
        drop(limiter.ready(None).await.unwrap());
        sent.push(t0.elapsed().as_millis());
    }
    assert_eq!(sent, [0, 500, 1000, 10_000]);
    assert!(RateLimiter::with_quotas(&[]).is_err());
    assert!(RateLimiter::with_quotas(&[(2, secs(1)), (0, secs(10))]).is_err());
    assert_eq!(RateLimiter::new().quotas(), []);
}
