//! Rate-limit cooperation: a [`RateLimiter`] shared by a client, its clones and, on
//! purpose, other clients (Tallyfy's quotas are per organisation and per user). It
//! keeps one gate that a 429 closes for every request until its `Retry-After`, paces
//! from `X-RateLimit-*` headers, learns fixed windows from 429s, adapts its rate
//! (AIMD) where the server sends none, and enforces declared quotas. The request
//! path calls [`RateLimiter::ready`] before and [`RateLimiter::observe`] after every
//! attempt; this module never sends a request and never decides a retry.
//!
//! Built on three primitives, each one struct with `ready_at(now)` and `take(now)`:
//! a "not before" instant ([`gate`]), a spacing ([`spacing`]) and per-window budgets
//! ([`budget`]). The policies (the header model and its [`trust`], the [`learned`]
//! windows, the [`adaptive`] rate, the declared [`quotas`]) feed them; a request goes
//! at the latest of their `ready_at`, and is taken from all of them at once, only
//! when that one decision admits it ([`admission`]).

mod adaptive;
mod admission;
mod budget;
mod gate;
mod headers;
mod learned;
mod observe;
mod quotas;
mod spacing;
#[cfg(test)]
mod tests;
mod trust;
mod window;

use std::collections::BTreeSet;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::error::Error;
use adaptive::Aimd;
use gate::NotBefore;
use learned::Learned;
use quotas::Quotas;
use trust::Trust;
use window::Window;

/// Paces the requests of every client that shares it.
///
/// - **One gate.** A 429 pauses every request of every client sharing this limiter
///   until the `Retry-After` it carried (delta-seconds or an HTTP date); one that is
///   missing, negative or garbage pauses 1 s, doubling per throttle in a row. Every
///   such wait is capped by the client's one cap on waiting,
///   [`RetryPolicy::max_retry_after`](crate::RetryPolicy::max_retry_after) (120 s by
///   default): the request after it asks the server again. 429s in a row with nothing
///   getting through between them pause at least as long, so a server that keeps
///   saying `Retry-After: 0` is not hammered.
/// - **Headers.** Where the server sends `X-RateLimit-Remaining` with `-Reset`
///   (seconds-until or a Unix time), requests are counted against what is left and,
///   when nothing is, wait for the reset instead of meeting a 429; when nothing is
///   left and no reset is known, they wait (1 s at most) for the answers in flight,
///   which may say when. A 429 to a request the headers said had room makes them
///   not believed for a minute (doubling while they keep being wrong): the adaptive
///   rate paces instead.
/// - **Learned windows.** A 429 that names its limit (`X-RateLimit-Limit`) and when
///   its window ends (`Reset`, `Retry-After`), 2 s or more after the first request
///   of the cycle, shows a fixed window as Laravel keeps them (opened by its first
///   request, no `Reset` on passing answers, possibly hidden behind a longer
///   limit's counts): each later window takes that many requests from its first
///   one, and the next wait for its end.
/// - **Adaptation.** After a 429 the headers do not explain (and that teaches or
///   corrects no learned window, which then paces alone), requests are sent at
///   the rate the server let through over the last cycle, pause included: spread
///   evenly, or, when the `Retry-After` shows a quota window (2 s or more, and at least
///   two intervals of that rate), that many per window from the end of the pause. The
///   rate then climbs 5 % a minute, so a per-minute or per-hour quota is probed about
///   once a minute rather than every few seconds.
/// - **Declared quotas**, from [`RateLimiter::with_quota`] or
///   [`RateLimiter::with_quotas`] (several together): never more than `n`
///   requests per `period`, evenly spaced for the shortest period, as a budget
///   over any span of it for the others.
///
/// Cheap to clone; clones share everything. Made by the
/// [`ClientBuilder`](crate::ClientBuilder) unless one is given with
/// [`ClientBuilder::rate_limiter`](crate::ClientBuilder::rate_limiter).
#[derive(Clone)]
pub struct RateLimiter {
    inner: Arc<Inner>,
}

struct Inner {
    /// `false`: count only, never hold a request back (pacing switched off).
    paced: bool,
    /// The declared quotas, `(n, period)`, in the order declared.
    declared: Vec<(u32, Duration)>,
    state: Mutex<State>,
    counters: Counters,
    /// Woken whenever an attempt is answered (or given up).
    answered: Notify,
}

#[derive(Debug, Default)]
struct State {
    /// No request is sent before this (the gate a 429 closes).
    gate: NotBefore,
    /// Throttle waves so far; a 429 to a request sent before the latest wave began is
    /// part of that wave, not a new one.
    epoch: u64,
    /// Throttle waves in a row with no response getting through between them.
    streak: u32,
    window: Window,
    /// Whether `window` is believed (429s it said could not happen make it not).
    trust: Trust,
    learned: Learned,
    aimd: Aimd,
    /// The declared quotas' spacing and budgets.
    quotas: Option<Quotas>,
    /// Sequence numbers of the attempts sent and not answered yet.
    in_flight: BTreeSet<u64>,
    /// Attempts sent so far (the next one's sequence number).
    sent: u64,
}

#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    throttled: AtomicU64,
    waited_ns: AtomicU64,
    paused_ns: AtomicU64,
}

