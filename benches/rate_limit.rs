//! The rate-limit benchmark (`cargo bench -p tallyfy-groups --bench rate_limit`), a
//! plain main that prints a report; owns nothing but its measurements.
//!
//! 1. Under a limit of R = 10 requests/s, 200 pages (per_page=10) at `concurrency(8)`,
//!    sandbox latency 20 ms: (a) token bucket 10/s, burst 10, no headers; (b) the same
//!    with `X-RateLimit-*` headers; (c) fixed window of 60 per 6 s, no headers. Each
//!    once paced (the default) and once with pacing switched off (the retry policy
//!    alone, today's behaviour), on a fresh sandbox each. Reports time, throughput
//!    against R, the sandbox's 429 count (and, for (b), those after the first window),
//!    and the paced/unpaced ratios; exits non-zero if a paced listing fails or yields
//!    anything but every item once, in order.
//! 2. #30: 100 pages at `concurrency(8)`, paced and unpaced: (d) Laravel's limiter,
//!    one window of 20 per 5 s; (e) the same window hidden behind an hourly 1,000's
//!    headers; (f) a token bucket of 4/s whose `Reset` names the next whole second
//!    (headers that mislead). Reports the 429s (and those after the first window),
//!    and the time against the windows' floor, or the throughput against the rate.
//! 3. No limit: 10,000 groups (per_page=100) at 20 ms latency, `concurrency(8)` vs 1,
//!    paced, several rounds, and the paced/unpaced time at `concurrency(8)`.
//!
//! Without `--bench` (e.g. `cargo test --benches`) it runs a quick smoke version.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use futures::StreamExt;
use tallyfy_groups::{Client, Error, RateLimiter};
use tallyfy_groups_sandbox::{Sandbox, SandboxLimit};

struct Plan {
    pages: usize,
    /// #30's scenarios: pages, Laravel's window, the misleading bucket's rate.
    issue30_pages: usize,
    laravel: (u32, Duration),
    misleading_rate: f64,
    rate: f64,
    window: (u32, Duration),
    latency: Duration,
    free_groups: usize,
    rounds: usize,
}

const FULL: Plan = Plan {
    pages: 200,
    issue30_pages: 100,
    laravel: (20, Duration::from_secs(5)),
    misleading_rate: 4.0,
    rate: 10.0,
    window: (60, Duration::from_secs(6)),
    latency: Duration::from_millis(20),
    free_groups: 10_000,
    rounds: 3,
};

const SMOKE: Plan = Plan {
    pages: 20,
    issue30_pages: 20,
    laravel: (10, Duration::from_secs(2)),
    misleading_rate: 40.0,
    rate: 40.0,
    window: (20, Duration::from_millis(500)),
    latency: Duration::from_millis(2),
    free_groups: 500,
    rounds: 1,
};

const PER_PAGE: usize = 10;

fn main() -> ExitCode {
    let plan = if std::env::args().any(|a| a == "--bench") {
        FULL
    } else {
        SMOKE
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    if runtime.block_on(run(&plan)) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// What one listing did.
struct Outcome {
    took: Duration,
    /// Names yielded, in order.
    names: Vec<String>,
    error: Option<Error>,
    throttled: u64,
    /// 429s after the first window (burst / rate, or the window's length).
    throttled_later: u64,
}

fn client(sandbox: &Sandbox, paced: bool) -> Client {
    Client::builder()
        .token("bench-token")
        .org_id(sandbox.org_id())
        .base_url(sandbox.base_url())
        .rate_limiter(if paced {
            RateLimiter::new()
        } else {
            RateLimiter::unpaced()
        })
        .build()
        .expect("the bench client builds")
}

/// Lists every group (sorted by name, so the expected order is known) on a fresh
/// sandbox under `limit`.
async fn listing(
    plan: &Plan,
    pages: usize,
    limit: Option<SandboxLimit>,
    first_window: Duration,
    paced: bool,
) -> Outcome {
    let groups = pages * PER_PAGE;
    let sandbox = Sandbox::builder()
        .seed(groups)
        .latency(plan.latency)
        .limit(limit)
        .start()
        .await;
    let client = client(&sandbox, paced);
    let started = Instant::now();
    let mut pages = client
        .groups()
        .list()
        .sort_by(tallyfy_groups::SortBy::Name)
        .page_size(PER_PAGE as u32)
        .into_paginator()
        .concurrency(8)
        .pages();
    let mut names = Vec::with_capacity(groups);
    let mut error = None;
    let mut at_first_window = None;
    let deadline = tokio::time::sleep(first_window);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            page = pages.next() => match page {
                Some(Ok(page)) => names.extend(page.into_items().into_iter().map(|g| g.name)),
                Some(Err(e)) => { error = Some(e); break; }
                None => break,
            },
            () = &mut deadline, if at_first_window.is_none() => {
                at_first_window = Some(sandbox.rate_limited_count());
            }
        }
    }
    let took = started.elapsed();
    let throttled = sandbox.rate_limited_count();
    Outcome {
        took,
        names,
        error,
        throttled,
        throttled_later: throttled - at_first_window.unwrap_or(throttled),
    }
}

