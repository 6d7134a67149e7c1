//! Real rate limiters for the sandbox, chosen with
//! [`SandboxBuilder::limit`](crate::SandboxBuilder::limit): a token bucket (`R` per
//! second, burst `B`) and a fixed window (`N` per window, windows counted from the
//! sandbox's start), each with or without `X-RateLimit-*` headers. Over the limit the
//! answer is the API's 429 `RATE_LIMIT_EXCEEDED` with a whole-second `Retry-After`.
//! It only decides and stamps headers; the server's middleware asks it with the real
//! clock. [`SandboxLimiter::starting_at`] and [`SandboxLimiter::check_at`] let a
//! simulation drive the same limiter on a clock of its own (the client crate's
//! pacing tests use tokio's paused clock); they reach it through the hidden
//! [`crate::simulation`] seam, not the public API.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::errors::ApiError;

/// A rate limit the sandbox enforces on every request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SandboxLimit {
    kind: Kind,
    headers: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    TokenBucket { per_second: f64, burst: u32 },
    FixedWindow { n: u32, window: Duration },
}

impl SandboxLimit {
    /// A token bucket: `per_second` tokens a second, holding at most `burst` (at
    /// least 1), full at the start; each request takes one. A 429's `Retry-After` is
    /// the time to the next token, rounded up to whole seconds.
    ///
    /// With headers: `X-RateLimit-Limit` is `burst`, `-Remaining` the whole tokens
    /// left, `-Reset` the seconds until the bucket is full again (rounded up).
    pub fn token_bucket(per_second: f64, burst: u32) -> SandboxLimit {
        let per_second = if per_second.is_finite() && per_second > 0.0 {
            per_second
        } else {
            1.0
        };
        SandboxLimit {
            kind: Kind::TokenBucket {
                per_second,
                burst: burst.max(1),
            },
            headers: false,
        }
    }

    /// A fixed window: `n` requests per `window` (at least 1 ms), windows counted
    /// from the sandbox's start. A 429's `Retry-After` is the time to the window's
    /// end, rounded up to whole seconds.
    ///
    /// With headers: `X-RateLimit-Limit` is `n`, `-Remaining` what is left of the
    /// window, `-Reset` the seconds to its end (rounded up).
    pub fn fixed_window(n: u32, window: Duration) -> SandboxLimit {
        SandboxLimit {
            kind: Kind::FixedWindow {
                n,
                window: window.max(Duration::from_millis(1)),
            },
            headers: false,
        }
    }

    /// Sends `X-RateLimit-Limit`, `-Remaining` and `-Reset` on every answer (off by
    /// default: only `Retry-After` on a 429).
    pub fn with_headers(mut self, headers: bool) -> SandboxLimit {
        self.headers = headers;
        self
    }
}

/// `bucket:R[:B]` (burst defaults to `R`, rounded up) or `window:N/SECONDS`, either
/// followed by `+headers`: `bucket:10:10+headers`, `window:60/6`.
impl FromStr for SandboxLimit {
    type Err = String;

    fn from_str(text: &str) -> Result<SandboxLimit, String> {
        let bad = || {
            format!(
                "{text:?} is not a limit: use bucket:R[:B] or window:N/SECONDS, optionally +headers"
            )
        };
        let (spec, headers) = match text.trim().strip_suffix("+headers") {
            Some(spec) => (spec, true),
            None => (text.trim(), false),
        };
        let (kind, args) = spec.split_once(':').ok_or_else(bad)?;
        let limit = match kind {
            "bucket" => {
                let (rate, burst) = args
                    .split_once(':')
                    .map_or((args, None), |(r, b)| (r, Some(b)));
                let rate: f64 = rate.parse().map_err(|_| bad())?;
                if !(rate.is_finite() && rate > 0.0) {
                    return Err(bad());
                }
                let burst = match burst {
                    Some(b) => b.parse().map_err(|_| bad())?,
                    None => rate.ceil() as u32,
                };
                SandboxLimit::token_bucket(rate, burst)
            }
            "window" => {
                let (n, secs) = args.split_once('/').ok_or_else(bad)?;
                let secs: f64 = secs.parse().map_err(|_| bad())?;
                if !(secs.is_finite() && secs > 0.0 && secs < 1e9) {
                    return Err(bad());
                }
                SandboxLimit::fixed_window(
                    n.parse().map_err(|_| bad())?,
                    Duration::from_secs_f64(secs),
                )
            }
            _ => return Err(bad()),
        };
        Ok(limit.with_headers(headers))
    }
}

