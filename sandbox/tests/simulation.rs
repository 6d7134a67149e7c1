//! The hidden `simulation` seam, as the client crate's pacing simulation uses it:
//! the limiter and its verdict under `tallyfy_groups_sandbox::simulation`, driven
//! on tokio's paused clock. If a path or a signature here changes, that
//! simulation stops compiling, so this file pins them.

use std::time::Duration;

use reqwest::header::HeaderMap;
use tallyfy_groups_sandbox::SandboxLimit;
use tallyfy_groups_sandbox::simulation::{LimitVerdict, SandboxLimiter};
use tokio::time::Instant;

// Proves the seam keeps the exact paths and signatures the simulation calls
// (`starting_at`, `check_at`, `retry_after_secs`, `headers`, plus `new`, `refused`
// and `starting_at_unix`), and that the verdict's headers are the `HeaderMap` reqwest uses.
#[test]
fn seam_paths_and_signatures() {
    let _: fn(SandboxLimit) -> SandboxLimiter = SandboxLimiter::new;
    let _: fn(SandboxLimit, std::time::Instant) -> SandboxLimiter = SandboxLimiter::starting_at;
    let _: fn(&SandboxLimiter, std::time::Instant) -> LimitVerdict = SandboxLimiter::check_at;
    let _: fn(&SandboxLimiter) -> u64 = SandboxLimiter::refused;
    let _: fn(SandboxLimit, std::time::Instant, std::time::SystemTime) -> SandboxLimiter =
        SandboxLimiter::starting_at_unix;
    let _: fn(&LimitVerdict) -> Option<u64> = LimitVerdict::retry_after_secs;
    let _: fn(&LimitVerdict) -> &HeaderMap = LimitVerdict::headers;
}

// Proves a limiter started on tokio's paused clock decides by that clock alone: a
// fixed window of 2 per 6 s refuses the third request at virtual 1 s with
// Retry-After 5 and lets requests through again once virtual time reaches 6 s,
// though almost no real time has passed.
#[tokio::test(start_paused = true)]
async fn limiter_runs_on_the_paused_clock() {
    let limit = SandboxLimit::fixed_window(2, Duration::from_secs(6));
    let start = Instant::now();
    let limiter = SandboxLimiter::starting_at(limit, start.into_std());
    let at = |secs: u64| (start + Duration::from_secs(secs)).into_std();
    assert_eq!(limiter.check_at(at(0)).retry_after_secs(), None);
    assert_eq!(limiter.check_at(at(0)).retry_after_secs(), None);
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(
        limiter
            .check_at(Instant::now().into_std())
            .retry_after_secs(),
        Some(5)
    );
    tokio::time::advance(Duration::from_secs(5)).await;
    assert_eq!(
        limiter
            .check_at(Instant::now().into_std())
            .retry_after_secs(),
        None
    );
    assert_eq!(limiter.refused(), 1);
}

// Proves Laravel's limiter runs on the paused clock through the same entry point:
// 100 a minute and 1,000 an hour, 100 sent at the start of each virtual minute,
// pass for ten minutes with the hour's headers; at virtual 600 s the hour refuses
// with Retry-After 3,000 and Reset the Unix time of its end (from the Unix time
// given at the start), and after an hour of virtual time requests pass again.
#[tokio::test(start_paused = true)]
async fn laravel_limiter_runs_on_the_paused_clock() {
    let limit = SandboxLimit::laravel(&[
        (100, Duration::from_secs(60)),
        (1000, Duration::from_secs(3600)),
    ]);
    let unix = std::time::UNIX_EPOCH + Duration::from_secs(2_000_000_000);
    let limiter = SandboxLimiter::starting_at_unix(limit, Instant::now().into_std(), unix);
    let header = |verdict: &LimitVerdict, name: &str| -> Option<u64> {
        let value = verdict.headers().get(name)?;
        Some(value.to_str().unwrap().parse().unwrap())
    };
    for minute in 0..10u64 {
        for i in 1..=100 {
            let verdict = limiter.check_at(Instant::now().into_std());
            assert_eq!(verdict.retry_after_secs(), None);
            assert_eq!(header(&verdict, "x-ratelimit-limit"), Some(1000));
            let remaining = 1000 - (minute * 100 + i);
            assert_eq!(header(&verdict, "x-ratelimit-remaining"), Some(remaining));
        }
        tokio::time::advance(Duration::from_secs(60)).await;
    }
    let refused = limiter.check_at(Instant::now().into_std());
    assert_eq!(refused.retry_after_secs(), Some(3000));
    assert_eq!(
        header(&refused, "x-ratelimit-reset"),
        Some(2_000_000_000 + 3600)
    );
    tokio::time::advance(Duration::from_secs(3000)).await;
    let again = limiter.check_at(Instant::now().into_std());
    assert_eq!(again.retry_after_secs(), None);
    assert_eq!(header(&again, "x-ratelimit-remaining"), Some(999));
}
