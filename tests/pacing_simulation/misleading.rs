//! Headers that mislead (#30) on tokio's paused clock: a token bucket of 4 per second
//! (burst 4) whose `X-RateLimit-Reset` is the next whole second, as if a window of 4
//! reopened then, while the bucket refills continuously. A pacer that believes the
//! header model sends 4 at each second and meets 429s the model says cannot happen;
//! once contradicted it must stop trusting the model and pace at the adaptive rate.

use tallyfy_groups_sandbox::SandboxLimit;

use crate::simulate::{Server, run};
use tallyfy_groups::RateLimiter;

const R: f64 = 4.0;
const PAGES: u64 = 100;
const WORKERS: usize = 8;

// Proves the pacer stops trusting headers that 429s contradict: at most one 429 per
// worker in all, and throughput ≥ 0.85 of the bucket's rate; the retry-only client
// meets many more.
#[tokio::test(start_paused = true)]
async fn next_second_reset_is_not_trusted_once_contradicted() {
    let limit = || SandboxLimit::token_bucket_next_second_reset(R, R as u32);
    let paced = run(Server::new(limit()), RateLimiter::new(), PAGES, WORKERS).await;
    let unpaced = run(Server::new(limit()), RateLimiter::unpaced(), PAGES, WORKERS).await;
    println!(
        "{}: paced {:?} = {:.3} R, {} × 429 at {:?}; retry-only {:?}, {} × 429",
        limit(),
        paced.took,
        paced.rate(PAGES) / R,
        paced.throttled(),
        paced.refusals,
        unpaced.took,
        unpaced.throttled()
    );
    let report = format!("paced {paced:?}\nretry-only {unpaced:?}");
    assert!(paced.throttled() <= WORKERS, "{report}");
    assert!(paced.rate(PAGES) >= 0.85 * R, "{report}");
    assert!(unpaced.throttled() > 2 * WORKERS, "{report}");
}