/// A running limiter: the limit and its state.
pub struct SandboxLimiter {
    limit: SandboxLimit,
    state: Mutex<State>,
    refused: AtomicU64,
}

struct State {
    start: Instant,
    /// Token bucket: tokens now and when they were counted.
    tokens: f64,
    counted_at: Instant,
    /// Fixed window: the current window's index and requests in it.
    window: u64,
    used: u32,
}

/// Whether one request may go, and the headers its answer carries.
#[derive(Debug)]
pub struct LimitVerdict {
    refused: Option<u64>,
    headers: HeaderMap,
}

impl SandboxLimiter {
    /// A limiter whose first window (or full bucket) starts now.
    pub fn new(limit: SandboxLimit) -> SandboxLimiter {
        SandboxLimiter::starting_at(limit, Instant::now())
    }

    /// A limiter whose first window (or full bucket) starts at `now`.
    pub fn starting_at(limit: SandboxLimit, now: Instant) -> SandboxLimiter {
        let tokens = match limit.kind {
            Kind::TokenBucket { burst, .. } => f64::from(burst),
            Kind::FixedWindow { .. } => 0.0,
        };
        SandboxLimiter {
            limit,
            state: Mutex::new(State {
                start: now,
                tokens,
                counted_at: now,
                window: 0,
                used: 0,
            }),
            refused: AtomicU64::new(0),
        }
    }

    /// Decides one request now.
    pub(crate) fn check(&self) -> LimitVerdict {
        self.check_at(Instant::now())
    }

    /// Decides one request at `now` (not before the last `now` it was asked at).
    pub fn check_at(&self, now: Instant) -> LimitVerdict {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        // (allowed, limit, remaining, reset, retry-after), times in seconds.
        let (allowed, limit, remaining, reset, retry_after) = match self.limit.kind {
            Kind::TokenBucket { per_second, burst } => {
                let burst = f64::from(burst);
                let elapsed = now.saturating_duration_since(state.counted_at);
                state.tokens = (state.tokens + elapsed.as_secs_f64() * per_second).min(burst);
                state.counted_at = now;
                let allowed = state.tokens >= 1.0;
                if allowed {
                    state.tokens -= 1.0;
                }
                let next_token = (1.0 - state.tokens).max(0.0) / per_second;
                let full = (burst - state.tokens) / per_second;
                (
                    allowed,
                    burst as u64,
                    state.tokens.floor() as u64,
                    full,
                    next_token,
                )
            }
            Kind::FixedWindow { n, window } => {
                let since = now.saturating_duration_since(state.start);
                let index = (since.as_nanos() / window.as_nanos()) as u64;
                if index != state.window {
                    (state.window, state.used) = (index, 0);
                }
                let allowed = state.used < n;
                if allowed {
                    state.used += 1;
                }
                let end = window.as_secs_f64() * (index + 1) as f64;
                let left = end - since.as_secs_f64();
                (allowed, u64::from(n), u64::from(n - state.used), left, left)
            }
        };
        let mut headers = HeaderMap::new();
        if self.limit.headers {
            headers.insert("x-ratelimit-limit", HeaderValue::from(limit));
            headers.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
            headers.insert("x-ratelimit-reset", HeaderValue::from(whole_seconds(reset)));
        }
        let refused = (!allowed).then(|| {
            self.refused.fetch_add(1, Ordering::Relaxed);
            whole_seconds(retry_after).max(1)
        });
        LimitVerdict { refused, headers }
    }

    /// How many requests it refused.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }
}

