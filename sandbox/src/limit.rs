//! Real rate limiters for the sandbox, chosen with
//! [`SandboxBuilder::limit`](crate::SandboxBuilder::limit): a token bucket (`R` per
//! second, burst `B`), a fixed window (`N` per window, windows counted from the
//! sandbox's start), each with or without `X-RateLimit-*` headers, and Laravel's
//! `ThrottleRequests` (one or more windows, each opened by its first request, with
//! Laravel's headers). Over the limit the answer is the API's 429
//! `RATE_LIMIT_EXCEEDED` with a whole-second `Retry-After`.
//! It only decides and stamps headers; the server's middleware asks it with the real
//! clock. [`SandboxLimiter::starting_at`] and [`SandboxLimiter::check_at`] let a
//! simulation drive the same limiter on a clock of its own (the client crate's
//! pacing tests use tokio's paused clock); they reach it through the hidden
//! [`crate::simulation`] seam, not the public API.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::errors::ApiError;

/// How many limits one [`SandboxLimit::laravel`] holds at most.
const LARAVEL_MAX: usize = 4;

/// A rate limit the sandbox enforces on every request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SandboxLimit {
    kind: Kind,
    headers: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    TokenBucket {
        per_second: f64,
        burst: u32,
        reset: BucketReset,
    },
    FixedWindow {
        n: u32,
        window: Duration,
    },
    Laravel(LaravelLimits),
}

/// What a token bucket's `X-RateLimit-Reset` says.
#[derive(Clone, Copy, Debug, PartialEq)]
enum BucketReset {
    /// The seconds until the bucket is full again (rounded up).
    UntilFull,
    /// The Unix time of the next whole second, whatever the bucket holds.
    NextSecond,
}

/// Laravel's limits in declaration order: `(n, decay)` each, `len` of them used.
/// A fixed-size array keeps [`SandboxLimit`] `Copy`.
#[derive(Clone, Copy, PartialEq)]
struct LaravelLimits {
    limits: [(u32, Duration); LARAVEL_MAX],
    len: usize,
}

impl LaravelLimits {
    fn as_slice(&self) -> &[(u32, Duration)] {
        &self.limits[..self.len]
    }
}

