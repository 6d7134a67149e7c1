//! The groups-as-code benchmark (`cargo bench -p tallyfy-groups --bench sync`, #29), a
//! plain main that prints a report and fails on a broken promise; owns nothing but its
//! measurements.
//!
//! 1,000 groups, of which 200 change (one member added each), against the sandbox
//! limited to a scaled quota with Laravel's limiter (100 requests per 5 s; the
//! answers carry Limit and Remaining only), 10 ms latency. One run as `apply` does it:
//! the complete listing, the plan, the apply at concurrency 4. Reports the requests
//! the sandbox counted against the plan's own count (at most 3 per changed group plus
//! the listing), the time against the quota's floor for that many requests (its
//! windows after the first), and the 429s (target at most 8). Then a second plan,
//! which must be empty (convergence).
//!
//! Without `--bench` (e.g. `cargo test --benches`) it runs a quick smoke version.
//! With `SYNC_TRACE` set it prints the pacer's log (`tallyfy_groups::pacing`, debug):
//! the windows it learned, each 429's wait, whether the headers were believed.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use tallyfy_groups::sync::{DesiredGroup, DesiredState, Plan};
use tallyfy_groups::{Client, Group};
use tallyfy_groups_sandbox::{Sandbox, SandboxLimit};

struct Setup {
    groups: usize,
    changed: usize,
    quota: (u32, Duration),
}

const FULL: Setup = Setup {
    groups: 1000,
    changed: 200,
    quota: (100, Duration::from_secs(5)),
};

const SMOKE: Setup = Setup {
    groups: 50,
    changed: 10,
    quota: (20, Duration::from_millis(500)),
};

fn main() -> ExitCode {
    if std::env::var_os("SYNC_TRACE").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "tallyfy_groups::pacing=debug",
            ))
            .init();
    }
    let setup = if std::env::args().any(|a| a == "--bench") {
        FULL
    } else {
        SMOKE
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    if runtime.block_on(run(&setup)) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

async fn all(client: &Client) -> Vec<Group> {
    (client
        .groups()
        .list()
        .into_paginator()
        .concurrency(4)
        .items())
    .try_collect()
    .await
    .expect("a complete listing")
}

/// The floor for `requests` under `n` per `window` fixed windows: its windows after the first.
fn floor(requests: u64, (n, window): (u32, Duration)) -> Duration {
    window * (requests.div_ceil(u64::from(n)).saturating_sub(1) as u32)
}

async fn run(setup: &Setup) -> bool {
    let sandbox = Sandbox::builder()
        .seed(setup.groups)
        .latency(Duration::from_millis(10))
        .limit(Some(SandboxLimit::laravel(&[setup.quota])))
        .start()
        .await;
    let client = Client::builder()
        .token("bench-token")
        .org_id(sandbox.org_id())
        .base_url(sandbox.base_url())
        .build()
        .expect("the bench client builds");
    // The desired state: every group as it is, the first `changed` with one more member.
    let before = all(&client).await;
    let desired = DesiredState {
        groups: (before.iter().enumerate())
            .map(|(i, g)| {
                let mut members = g.member_ids().expect("integer ids");
                if i < setup.changed {
                    members.push(900_000 + i as i64);
                }
                DesiredGroup {
                    name: g.name.clone(),
                    members: Some(members),
                    ..DesiredGroup::default()
                }
            })
            .collect(),
        ..DesiredState::default()
    };
    // Let the first windows pass, so the measured run starts on a fresh quota.
    tokio::time::sleep(setup.quota.1 * 2).await;

    let (counted, refused) = (sandbox.request_count(), sandbox.rate_limited_count());
    let started = Instant::now();
    let plan = Plan::new(&desired, &all(&client).await).expect("a plan");
    let outcomes = plan.apply(&client.groups(), 4).await;
    let took = started.elapsed();
    let sent = sandbox.request_count() - counted - (sandbox.rate_limited_count() - refused);
    let throttled = sandbox.rate_limited_count() - refused;
    let failed = outcomes.iter().filter(|o| o.result.is_err()).count();
    let floor = floor(plan.requests(), setup.quota);
    let pages = (setup.groups as u64).div_ceil(100);
    println!(
        "sync bench: {} groups, {} changed, Laravel {} per {:?}",
        setup.groups, setup.changed, setup.quota.0, setup.quota.1
    );
    println!(
        "  requests answered (429s not counted): {sent}; the plan's count {} (listing {pages} + 3 × {})",
        plan.requests(),
        plan.summary.update
    );
    println!(
        "  time {:.2} s; the quota's floor {:.2} s; ratio {:.3} (target ≤ 1.1)",
        took.as_secs_f64(),
        floor.as_secs_f64(),
        took.as_secs_f64() / floor.as_secs_f64().max(f64::EPSILON)
    );
    println!("  429s: {throttled} (target ≤ 8); failed changes: {failed}");
    let converged = Plan::new(&desired, &all(&client).await)
        .expect("a plan")
        .is_empty();
    println!("  a second plan is empty: {converged}");
    let ok =
        failed == 0 && converged && sent == plan.requests() && plan.summary.update == setup.changed;
    if !ok {
        eprintln!("sync bench: a promise broke (see above)");
    }
    ok
}