/// What a [`RateLimiter`] has seen and done so far.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct PacingStats {
    /// Requests let through.
    pub requests: u64,
    /// Responses that were throttles (429).
    pub throttled: u64,
    /// Time requests spent held back before being sent, summed over requests.
    pub waited: Duration,
    /// Time the gate was closed by 429s, counted once however many requests waited.
    pub paused: Duration,
    /// The adaptive rate in requests per second, once a 429 without quota headers
    /// turned adaptation on.
    pub adaptive_rate: Option<f64>,
}

/// Leave to send one attempt, from [`RateLimiter::ready`]; hand it back with
/// [`RateLimiter::observe`] (dropping it instead, after a transport failure, is fine).
#[must_use = "a permit is handed back to `observe` with the response"]
pub struct Permit {
    limiter: RateLimiter,
    epoch: u64,
    /// Its place in the order attempts were sent.
    seq: u64,
    /// The header model knew of a request left when it was sent.
    vouched: bool,
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.limiter.lock().in_flight.remove(&self.seq);
        self.limiter.inner.answered.notify_waiters();
    }
}

/// What [`RateLimiter::observe`] made of one response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Observation {
    /// The response was a throttle (429).
    pub throttled: bool,
    /// How long from now requests are held (zero if none).
    pub pause: Duration,
    /// The fixed window this 429 taught or corrected, `(n, length)`: `n` requests per
    /// `length` (see the learned windows above), for a shared coordinator to hold
    /// every process to.
    pub learned: Option<(u64, Duration)>,
}

/// [`RateLimiter::ready`] could not let the request go before its deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overdue {
    /// How long the request had waited.
    pub waited: Duration,
    /// How long from the deadline it would still have had to wait.
    pub short_by: Duration,
    /// When it could have gone (the deadline plus `short_by`).
    pub resume_at: Instant,
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter::new()
    }
}

impl RateLimiter {
    /// A limiter with the gate, header pacing and adaptation, and no declared quota.
    pub fn new() -> RateLimiter {
        RateLimiter::build(true, Vec::new())
    }

    /// Also never more than `n` requests per `period`, evenly spaced (`100` per
    /// minute: one every 0.6 s). Fails with [`Error::InvalidArgument`] for `n == 0`
    /// or a zero period.
    pub fn with_quota(n: u32, period: Duration) -> Result<RateLimiter, Error> {
        RateLimiter::with_quotas(&[(n, period)])
    }

    /// Also never more than `n` requests per `period` for each `(n, period)`, all
    /// enforced together: the one with the shortest period evenly spaced (as
    /// [`RateLimiter::with_quota`]), each other one as a budget of `n` in any span of
    /// its `period`. With `&[(100, 60 s), (1000, 3600 s)]`, one every 0.6 s until
    /// 1,000 went within an hour, then each waits until the oldest of those is an
    /// hour old. Keeps a send time per request of each longer quota's `n`. Fails
    /// with [`Error::InvalidArgument`] for no quota, an `n == 0` or a zero period.
    pub fn with_quotas(quotas: &[(u32, Duration)]) -> Result<RateLimiter, Error> {
        let limiter = RateLimiter::build(true, quotas.to_vec());
        limiter.lock().quotas = Some(Quotas::new(quotas)?);
        Ok(limiter)
    }

    /// A limiter that holds nothing back and only counts (pacing switched off):
    /// 429s are left to the retry policy alone.
    pub fn unpaced() -> RateLimiter {
        RateLimiter::build(false, Vec::new())
    }

    fn build(paced: bool, declared: Vec<(u32, Duration)>) -> RateLimiter {
        RateLimiter {
            inner: Arc::new(Inner {
                paced,
                declared,
                state: Mutex::new(State::default()),
                counters: Counters::default(),
                answered: Notify::new(),
            }),
        }
    }

    /// Whether this limiter holds requests back (not [`RateLimiter::unpaced`]).
    pub fn is_paced(&self) -> bool {
        self.inner.paced
    }

    /// The declared quota, `(n, period)`, if any (the first declared, with
    /// [`RateLimiter::with_quotas`]).
    pub fn quota(&self) -> Option<(u32, Duration)> {
        self.quotas().first().copied()
    }

    /// Every declared quota, `(n, period)`, in the order declared.
    pub fn quotas(&self) -> Vec<(u32, Duration)> {
        self.inner.declared.clone()
    }

    /// What the limiter has seen and done so far.
    pub fn stats(&self) -> PacingStats {
        let c = &self.inner.counters;
        let nanos = |n: &AtomicU64| Duration::from_nanos(n.load(Ordering::Relaxed));
        PacingStats {
            requests: c.requests.load(Ordering::Relaxed),
            throttled: c.throttled.load(Ordering::Relaxed),
            waited: nanos(&c.waited_ns),
            paused: nanos(&c.paused_ns),
            adaptive_rate: self.lock().aimd.rate(Instant::now()),
        }
    }

    /// How long from now requests are held by a 429's pause or by a used-up quota
    /// window, if they are (for a progress display: "resuming in 12 s").
    pub fn pause_remaining(&self) -> Option<Duration> {
        let now = Instant::now();
        self.lock()
            .hold(now)
            .map(|until| until.saturating_duration_since(now))
    }

    /// When requests may go again, if they are held now; see
    /// [`RateLimiter::pause_remaining`].
    pub fn resume_at(&self) -> Option<std::time::Instant> {
        self.pause_remaining()
            .map(|left| std::time::Instant::now() + left)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("paced", &self.inner.paced)
            .field("quota", &self.inner.declared)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}