impl fmt::Debug for LaravelLimits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl SandboxLimit {
    /// The most limits one [`laravel`](Self::laravel) limit holds.
    pub const LARAVEL_MAX_LIMITS: usize = LARAVEL_MAX;

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
                reset: BucketReset::UntilFull,
            },
            headers: false,
        }
    }

    /// The same token bucket with headers that mislead, as some servers send them:
    /// `X-RateLimit-Limit` is `burst`, `-Remaining` the whole tokens left, and
    /// `-Reset` the **Unix time of the next whole second**, as if a window of
    /// `burst` requests reopened then, while the bucket refills continuously at
    /// `per_second` (at that second it holds only what has dripped back in). A
    /// client that reads `Reset` as "all of `Limit` again" is contradicted by 429s.
    /// Headers are on (`with_headers(false)` turns them off, leaving a plain bucket).
    pub fn token_bucket_next_second_reset(per_second: f64, burst: u32) -> SandboxLimit {
        let mut limit = SandboxLimit::token_bucket(per_second, burst).with_headers(true);
        if let Kind::TokenBucket { reset, .. } = &mut limit.kind {
            *reset = BucketReset::NextSecond;
        }
        limit
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

    /// Laravel's `ThrottleRequests` middleware with the route's `limits`, in
    /// declaration order: `(n, decay)` each (`n` at least 1, `decay` at least 1 ms;
    /// Laravel's are whole seconds), e.g. `&[(100, 60 s), (1000, 3600 s)]` for 100
    /// a minute and 1,000 an hour.
    ///
    /// - Each limit is a fixed window whose timer starts at the first request after
    ///   its previous window expired (not at the sandbox's start) and counts `n`
    ///   requests until `decay` has passed.
    /// - A request is checked against the limits in order and counted by each one
    ///   it passes, as Laravel checks and counts limit by limit: the first limit
    ///   that is exhausted refuses it, and neither that limit nor those after it
    ///   count it (the limits before it already have).
    /// - A passing answer carries `X-RateLimit-Limit` and `X-RateLimit-Remaining`
    ///   (no `Reset`) of the **last** limit: Laravel writes each limit's headers in
    ///   turn over the one before, so a short window behind a long one is invisible
    ///   until it refuses.
    /// - A 429 carries the refusing limit's `Retry-After` (whole seconds until its
    ///   window ends, rounded up), `X-RateLimit-Reset` (the Unix time of that end,
    ///   rounded up), `X-RateLimit-Limit` (its `n`) and `X-RateLimit-Remaining: 0`.
    ///
    /// Headers are on, as Laravel sends them; `with_headers(false)` leaves only
    /// `Retry-After`.
    ///
    /// # Panics
    /// If `limits` is empty or holds more than
    /// [`LARAVEL_MAX_LIMITS`](Self::LARAVEL_MAX_LIMITS).
    pub fn laravel(limits: &[(u32, Duration)]) -> SandboxLimit {
        assert!(
            (1..=LARAVEL_MAX).contains(&limits.len()),
            "a Laravel limit holds 1 to {LARAVEL_MAX} limits, not {}",
            limits.len()
        );
        let mut laravel = LaravelLimits {
            limits: [(0, Duration::ZERO); LARAVEL_MAX],
            len: limits.len(),
        };
        for (slot, &(n, decay)) in laravel.limits.iter_mut().zip(limits) {
            *slot = (n.max(1), decay.max(Duration::from_millis(1)));
        }
        SandboxLimit {
            kind: Kind::Laravel(laravel),
            headers: true,
        }
    }

    /// Whether answers carry `X-RateLimit-*` headers (off by default for the token
    /// bucket and the fixed window: only `Retry-After` on a 429; on by default for
    /// [`laravel`](Self::laravel) and
    /// [`token_bucket_next_second_reset`](Self::token_bucket_next_second_reset)).
    pub fn with_headers(mut self, headers: bool) -> SandboxLimit {
        self.headers = headers;
        self
    }
}

/// The text form: `bucket:R[:B]` (burst defaults to `R`, rounded up),
/// `window:N/SECONDS` or `laravel:N/SECONDS[,N/SECONDS…]` (up to
/// [`SandboxLimit::LARAVEL_MAX_LIMITS`] limits, in declaration order), SECONDS
/// optionally ending in `s`; then `+headers` for `X-RateLimit-*` headers (Laravel's
/// are always on), or, for a bucket, `+next-second-reset` for
/// [`SandboxLimit::token_bucket_next_second_reset`]. E.g. `bucket:10:10+headers`,
/// `window:60/6`, `laravel:100/60,1000/3600`, `bucket:4+next-second-reset`.
impl FromStr for SandboxLimit {
    type Err = String;

    fn from_str(text: &str) -> Result<SandboxLimit, String> {
        let bad = || {
            format!(
                "{text:?} is not a limit: use bucket:R[:B], window:N/SECONDS or \
                 laravel:N/SECONDS[,N/SECONDS...], optionally +headers \
                 (a bucket also +next-second-reset)"
            )
        };
        let (spec, suffix) = match text.trim().split_once('+') {
            Some((spec, suffix)) => (spec, Some(suffix)),
            None => (text.trim(), None),
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
                if suffix == Some("next-second-reset") {
                    return Ok(SandboxLimit::token_bucket_next_second_reset(rate, burst));
                }
                SandboxLimit::token_bucket(rate, burst)
            }
            "window" => {
                let (n, secs) = args.split_once('/').ok_or_else(bad)?;
                SandboxLimit::fixed_window(
                    n.parse().map_err(|_| bad())?,
                    seconds(secs).ok_or_else(bad)?,
                )
            }
            "laravel" => {
                let mut limits = Vec::new();
                for one in args.split(',') {
                    let (n, secs) = one.split_once('/').ok_or_else(bad)?;
                    let n: u32 = n.trim().parse().map_err(|_| bad())?;
                    if n == 0 {
                        return Err(bad());
                    }
                    limits.push((n, seconds(secs).ok_or_else(bad)?));
                }
                if limits.len() > LARAVEL_MAX {
                    return Err(format!(
                        "{text:?}: a laravel limit holds at most {LARAVEL_MAX} limits"
                    ));
                }
                SandboxLimit::laravel(&limits)
            }
            _ => return Err(bad()),
        };
        match suffix {
            None => Ok(limit),
            Some("headers") => Ok(limit.with_headers(true)),
            Some(_) => Err(bad()),
        }
    }
}