fn expected(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("Group {i:04}")).collect()
}

async fn run(plan: &Plan) -> bool {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<_> = load.split_whitespace().take(3).collect();
    println!("# rate-limit benchmark");
    println!("machine: {cpus} CPUs; load average {}", load.join(" "));
    let r = plan.rate;
    let burst = r.ceil() as u32;
    let (n, window) = plan.window;
    println!(
        "\n## {} pages of {PER_PAGE} at concurrency(8), sandbox latency {:?}, R = {r}/s",
        plan.pages, plan.latency
    );
    let scenarios = [
        (
            "a",
            "token bucket, no headers",
            SandboxLimit::token_bucket(r, burst),
            0.9,
            Duration::from_secs_f64(f64::from(burst) / r),
        ),
        (
            "b",
            "token bucket, headers",
            SandboxLimit::token_bucket(r, burst).with_headers(true),
            0.9,
            Duration::from_secs_f64(f64::from(burst) / r),
        ),
        (
            "c",
            "fixed window, no headers",
            SandboxLimit::fixed_window(n, window),
            0.85,
            window,
        ),
    ];
    let mut ok = true;
    let want = expected(plan.pages * PER_PAGE);
    for (key, name, limit, target, first_window) in scenarios {
        let paced = listing(plan, plan.pages, Some(limit), first_window, true).await;
        let unpaced = listing(plan, plan.pages, Some(limit), first_window, false).await;
        let complete = paced.error.is_none() && paced.names == want;
        ok &= complete;
        let throughput = paced.names.len() as f64 / PER_PAGE as f64 / paced.took.as_secs_f64();
        println!("\n### ({key}) {name}");
        println!(
            "paced:   {:>6.2} s, {:>5.2} pages/s = {:.2} R (target >= {target}: {}), 429s {} ({} after the first {:?}), every item once in order: {}",
            paced.took.as_secs_f64(),
            throughput,
            throughput / r,
            verdict(throughput / r >= target),
            paced.throttled,
            paced.throttled_later,
            first_window,
            verdict(complete),
        );
        let unpaced_pages = unpaced.names.len() / PER_PAGE;
        let unpaced_end = match &unpaced.error {
            None => "completed".to_owned(),
            Some(e) => format!(
                "FAILED after {unpaced_pages} pages: {}",
                e.to_string().replace('\n', " ")
            ),
        };
        println!(
            "unpaced: {:>6.2} s, 429s {}, {unpaced_end}",
            unpaced.took.as_secs_f64(),
            unpaced.throttled
        );
        let fewer = 1.0 - paced.throttled as f64 / unpaced.throttled.max(1) as f64;
        let slower = paced.took.as_secs_f64() / unpaced.took.as_secs_f64() - 1.0;
        println!(
            "paced vs unpaced: {:.0} % fewer 429s (target >= 90 %: {}), {:+.1} % time (target <= +5 %: {}{})",
            fewer * 100.0,
            verdict(fewer >= 0.9),
            slower * 100.0,
            verdict(slower <= 0.05),
            if unpaced.error.is_some() {
                "; the unpaced listing did not finish"
            } else {
                ""
            },
        );
        match key {
            "b" => println!(
                "429s after the first window: {} (target 0: {})",
                paced.throttled_later,
                verdict(paced.throttled_later == 0)
            ),
            _ => println!(
                "429s in all: {} (target <= 8: {})",
                paced.throttled,
                verdict(paced.throttled <= 8)
            ),
        }
    }

    ok &= issue30(plan).await;

    let groups = plan.free_groups;
    println!(
        "\n## no limit: {groups} groups, per_page=100, latency {:?}",
        plan.latency
    );
    let sandbox = Sandbox::builder()
        .seed(groups)
        .latency(plan.latency)
        .start()
        .await;
    let (mut sequential, mut concurrent, mut unpaced) = (Vec::new(), Vec::new(), Vec::new());
    for round in 1..=plan.rounds {
        let paced_client = client(&sandbox, true);
        let unpaced_client = client(&sandbox, false);
        let (ids_1, t1) = all_ids(&paced_client, 1).await;
        let (ids_8, t8) = all_ids(&paced_client, 8).await;
        let (ids_u, tu) = all_ids(&unpaced_client, 8).await;
        ok &= ids_1.len() == groups && ids_1 == ids_8 && ids_8 == ids_u;
        println!(
            "round {round}: paced sequential {:.1} ms, paced concurrency(8) {:.1} ms ({:.1}x), unpaced concurrency(8) {:.1} ms",
            ms(t1),
            ms(t8),
            t1.as_secs_f64() / t8.as_secs_f64(),
            ms(tu)
        );
        sequential.push(t1);
        concurrent.push(t8);
        unpaced.push(tu);
    }
    let (t1, t8, tu) = (
        median(&mut sequential),
        median(&mut concurrent),
        median(&mut unpaced),
    );
    let ratio = t1.as_secs_f64() / t8.as_secs_f64();
    println!(
        "median: sequential {:.1} ms, concurrency(8) {:.1} ms, ratio {ratio:.1}x (target >= 6x: {}); paced/unpaced at concurrency(8): {:.3}",
        ms(t1),
        ms(t8),
        verdict(ratio >= 6.0),
        t8.as_secs_f64() / tu.as_secs_f64()
    );
    ok
}

