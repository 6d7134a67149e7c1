//! Laravel's limiter (#30) on tokio's paused clock: fixed windows each opened by its
//! first request, whose passing answers show `Remaining` but no `Reset`, and, with
//! several limits, only the last one's counts. 100 pages through 8 workers, paced and
//! retry-only in the same virtual time, against one window (20 per 5 s) and against a
//! short window hidden behind a long one's headers (20 per 5 s, then 1,000 per hour).
//! The pacer learns the window from the first wave of 429s and spends the next ones
//! whole without a 429.

use std::time::Duration;

use tallyfy_groups_sandbox::SandboxLimit;

use std::sync::{Arc, Mutex};

use crate::simulate::{LATENCY, Run, Server, run, run_shared};
use tallyfy_groups::RateLimiter;

const PAGES: u64 = 100;
const WORKERS: usize = 8;
/// The short window: 20 requests per 5 s.
const N: u64 = 20;
const WINDOW: Duration = Duration::from_secs(5);

/// The least time 100 pages can take at 20 per 5 s: the fifth window cannot open
/// before four windows have passed (the first opened by the first request's
/// arrival), and its requests take a round trip each, 8 at a time.
fn floor() -> Duration {
    let windows = PAGES.div_ceil(N) as u32;
    WINDOW * (windows - 1) + LATENCY * (N.div_ceil(WORKERS as u64) as u32 + 1)
}

async fn both(limits: &[(u32, Duration)]) -> (Run, Run) {
    let limit = SandboxLimit::laravel(limits);
    let paced = run(Server::new(limit), RateLimiter::new(), PAGES, WORKERS).await;
    let unpaced = run(Server::new(limit), RateLimiter::unpaced(), PAGES, WORKERS).await;
    // Shown with --nocapture (BENCHMARKS.md quotes these).
    println!(
        "{limit}: paced {:?} = {:.3} × floor {:?}, {} × 429 (429s at {:?}); \
         retry-only {:?}, {} × 429",
        paced.took,
        paced.took.as_secs_f64() / floor().as_secs_f64(),
        floor(),
        paced.throttled(),
        paced.refusals,
        unpaced.took,
        unpaced.throttled(),
    );
    (paced, unpaced)
}

/// The bounds of #30 for a learned window: one wave of 429s (one per worker at most),
/// all in the first window, and the listing within 1.1 × the floor; the retry-only
/// client meets a wave in every window.
fn assert_learned(paced: &Run, unpaced: &Run) {
    let report = format!("paced {paced:?}\nretry-only {unpaced:?}");
    assert!(paced.throttled() <= WORKERS, "{report}");
    assert_eq!(paced.throttled_after(WINDOW), 0, "{report}");
    assert!(
        paced.took.as_secs_f64() <= 1.1 * floor().as_secs_f64(),
        "{report}"
    );
    assert!(paced.took >= floor(), "the floor is a floor: {report}");
    assert!(
        unpaced.throttled() >= 4 * paced.throttled().max(1),
        "{report}"
    );
}

// Proves one Laravel window (20 per 5 s, Remaining counting down, no Reset until the
// 429) is learned from the first wave: ≤ 8 × 429, none after the first window, and
// the 100 pages within 1.1 × the floor of four windows.
#[tokio::test(start_paused = true)]
async fn laravel_one_window_is_learned() {
    let (paced, unpaced) = both(&[(20, WINDOW)]).await;
    assert_learned(&paced, &unpaced);
}

// Proves a short window hidden behind a long one's headers (the answers show only
// the hourly 1,000's counts) is learned from its first 429 as well, with the same
// bounds.
#[tokio::test(start_paused = true)]
async fn laravel_hidden_short_window_is_learned() {
    let (paced, unpaced) = both(&[(20, WINDOW), (1000, Duration::from_secs(3600))]).await;
    assert_learned(&paced, &unpaced);
}

// Proves an hourly quota (Laravel's 30 per hour) is waited out as told when nothing
// bounds the wait (no throttle deadline): one wave of 429s in all, not one each time
// a 120 s cap would run out (30 an hour), and the 100 pages within 1 % of the floor
// of three hours the quota allows. (With a deadline the call ends instead with
// Error::RateLimited naming when to resume: tests/pacing.rs.)
#[tokio::test(start_paused = true)]
async fn laravel_hourly_quota_is_waited_out_in_one_wave() {
    let hour = Duration::from_secs(3600);
    let limit = SandboxLimit::laravel(&[(30, hour)]);
    let paced = run(Server::new(limit), RateLimiter::new(), PAGES, WORKERS).await;
    println!(
        "{limit}: paced {:?}, {} × 429 at {:?}",
        paced.took,
        paced.throttled(),
        paced.refusals
    );
    assert!(paced.throttled() <= WORKERS, "{paced:?}");
    assert_eq!(paced.throttled_after(hour), 0, "{paced:?}");
    assert!(paced.took >= hour * 3, "{paced:?}");
    assert!(
        paced.took.as_secs_f64() <= 1.01 * (hour * 3).as_secs_f64(),
        "{paced:?}"
    );
}

// Proves a window is learned as long as it is, not as long as the idle spell before
// it, as `benches/sync.rs` (#29) meets it: a client lists 10 pages, is idle two
// windows (the plan), then sends 100 requests through 4 workers, each one at a time
// (the apply's read-modify-writes at concurrency 4). Counting the window from the
// client's first send ever learned 20 per 15 s (the bench at 2.76 × its floor);
// counted back 20 sends from the refused one it is 20 per 5 s: ≤ 4 × 429, none after
// the first window of the run, and the run within 1.1 × its floor.
#[tokio::test(start_paused = true)]
async fn laravel_window_after_an_idle_spell_is_learned_by_its_count() {
    const RUN: u64 = 100;
    const FOUR: usize = 4;
    let limit = SandboxLimit::laravel(&[(20, WINDOW)]);
    let t0 = tokio::time::Instant::now();
    let server = Arc::new(Mutex::new(Server::new(limit)));
    let limiter = RateLimiter::new();
    let warm_up = run_shared(&server, limiter.clone(), 10, FOUR).await;
    assert_eq!(warm_up.throttled(), 0, "{warm_up:?}");
    tokio::time::sleep(WINDOW * 2).await;
    let started = tokio::time::Instant::now();
    let paced = run_shared(&server, limiter, RUN, FOUR).await;
    let floor =
        WINDOW * (RUN.div_ceil(N) as u32 - 1) + LATENCY * (N.div_ceil(FOUR as u64) as u32 + 1);
    println!(
        "{limit} after an idle spell, 4 workers: paced {:?} = {:.3} × floor {floor:?}, {} × 429 at {:?}",
        paced.took,
        paced.took.as_secs_f64() / floor.as_secs_f64(),
        paced.throttled(),
        paced.refusals
    );
    assert!(paced.throttled() <= FOUR, "{paced:?}");
    assert_eq!(paced.throttled_after(started - t0 + WINDOW), 0, "{paced:?}");
    assert!(
        paced.took.as_secs_f64() <= 1.1 * floor.as_secs_f64(),
        "{paced:?}"
    );
    assert!(paced.took >= floor, "the floor is a floor: {paced:?}");
}
