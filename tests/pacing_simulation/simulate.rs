//! Test support: a rate-limited server simulated on tokio's paused clock (the
//! sandbox's own [`SandboxLimiter`]: a token bucket or a fixed window, with or without
//! `X-RateLimit-*` headers, driven on virtual time), and a listing of `pages` requests
//! through `workers` concurrent tasks over it, paced by a [`RateLimiter`] or unpaced
//! (each 429 retried after its `Retry-After` alone, as the retry policy does).
//! Virtual time makes the runs exact, so paced and unpaced runs can be compared
//! deterministically.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use tallyfy_groups_sandbox::SandboxLimit;
use tallyfy_groups_sandbox::simulation::SandboxLimiter;
use tokio::time::Instant;

use tallyfy_groups::RateLimiter;

/// The cap on waiting the simulated client observes with: `RetryPolicy::default()`'s.
const CAP: Duration = Duration::from_secs(120);

/// The server's latency: it counts a request this long after it was sent (the
/// sandbox sleeps before its limiter decides) and answers at once.
pub(crate) const LATENCY: Duration = Duration::from_millis(20);

/// The Unix time the simulated server starts at (a whole second, as a fixed value
/// gives the same `X-RateLimit-Reset` on every run).
const UNIX_START: u64 = 1_800_000_000;

/// The wall-clock time at virtual `now`, on the server's and the client's clock
/// alike: the Unix start plus the virtual time since `start`.
fn wall(start: Instant, now: Instant) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(UNIX_START) + (now - start)
}

/// A simulated server: the sandbox's limiter on virtual time, and when it said 429.
pub(crate) struct Server {
    limiter: SandboxLimiter,
    start: Instant,
    refusals: Vec<Duration>,
}

impl Server {
    /// A server enforcing `limit`, its first window (or full bucket) starting now.
    pub(crate) fn new(limit: SandboxLimit) -> Server {
        // Under the paused clock tokio's `Instant` is virtual; as a std `Instant` it
        // is what the sandbox's limiter counts in.
        let start = Instant::now();
        Server {
            limiter: SandboxLimiter::starting_at_unix(limit, start.into_std(), wall(start, start)),
            start,
            refusals: Vec::new(),
        }
    }

    /// Decides one request at `now`: its status and headers, as the sandbox sends them.
    fn answer(&mut self, now: Instant) -> (StatusCode, HeaderMap) {
        let verdict = self.limiter.check_at(now.into_std());
        let mut headers = verdict.headers().clone();
        match verdict.retry_after_secs() {
            None => (StatusCode::OK, headers),
            Some(secs) => {
                self.refusals.push(now - self.start);
                headers.insert("retry-after", HeaderValue::from(secs));
                (StatusCode::TOO_MANY_REQUESTS, headers)
            }
        }
    }
}

/// What a simulated listing did.
#[derive(Debug)]
pub(crate) struct Run {
    /// Virtual time from the first send to the last answer.
    pub took: Duration,
    /// When the server answered 429, from its start.
    pub refusals: Vec<Duration>,
}

impl Run {
    /// 429s in all.
    pub(crate) fn throttled(&self) -> usize {
        self.refusals.len()
    }

    /// 429s at or after `t` from the start.
    pub(crate) fn throttled_after(&self, t: Duration) -> usize {
        self.refusals.iter().filter(|at| **at >= t).count()
    }

    /// Requests per second that got through.
    pub(crate) fn rate(&self, pages: u64) -> f64 {
        pages as f64 / self.took.as_secs_f64()
    }
}

/// Sends `pages` requests through `workers` tasks to `server`, each until it gets
/// through: paced by `limiter`, or (`limiter` unpaced) sleeping each 429's
/// `Retry-After` before trying again.
pub(crate) async fn run(server: Server, limiter: RateLimiter, pages: u64, workers: usize) -> Run {
    run_shared(&Arc::new(Mutex::new(server)), limiter, pages, workers).await
}

/// [`run`] on a server that outlives it (runs one after the other, its windows and
/// counts carried over); the run's refusals are taken from the server.
pub(crate) async fn run_shared(
    server: &Arc<Mutex<Server>>,
    limiter: RateLimiter,
    pages: u64,
    workers: usize,
) -> Run {
    let next = Arc::new(Mutex::new(0u64));
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let (limiter, server, next) = (limiter.clone(), server.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                {
                    let mut next = next.lock().unwrap();
                    if *next == pages {
                        return;
                    }
                    *next += 1;
                }
                loop {
                    let permit = limiter.ready(None).await.unwrap();
                    tokio::time::sleep(LATENCY).await;
                    let (status, reply, start) = {
                        let mut server = server.lock().unwrap();
                        let (status, reply) = server.answer(Instant::now());
                        (status, reply, server.start)
                    };
                    let now = wall(start, Instant::now());
                    let seen = limiter.observe_at(permit, status, &reply, CAP, now);
                    if !seen.throttled {
                        break;
                    }
                    if !limiter.is_paced() {
                        let secs = reply["retry-after"].to_str().unwrap().parse().unwrap();
                        tokio::time::sleep(Duration::from_secs(secs)).await;
                    }
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let took = t0.elapsed();
    let refusals = std::mem::take(&mut server.lock().unwrap().refusals);
    Run { took, refusals }
}