/// #30's scenarios: Laravel's windows learned, headers that mislead.
async fn issue30(plan: &Plan) -> bool {
    let pages = plan.issue30_pages;
    let (n, window) = plan.laravel;
    let hour = Duration::from_secs(3600);
    let rate = plan.misleading_rate;
    println!("\n## #30: {pages} pages of {PER_PAGE} at concurrency(8)");
    // The fewest windows' time: the last window opens after all the others.
    let windows = pages.div_ceil(n as usize) as u32;
    let floor = window * (windows - 1);
    let scenarios = [
        ("d", SandboxLimit::laravel(&[(n, window)]), window, None),
        (
            "e",
            SandboxLimit::laravel(&[(n, window), (1000, hour)]),
            window,
            None,
        ),
        (
            "f",
            SandboxLimit::token_bucket_next_second_reset(rate, rate as u32),
            Duration::from_secs(1),
            Some(rate),
        ),
    ];
    let mut ok = true;
    let want = expected(pages * PER_PAGE);
    for (key, limit, first_window, rate) in scenarios {
        let paced = listing(plan, pages, Some(limit), first_window, true).await;
        let unpaced = listing(plan, pages, Some(limit), first_window, false).await;
        let complete = paced.error.is_none() && paced.names == want;
        ok &= complete;
        let measure = match rate {
            Some(rate) => {
                let throughput = pages as f64 / paced.took.as_secs_f64() / rate;
                format!(
                    "{throughput:.2} of the rate (target >= 0.85: {})",
                    verdict(throughput >= 0.85)
                )
            }
            None => {
                let ratio = paced.took.as_secs_f64() / floor.as_secs_f64();
                format!(
                    "{ratio:.3} x the floor of {floor:?} (target <= 1.1: {})",
                    verdict(ratio <= 1.1)
                )
            }
        };
        println!("\n### ({key}) {limit}");
        println!(
            "paced:   {:>7.2} s, {measure}; 429s {} (target <= 8: {}), {} after the first {first_window:?}; every item once in order: {}",
            paced.took.as_secs_f64(),
            paced.throttled,
            verdict(paced.throttled <= 8),
            paced.throttled_later,
            verdict(complete),
        );
        println!(
            "unpaced: {:>7.2} s, 429s {}{}",
            unpaced.took.as_secs_f64(),
            unpaced.throttled,
            if unpaced.error.is_some() {
                ", did not finish"
            } else {
                ""
            }
        );
    }
    ok
}

async fn all_ids(client: &Client, concurrency: usize) -> (Vec<String>, Duration) {
    let started = Instant::now();
    let ids: Vec<String> = client
        .groups()
        .list()
        .page_size(100)
        .into_paginator()
        .concurrency(concurrency)
        .items()
        .map(|g| g.expect("no limit, no error").id)
        .collect()
        .await;
    (ids, started.elapsed())
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}