impl fmt::Debug for SandboxLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxLimiter")
            .field("limit", &self.limit)
            .field("refused", &self.refused())
            .finish_non_exhaustive()
    }
}

impl LimitVerdict {
    /// The whole seconds of the 429's `Retry-After` (at least 1), if refused.
    pub fn retry_after_secs(&self) -> Option<u64> {
        self.refused
    }

    /// The `X-RateLimit-*` headers the answer carries (none without headers).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The 429 answer, if the request is refused.
    pub(crate) fn refusal(&self) -> Option<Response> {
        let retry_after_secs = self.refused?;
        let mut response = ApiError::RateLimited { retry_after_secs }.into_response();
        // The injected-429 shape carries X-RateLimit-Remaining: 0; a limiter without
        // headers sends none, and one with headers sends its own below.
        response.headers_mut().remove("x-ratelimit-remaining");
        Some(response)
    }

    /// Adds the limiter's headers (if any) to the answer.
    pub(crate) fn stamp(self, headers: &mut HeaderMap) {
        headers.extend(self.headers);
    }
}

fn whole_seconds(seconds: f64) -> u64 {
    seconds.max(0.0).ceil() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused_at(limiter: &SandboxLimiter, now: Instant) -> Option<u64> {
        limiter.check_at(now).refused
    }

    // Proves the bucket lets `burst` through at once, then one per 1/R, and a 429's
    // Retry-After is the next token's time rounded up.
    #[test]
    fn token_bucket_refills_at_its_rate() {
        let limiter = SandboxLimiter::new(SandboxLimit::token_bucket(10.0, 3));
        let t0 = limiter.state.lock().unwrap().start;
        for _ in 0..3 {
            assert_eq!(refused_at(&limiter, t0), None);
        }
        assert_eq!(refused_at(&limiter, t0), Some(1));
        assert_eq!(refused_at(&limiter, t0 + Duration::from_millis(100)), None);
        assert_eq!(
            refused_at(&limiter, t0 + Duration::from_millis(150)),
            Some(1)
        );
        assert_eq!(limiter.refused(), 2);
    }

    // Proves the fixed window takes N per window, refuses the rest with Retry-After to
    // the window's end, and starts afresh in the next window; headers count down.
    #[test]
    fn fixed_window_resets_at_its_end() {
        let limit = SandboxLimit::fixed_window(2, Duration::from_secs(6)).with_headers(true);
        let limiter = SandboxLimiter::new(limit);
        let t0 = limiter.state.lock().unwrap().start;
        let first = limiter.check_at(t0 + Duration::from_millis(500));
        assert_eq!(first.headers["x-ratelimit-remaining"], "1");
        assert_eq!(first.headers["x-ratelimit-reset"], "6");
        assert_eq!(refused_at(&limiter, t0 + Duration::from_secs(1)), None);
        let third = limiter.check_at(t0 + Duration::from_millis(1500));
        assert_eq!(third.refused, Some(5));
        assert_eq!(third.headers["x-ratelimit-remaining"], "0");
        assert_eq!(refused_at(&limiter, t0 + Duration::from_secs(6)), None);
    }

    // Proves the text form parses both limiters and rejects nonsense clearly.
    #[test]
    fn parses_text_form() {
        let bucket: SandboxLimit = "bucket:10:5+headers".parse().unwrap();
        assert_eq!(
            bucket,
            SandboxLimit::token_bucket(10.0, 5).with_headers(true)
        );
        let window: SandboxLimit = "window:60/6".parse().unwrap();
        assert_eq!(
            window,
            SandboxLimit::fixed_window(60, Duration::from_secs(6))
        );
        assert_eq!("bucket:2.5".parse(), Ok(SandboxLimit::token_bucket(2.5, 3)));
        for bad in [
            "",
            "bucket",
            "bucket:x",
            "bucket:-1",
            "window:5",
            "window:5/0",
            "cap:1",
        ] {
            assert!(bad.parse::<SandboxLimit>().is_err(), "{bad:?}");
        }
    }
}