/// `SECONDS` or `SECONDSs`: a positive, finite number of seconds under 10⁹.
fn seconds(text: &str) -> Option<Duration> {
    let text = text.trim();
    let secs: f64 = text.strip_suffix('s').unwrap_or(text).parse().ok()?;
    (secs.is_finite() && secs > 0.0 && secs < 1e9).then(|| Duration::from_secs_f64(secs))
}

/// The text form ([`FromStr`]); a Laravel limit or a next-second-reset bucket with
/// headers turned off, which the text form cannot say, is followed by
/// ` without headers`.
impl fmt::Display for SandboxLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = |d: Duration| d.as_secs_f64();
        let hidden = match self.kind {
            Kind::TokenBucket {
                per_second,
                burst,
                reset,
            } => {
                write!(f, "bucket:{per_second}:{burst}")?;
                match (reset, self.headers) {
                    (BucketReset::NextSecond, true) => f.write_str("+next-second-reset")?,
                    (BucketReset::UntilFull, true) => f.write_str("+headers")?,
                    (_, false) => {}
                }
                reset == BucketReset::NextSecond && !self.headers
            }
            Kind::FixedWindow { n, window } => {
                write!(f, "window:{n}/{}", secs(window))?;
                if self.headers {
                    f.write_str("+headers")?;
                }
                false
            }
            Kind::Laravel(laravel) => {
                f.write_str("laravel:")?;
                for (i, &(n, decay)) in laravel.as_slice().iter().enumerate() {
                    let comma = if i == 0 { "" } else { "," };
                    write!(f, "{comma}{n}/{}", secs(decay))?;
                }
                !self.headers
            }
        };
        if hidden {
            f.write_str(" without headers")?;
        }
        Ok(())
    }
}

/// A running limiter: the limit and its state.
pub struct SandboxLimiter {
    limit: SandboxLimit,
    /// The Unix time at the instant the limiter started; `X-RateLimit-Reset` Unix
    /// times count from it along the limiter's own clock.
    unix_start: Duration,
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
    /// Laravel: each limit's open window, if any.
    laravel: [LaravelWindow; LARAVEL_MAX],
}

/// One Laravel limit's window: when it ends (none open before the first request)
/// and the requests it counted.
#[derive(Clone, Copy, Default)]
struct LaravelWindow {
    ends: Option<Instant>,
    hits: u32,
}

/// What one check decided: whether the request goes, the seconds until it could
/// (if not), and the counts its headers show.
struct Decision {
    allowed: bool,
    retry_after: f64,
    limit: u64,
    remaining: u64,
    reset: Option<u64>,
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

    /// A limiter whose first window (or full bucket) starts at `now` (Laravel's
    /// windows start at their first request). `X-RateLimit-Reset` Unix times take
    /// the system clock's reading now as the Unix time of `now`.
    pub fn starting_at(limit: SandboxLimit, now: Instant) -> SandboxLimiter {
        SandboxLimiter::starting_at_unix(limit, now, SystemTime::now())
    }

