//! Test support: a rate-limited server simulated on tokio's paused clock (a token
//! bucket or a fixed window, with or without `X-RateLimit-*` headers, answering as
//! the sandbox's limiters do), and a listing of `pages` requests through `workers`
//! concurrent tasks over it, paced by a [`RateLimiter`] or unpaced (each 429 retried
//! after its `Retry-After` alone, as the retry policy does). Virtual time makes the
//! runs exact, so paced and unpaced runs can be compared deterministically.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use tokio::time::Instant;

use super::RateLimiter;

/// The server's latency: it counts a request this long after it was sent (the
/// sandbox sleeps before its limiter decides) and answers at once.
pub(super) const LATENCY: Duration = Duration::from_millis(20);

/// A simulated limit.
pub(super) enum Limit {
    /// `rate` tokens per second, at most `burst`, full at the start.
    Bucket { rate: f64, burst: f64 },
    /// `n` per `window`, windows counted from the start.
    Window { n: u64, window: Duration },
}

/// A simulated server: its limit, its state, and the times of its 429s.
pub(super) struct Server {
    limit: Limit,
    headers: bool,
    start: Instant,
    tokens: f64,
    counted_at: Instant,
    index: u64,
    used: u64,
    refusals: Vec<Duration>,
}

impl Server {
    pub(super) fn new(limit: Limit, headers: bool) -> Server {
        let now = Instant::now();
        let tokens = match limit {
            Limit::Bucket { burst, .. } => burst,
            Limit::Window { .. } => 0.0,
        };
        Server {
            limit,
            headers,
            start: now,
            tokens,
            counted_at: now,
            index: 0,
            used: 0,
            refusals: Vec::new(),
        }
    }

    /// Decides one request at `now`: its status and headers, whole seconds rounded
    /// up as the sandbox sends them.
    fn answer(&mut self, now: Instant) -> (StatusCode, HeaderMap) {
        // (allowed, limit, remaining, reset, retry-after), times in seconds.
        let (allowed, limit, remaining, reset, retry_after) = match self.limit {
            Limit::Bucket { rate, burst } => {
                let elapsed = (now - self.counted_at).as_secs_f64();
                self.tokens = (self.tokens + elapsed * rate).min(burst);
                self.counted_at = now;
                let allowed = self.tokens >= 1.0;
                if allowed {
                    self.tokens -= 1.0;
                }
                let next = (1.0 - self.tokens).max(0.0) / rate;
                let full = (burst - self.tokens) / rate;
                let left = self.tokens.floor() as u64;
                (allowed, burst as u64, left, full, next)
            }
            Limit::Window { n, window } => {
                let since = now - self.start;
                let index = (since.as_nanos() / window.as_nanos()) as u64;
                if index != self.index {
                    (self.index, self.used) = (index, 0);
                }
                let allowed = self.used < n;
                if allowed {
                    self.used += 1;
                }
                let end = window.as_secs_f64() * (index + 1) as f64 - since.as_secs_f64();
                (allowed, n, n - self.used, end, end)
            }
        };
        let whole = |s: f64| (s.max(0.0).ceil() as u64).to_string();
        let mut headers = HeaderMap::new();
        let mut put = |name: &'static str, value: String| {
            headers.insert(name, HeaderValue::from_str(&value).unwrap());
        };
        if self.headers {
            put("x-ratelimit-limit", limit.to_string());
            put("x-ratelimit-remaining", remaining.to_string());
            put("x-ratelimit-reset", whole(reset));
        }
        if allowed {
            return (StatusCode::OK, headers);
        }
        self.refusals.push(now - self.start);
        put("retry-after", whole(retry_after.max(1.0)));
        (StatusCode::TOO_MANY_REQUESTS, headers)
    }
}

/// What a simulated listing did.
#[derive(Debug)]
pub(super) struct Run {
    /// Virtual time from the first send to the last answer.
    pub took: Duration,
    /// When the server answered 429, from its start.
    pub refusals: Vec<Duration>,
}

impl Run {
    /// 429s in all.
    pub(super) fn throttled(&self) -> usize {
        self.refusals.len()
    }

    /// 429s at or after `t` from the start.
    pub(super) fn throttled_after(&self, t: Duration) -> usize {
        self.refusals.iter().filter(|at| **at >= t).count()
    }

    /// Requests per second that got through.
    pub(super) fn rate(&self, pages: u64) -> f64 {
        pages as f64 / self.took.as_secs_f64()
    }
}

/// Sends `pages` requests through `workers` tasks to `server`, each until it gets
/// through: paced by `limiter`, or (`limiter` unpaced) sleeping each 429's
/// `Retry-After` before trying again.
pub(super) async fn run(server: Server, limiter: RateLimiter, pages: u64, workers: usize) -> Run {
    let server = Arc::new(Mutex::new(server));
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
                    let (status, reply) = server.lock().unwrap().answer(Instant::now());
                    let seen = limiter.observe(permit, status, &reply);
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