    /// Like [`starting_at`](Self::starting_at), with `unix_now` as the Unix time
    /// of `now`, so that a simulation gets the same `X-RateLimit-Reset` values on
    /// every run.
    pub fn starting_at_unix(
        limit: SandboxLimit,
        now: Instant,
        unix_now: SystemTime,
    ) -> SandboxLimiter {
        let tokens = match limit.kind {
            Kind::TokenBucket { burst, .. } => f64::from(burst),
            Kind::FixedWindow { .. } | Kind::Laravel(_) => 0.0,
        };
        SandboxLimiter {
            limit,
            unix_start: unix_now.duration_since(UNIX_EPOCH).unwrap_or_default(),
            state: Mutex::new(State {
                start: now,
                tokens,
                counted_at: now,
                window: 0,
                used: 0,
                laravel: [LaravelWindow::default(); LARAVEL_MAX],
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
        let unix = |start: Instant, at: Instant| {
            self.unix_start.as_secs_f64() + at.saturating_duration_since(start).as_secs_f64()
        };
        let decision = match self.limit.kind {
            Kind::TokenBucket {
                per_second,
                burst,
                reset,
            } => {
                let burst = f64::from(burst);
                let elapsed = now.saturating_duration_since(state.counted_at);
                state.tokens = (state.tokens + elapsed.as_secs_f64() * per_second).min(burst);
                state.counted_at = now;
                let allowed = state.tokens >= 1.0;
                if allowed {
                    state.tokens -= 1.0;
                }
                let reset = match reset {
                    BucketReset::UntilFull => whole_seconds((burst - state.tokens) / per_second),
                    BucketReset::NextSecond => unix(state.start, now).floor() as u64 + 1,
                };
                Decision {
                    allowed,
                    retry_after: (1.0 - state.tokens).max(0.0) / per_second,
                    limit: burst as u64,
                    remaining: state.tokens.floor() as u64,
                    reset: Some(reset),
                }
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
                Decision {
                    allowed,
                    retry_after: left,
                    limit: u64::from(n),
                    remaining: u64::from(n - state.used),
                    reset: Some(whole_seconds(left)),
                }
            }
            Kind::Laravel(laravel) => {
                let start = state.start;
                laravel_check(&laravel, &mut state.laravel, now, |end| {
                    unix(start, end).ceil() as u64
                })
            }
        };
        let mut headers = HeaderMap::new();
        if self.limit.headers {
            headers.insert("x-ratelimit-limit", HeaderValue::from(decision.limit));
            headers.insert(
                "x-ratelimit-remaining",
                HeaderValue::from(decision.remaining),
            );
            if let Some(reset) = decision.reset {
                headers.insert("x-ratelimit-reset", HeaderValue::from(reset));
            }
        }
        let refused = (!decision.allowed).then(|| {
            self.refused.fetch_add(1, Ordering::Relaxed);
            whole_seconds(decision.retry_after).max(1)
        });
        LimitVerdict { refused, headers }
    }

    /// How many requests it refused.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }
}

/// Laravel's check, limit by limit in declaration order: a window past its end is
/// forgotten; an exhausted one refuses (its end in Unix time by `unix_end`); else
/// the request counts, opening the window if none is open. Passing, the counts are
/// the last limit's.
fn laravel_check(
    laravel: &LaravelLimits,
    windows: &mut [LaravelWindow; LARAVEL_MAX],
    now: Instant,
    unix_end: impl Fn(Instant) -> u64,
) -> Decision {
    let mut last = None;
    for (&(n, decay), window) in laravel.as_slice().iter().zip(windows.iter_mut()) {
        if window.ends.is_some_and(|end| now >= end) {
            *window = LaravelWindow::default();
        }
        if window.hits >= n {
            let end = window.ends.expect("a window that counted requests is open");
            return Decision {
                allowed: false,
                retry_after: end.saturating_duration_since(now).as_secs_f64(),
                limit: u64::from(n),
                remaining: 0,
                reset: Some(unix_end(end)),
            };
        }
        window.ends.get_or_insert(now + decay);
        window.hits += 1;
        last = Some((n, window.hits));
    }
    let (n, hits) = last.expect("a Laravel limit holds at least one limit");
    Decision {
        allowed: true,
        retry_after: 0.0,
        limit: u64::from(n),
        remaining: u64::from(n - hits),
        reset: None,
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

    const MINUTE: Duration = Duration::from_secs(60);
    const HOUR: Duration = Duration::from_secs(3600);
    /// The Unix time the tests' limiters start at (a whole second).
    const UNIX_T0: u64 = 1_800_000_000;

    /// A limiter on a clock of the test's own, its start at Unix time `UNIX_T0`.
    fn on_clock(limit: SandboxLimit) -> (SandboxLimiter, Instant) {
        let t0 = Instant::now();
        let unix = UNIX_EPOCH + Duration::from_secs(UNIX_T0);
        (SandboxLimiter::starting_at_unix(limit, t0, unix), t0)
    }

    fn secs(t0: Instant, s: f64) -> Instant {
        t0 + Duration::from_secs_f64(s)
    }

    fn header(verdict: &LimitVerdict, name: &str) -> Option<u64> {
        verdict
            .headers
            .get(name)
            .map(|v| v.to_str().unwrap().parse().unwrap())
    }

    /// (Retry-After, Limit, Remaining, Reset) of one answer.
    fn answer(verdict: &LimitVerdict) -> (Option<u64>, Option<u64>, Option<u64>, Option<u64>) {
        (
            verdict.refused,
            header(verdict, "x-ratelimit-limit"),
            header(verdict, "x-ratelimit-remaining"),
            header(verdict, "x-ratelimit-reset"),
        )
    }

    // Proves a Laravel window opens at its first request, not at the limiter's start:
    // a limiter started at 0 whose first request comes at 100 s refuses the third
    // at 150 s with Retry-After 10 (the window ends at 160 s; one counted from the
    // start would have ended at 120 s and let it through), and the next window opens
    // with the request at 160 s.
    #[test]
    fn laravel_window_opens_at_the_first_request() {
        let (limiter, t0) = on_clock(SandboxLimit::laravel(&[(2, MINUTE)]));
        assert_eq!(limiter.check_at(secs(t0, 100.0)).refused, None);
        assert_eq!(limiter.check_at(secs(t0, 130.0)).refused, None);
        let refused = limiter.check_at(secs(t0, 150.0));
        assert_eq!(
            answer(&refused),
            (Some(10), Some(2), Some(0), Some(UNIX_T0 + 160))
        );
        let next = limiter.check_at(secs(t0, 160.0));
        assert_eq!(answer(&next), (None, Some(2), Some(1), None));
        // That window runs from 160 s: 220 s is its end, 219.5 s still inside it.
        assert_eq!(limiter.check_at(secs(t0, 170.0)).refused, None);
        assert_eq!(limiter.check_at(secs(t0, 219.5)).refused, Some(1));
        assert_eq!(limiter.check_at(secs(t0, 220.0)).refused, None);
    }

    // Proves refusals leave no trace in the next window (its first request shows
    // Remaining 1 of 2 after five refusals) and that each refusal's Retry-After
    // counts down to the window's end. (That the refusing limit does not count a
    // refusal cannot be seen from outside; that later limits do not is proven below.)
    #[test]
    fn laravel_refusals_are_not_counted() {
        let (limiter, t0) = on_clock(SandboxLimit::laravel(&[(2, Duration::from_secs(10))]));
        for _ in 0..2 {
            assert_eq!(limiter.check_at(t0).refused, None);
        }
        for i in 1..=5u64 {
            let refused = limiter.check_at(secs(t0, i as f64));
            assert_eq!(refused.refused, Some(10 - i));
        }
        assert_eq!(limiter.refused(), 5);
        let next = limiter.check_at(secs(t0, 10.0));
        assert_eq!(answer(&next), (None, Some(2), Some(1), None));
    }

    // Proves, with two limits, that a request the first refuses is not counted by the
    // second (the hour keeps 3 of 5 after three refusals by the 10 s window), and
    // that a request the second refuses has been counted by the first, as Laravel
    // checks and counts limit by limit: after the hour is spent, ten refusals use up
    // the 10 s window, which then refuses in its own name (Limit 10, Retry-After
    // within 10 s) instead of the hour's.
    #[test]
    fn laravel_counts_a_request_in_the_limits_before_the_one_that_refuses() {
        let limit = SandboxLimit::laravel(&[(2, Duration::from_secs(10)), (5, HOUR)]);
        let (limiter, t0) = on_clock(limit);
        for _ in 0..2 {
            assert_eq!(limiter.check_at(t0).refused, None);
        }
        for _ in 0..3 {
            let refused = limiter.check_at(secs(t0, 1.0));
            assert_eq!(
                answer(&refused),
                (Some(9), Some(2), Some(0), Some(UNIX_T0 + 10))
            );
        }
        let after = limiter.check_at(secs(t0, 10.0));
        assert_eq!(answer(&after), (None, Some(5), Some(2), None));

        let limit = SandboxLimit::laravel(&[(10, Duration::from_secs(10)), (2, HOUR)]);
        let (limiter, t0) = on_clock(limit);
        for _ in 0..2 {
            assert_eq!(limiter.check_at(t0).refused, None);
        }
        for _ in 0..8 {
            let by_hour = limiter.check_at(secs(t0, 1.0));
            assert_eq!(
                answer(&by_hour),
                (Some(3599), Some(2), Some(0), Some(UNIX_T0 + 3600))
            );
        }
        let by_window = limiter.check_at(secs(t0, 1.0));
        assert_eq!(
            answer(&by_window),
            (Some(9), Some(10), Some(0), Some(UNIX_T0 + 10))
        );
    }

    // Proves passing answers show the last limit's counts and no Reset, so a short
    // window declared before a long one is invisible until it refuses: 3 a minute
    // then 10 an hour answers Limit 10, Remaining 9, 8, 7, and the fourth request
    // meets the minute's 429 (Limit 3, Remaining 0, Retry-After 60, Reset its end).
    #[test]
    fn laravel_headers_are_the_last_limits() {
        let (limiter, t0) = on_clock(SandboxLimit::laravel(&[(3, MINUTE), (10, HOUR)]));
        for remaining in [9, 8, 7] {
            let passed = limiter.check_at(t0);
            assert_eq!(answer(&passed), (None, Some(10), Some(remaining), None));
        }
        let refused = limiter.check_at(t0);
        assert_eq!(
            answer(&refused),
            (Some(60), Some(3), Some(0), Some(UNIX_T0 + 60))
        );
        // Retry-After rounds up: 0.4 s into the window, 59.6 s are left.
        let later = limiter.check_at(secs(t0, 0.4));
        assert_eq!(later.refused, Some(60));
        let later = limiter.check_at(secs(t0, 30.5));
        assert_eq!(later.refused, Some(30));
    }

    // Proves Tallyfy's published 100 a minute and 1,000 an hour behave as Laravel's
    // do: a client sending as fast as allowed gets 100 through each minute for ten
    // minutes (every answer showing the hour's count), then the hour refuses with a
    // Retry-After of 3,000 s and its end as Reset, until the hour's window, opened by
    // the first request, ends; then 1,000 again.
    #[test]
    fn laravel_hourly_quota_behind_the_minute() {
        let (limiter, t0) = on_clock(SandboxLimit::laravel(&[(100, MINUTE), (1000, HOUR)]));
        let mut sent = 0u64;
        for minute in 0..10 {
            let at = secs(t0, f64::from(minute) * 60.0);
            for _ in 0..100 {
                sent += 1;
                let passed = limiter.check_at(at);
                assert_eq!(answer(&passed), (None, Some(1000), Some(1000 - sent), None));
            }
            let refused = limiter.check_at(at);
            assert_eq!(refused.refused, Some(60), "minute {minute}");
            assert_eq!(header(&refused, "x-ratelimit-limit"), Some(100));
        }
        let at_ten = limiter.check_at(secs(t0, 600.0));
        assert_eq!(
            answer(&at_ten),
            (Some(3000), Some(1000), Some(0), Some(UNIX_T0 + 3600))
        );
        let just_before = limiter.check_at(secs(t0, 3599.9));
        assert_eq!(just_before.refused, Some(1));
        let again = limiter.check_at(secs(t0, 3600.0));
        assert_eq!(answer(&again), (None, Some(1000), Some(999), None));
        assert_eq!(limiter.refused(), 12);
    }

    // Proves the misleading bucket: 4 a second, burst 4, Reset naming the next whole
    // Unix second. Started 0.25 s into a second, the burst goes, the fifth request
    // is refused (Retry-After 1, Reset that next second); at that very second the
    // bucket holds 3 tokens, not 4 (Remaining 2 after one more request), and Reset
    // has moved on to the second after: the header promised a refill that did not
    // happen. A plain bucket with headers gives the seconds until full instead.
    #[test]
    fn next_second_reset_misleads() {
        let limit = SandboxLimit::token_bucket_next_second_reset(4.0, 4);
        let t0 = Instant::now();
        let unix = UNIX_EPOCH + Duration::from_secs_f64(UNIX_T0 as f64 + 0.25);
        let limiter = SandboxLimiter::starting_at_unix(limit, t0, unix);
        let next = UNIX_T0 + 1;
        for remaining in [3, 2, 1, 0] {
            let passed = limiter.check_at(t0);
            assert_eq!(
                answer(&passed),
                (None, Some(4), Some(remaining), Some(next))
            );
        }
        let refused = limiter.check_at(t0);
        assert_eq!(answer(&refused), (Some(1), Some(4), Some(0), Some(next)));
        let at_reset = limiter.check_at(secs(t0, 0.75));
        assert_eq!(answer(&at_reset), (None, Some(4), Some(2), Some(next + 1)));

        let (plain, t0) = on_clock(SandboxLimit::token_bucket(4.0, 4).with_headers(true));
        let first = plain.check_at(t0);
        assert_eq!(answer(&first), (None, Some(4), Some(3), Some(1)));
    }

    // Proves the text forms of Laravel's limiter and of the misleading bucket parse
    // to the constructors' limits, that Display writes a text form that parses back
    // to the same limit, and that malformed ones are refused.
    #[test]
    fn parses_laravel_and_next_second_reset() {
        let two: SandboxLimit = "laravel:100/60,1000/3600".parse().unwrap();
        assert_eq!(two, SandboxLimit::laravel(&[(100, MINUTE), (1000, HOUR)]));
        let with_s: SandboxLimit = "laravel:20/5s,1000/3600s".parse().unwrap();
        assert_eq!(
            with_s,
            SandboxLimit::laravel(&[(20, Duration::from_secs(5)), (1000, HOUR)])
        );
        assert_eq!(
            "laravel:20/5+headers".parse::<SandboxLimit>(),
            "laravel:20/5".parse()
        );
        let misleading: SandboxLimit = "bucket:4+next-second-reset".parse().unwrap();
        assert_eq!(
            misleading,
            SandboxLimit::token_bucket_next_second_reset(4.0, 4)
        );
        assert_eq!(
            "window:60/6s".parse(),
            Ok(SandboxLimit::fixed_window(60, Duration::from_secs(6)))
        );
        for limit in [
            two,
            misleading,
            SandboxLimit::laravel(&[(3, Duration::from_millis(1500))]),
            SandboxLimit::token_bucket(2.5, 3),
            SandboxLimit::token_bucket(10.0, 5).with_headers(true),
            SandboxLimit::fixed_window(60, Duration::from_secs(6)).with_headers(true),
        ] {
            assert_eq!(limit.to_string().parse(), Ok(limit), "{limit}");
        }
        assert_eq!(
            SandboxLimit::laravel(&[(2, MINUTE)])
                .with_headers(false)
                .to_string(),
            "laravel:2/60 without headers"
        );
        for bad in [
            "laravel:",
            "laravel:5",
            "laravel:0/60",
            "laravel:5/0",
            "laravel:5/x",
            "laravel:1/1,2/2,3/3,4/4,5/5",
            "laravel:5/60+next-second-reset",
            "window:5/60+next-second-reset",
            "bucket:4+nonsense",
        ] {
            assert!(bad.parse::<SandboxLimit>().is_err(), "{bad:?}");
        }
    }

    // Proves the constructor refuses an empty list and one over the maximum.
    #[test]
    fn laravel_needs_one_to_four_limits() {
        assert!(std::panic::catch_unwind(|| SandboxLimit::laravel(&[])).is_err());
        let five = [(1, MINUTE); SandboxLimit::LARAVEL_MAX_LIMITS + 1];
        assert!(std::panic::catch_unwind(|| SandboxLimit::laravel(&five)).is_err());
        let four = [(1, MINUTE); SandboxLimit::LARAVEL_MAX_LIMITS];
        let _ = SandboxLimit::laravel(&four);
    }
}
