//! Rate-limit cooperation: a [`RateLimiter`] shared by a client, its clones and, on
//! purpose, other clients (Tallyfy's quotas are per organisation and per user). It
//! keeps one gate that a 429 closes for every request until its `Retry-After`, paces
//! from `X-RateLimit-*` headers, learns fixed windows from 429s, adapts its rate (AIMD) where the server sends none,
//! and enforces a declared quota. The request path calls [`RateLimiter::ready`] before
//! and [`RateLimiter::observe`] after every attempt; this module never sends a request
//! and never decides a retry.

mod adaptive;
mod headers;
mod learned;
mod quota;
#[cfg(test)]
mod tests;
mod window;

use std::collections::BTreeSet;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use tokio::time::Instant;

use crate::error::Error;
use adaptive::Aimd;
use headers::{Signals, Wait};
use learned::Learned;
use quota::Quota;
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
///   when nothing is, wait for the reset instead of meeting a 429.
/// - **Learned windows.** A 429 that names its limit (`X-RateLimit-Limit`) and when
///   its window ends (`Reset`, `Retry-After`), 2 s or more after the first request
///   of the cycle, shows a fixed window as Laravel keeps them (opened by its first
///   request, no `Reset` on passing answers, possibly hidden behind a longer
///   limit's counts): each later window takes that many requests from its first
///   one, and the next wait for its end.
/// - **Adaptation.** After a 429 the headers do not explain, requests are sent at
///   the rate the server let through over the last cycle, pause included: spread
///   evenly, or, when the `Retry-After` shows a quota window (2 s or more, and at least
///   two intervals of that rate), that many per window from the end of the pause. The
///   rate then climbs 5 % a minute, so a per-minute or per-hour quota is probed about
///   once a minute rather than every few seconds.
/// - **A declared quota**, from [`RateLimiter::with_quota`]: never more than `n`
///   requests per `period`, evenly spaced.
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
    quota: Option<Quota>,
    state: Mutex<State>,
    counters: Counters,
}

#[derive(Debug, Default)]
struct State {
    /// No request is sent before this (the gate a 429 closes).
    gate: Option<Instant>,
    /// Throttle waves so far; a 429 to a request sent before the latest wave began is
    /// part of that wave, not a new one.
    epoch: u64,
    /// Throttle waves in a row with no response getting through between them.
    streak: u32,
    window: Window,
    learned: Learned,
    aimd: Aimd,
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
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut state = self.limiter.lock();
        state.in_flight.remove(&self.seq);
    }
}

/// What [`RateLimiter::observe`] made of one response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Observation {
    /// The response was a throttle (429).
    pub throttled: bool,
    /// How long from now requests are held (zero if none).
    pub pause: Duration,
}

/// [`RateLimiter::ready`] could not let the request go before its deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overdue {
    /// How long the request had waited.
    pub waited: Duration,
    /// How long from the deadline it would still have had to wait.
    pub short_by: Duration,
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter::new()
    }
}

impl RateLimiter {
    /// A limiter with the gate, header pacing and adaptation, and no declared quota.
    pub fn new() -> RateLimiter {
        RateLimiter::build(true, None)
    }

    /// Also never more than `n` requests per `period`, evenly spaced (`100` per
    /// minute: one every 0.6 s). Fails with [`Error::InvalidArgument`] for `n == 0`
    /// or a zero period.
    pub fn with_quota(n: u32, period: Duration) -> Result<RateLimiter, Error> {
        Ok(RateLimiter::build(true, Some(Quota::new(n, period)?)))
    }

    /// A limiter that holds nothing back and only counts (pacing switched off):
    /// 429s are left to the retry policy alone.
    pub fn unpaced() -> RateLimiter {
        RateLimiter::build(false, None)
    }

    fn build(paced: bool, quota: Option<Quota>) -> RateLimiter {
        RateLimiter {
            inner: Arc::new(Inner {
                paced,
                quota,
                state: Mutex::new(State::default()),
                counters: Counters::default(),
            }),
        }
    }

    /// Whether this limiter holds requests back (not [`RateLimiter::unpaced`]).
    pub fn is_paced(&self) -> bool {
        self.inner.paced
    }

    /// The declared quota, `(n, period)`, if any.
    pub fn quota(&self) -> Option<(u32, Duration)> {
        self.inner.quota.as_ref().map(Quota::declared)
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

    /// Waits until one attempt may be sent, and takes its place. With a `deadline`,
    /// fails as soon as a wait is known to end after it (without sleeping through it).
    #[doc(hidden)]
    pub async fn ready(&self, deadline: Option<Instant>) -> Result<Permit, Overdue> {
        let started = Instant::now();
        let result = self.wait_turn(started, deadline).await;
        let waited = started.elapsed();
        let counters = &self.inner.counters;
        counters
            .waited_ns
            .fetch_add(waited.as_nanos() as u64, Ordering::Relaxed);
        if result.is_ok() {
            counters.requests.fetch_add(1, Ordering::Relaxed);
        }
        result
    }

    async fn wait_turn(
        &self,
        started: Instant,
        deadline: Option<Instant>,
    ) -> Result<Permit, Overdue> {
        let wait = |until: Instant| async move {
            if let Some(deadline) = deadline
                && until > deadline
            {
                return Err(Overdue {
                    waited: started.elapsed(),
                    short_by: until - deadline,
                });
            }
            tokio::time::sleep_until(until).await;
            Ok(())
        };
        loop {
            if !self.inner.paced {
                let mut state = self.lock();
                return Ok(self.admit(&mut state, Instant::now()));
            }
            let now = Instant::now();
            let (hold, slot, epoch) = {
                let mut state = self.lock();
                match state.hold(now) {
                    Some(until) => (Some(until), None, state.epoch),
                    None => match state.aimd.reserve(now) {
                        // Nothing holds it back: the common case, one lock.
                        None if self.inner.quota.is_none() => {
                            return Ok(self.admit(&mut state, now));
                        }
                        slot => (None, slot, state.epoch),
                    },
                }
            };
            if let Some(until) = hold {
                wait(until).await?;
                continue;
            }
            if let Some(slot) = slot.filter(|slot| *slot > now) {
                wait(slot).await?;
            }
            if let Some(quota) = &self.inner.quota {
                while let Some(pause) = quota.try_take() {
                    wait(Instant::now() + pause).await?;
                }
            }
            let mut state = self.lock();
            let now = Instant::now();
            // A throttle while this one waited: its slot is stale, start over.
            if state.epoch == epoch && state.hold(now).is_none() {
                return Ok(self.admit(&mut state, now));
            }
        }
    }

    fn admit(&self, state: &mut State, now: Instant) -> Permit {
        state.window.take();
        state.learned.sending(now);
        state.aimd.sending(now);
        let seq = state.sent;
        state.sent += 1;
        state.in_flight.insert(seq);
        Permit {
            limiter: self.clone(),
            epoch: state.epoch,
            seq,
        }
    }

    /// Takes the response to the attempt `permit` was for: its quota headers, and,
    /// for a 429, the pause every request now waits out (unless unpaced). No wait
    /// taken on the server's word, nor the fallback's, is longer than `cap`.
    #[doc(hidden)]
    pub fn observe(
        &self,
        permit: Permit,
        status: StatusCode,
        headers: &HeaderMap,
        cap: Duration,
    ) -> Observation {
        self.observe_at(permit, status, headers, cap, SystemTime::now())
    }

    /// [`RateLimiter::observe`] with `wall` as the wall-clock time now, for a
    /// simulation whose server writes Unix times on a virtual clock.
    #[doc(hidden)]
    pub fn observe_at(
        &self,
        permit: Permit,
        status: StatusCode,
        headers: &HeaderMap,
        cap: Duration,
        wall: SystemTime,
    ) -> Observation {
        let now = Instant::now();
        let signals = Signals::read(headers, || wall, cap);
        let mut state = self.lock();
        let sent_later = state.in_flight.range(permit.seq + 1..).count() as u64;
        state.window.update(
            now,
            signals.remaining,
            signals.limit,
            signals.reset,
            sent_later,
        );
        if status != StatusCode::TOO_MANY_REQUESTS {
            if permit.epoch + 1 == state.epoch {
                state.aimd.passed_late();
            } else {
                state.aimd.passed();
            }
            state.streak = 0;
            return Observation {
                throttled: false,
                pause: Duration::ZERO,
            };
        }
        self.inner
            .counters
            .throttled
            .fetch_add(1, Ordering::Relaxed);
        let new_wave = permit.epoch == state.epoch;
        let explained = Window::explains(signals.remaining, signals.reset);
        if new_wave {
            state.streak = state.streak.saturating_add(1);
        }
        let pause = match signals.retry_after {
            Wait::After(wait) => wait,
            Wait::Absent if explained => Duration::ZERO,
            Wait::Absent | Wait::Unusable => fallback_pause(state.streak, cap),
        };
        // Throttle after throttle with nothing through: a server that keeps saying
        // "Retry-After: 0" is not hammered, the pause grows as the fallback's.
        let pause = pause.max(fallback_pause(state.streak.saturating_sub(1), cap));
        let pause = pause.max(signals.reset.filter(|_| explained).unwrap_or_default());
        if !self.inner.paced {
            return Observation {
                throttled: true,
                pause,
            };
        }
        let resume_at = now + pause;
        let closed_until = state.gate.map_or(now, |gate| gate.max(now));
        if resume_at > closed_until {
            self.inner.counters.paused_ns.fetch_add(
                (resume_at - closed_until).as_nanos() as u64,
                Ordering::Relaxed,
            );
            state.gate = Some(resume_at);
        }
        let gate = state.gate.unwrap_or(now).max(now);
        // Both are the latest the refusing window can end; the earlier is the closer.
        let asked = match signals.retry_after {
            Wait::After(wait) => Some(wait),
            Wait::Absent | Wait::Unusable => None,
        };
        let ends = asked.into_iter().chain(signals.reset).min();
        state
            .learned
            .throttled(now, signals.limit, ends.map(|wait| now + wait), new_wave);
        let mut rate = None;
        if new_wave {
            state.epoch += 1;
            if !explained {
                rate = state.aimd.throttled(now, gate, asked);
            }
        }
        let pause = gate - now;
        tracing::info!(
            target: "tallyfy_groups::pacing",
            wait_ms = pause.as_millis() as u64,
            new_wave,
            explained_by_headers = explained,
            adaptive_rate = tracing::field::debug(rate),
            "rate limited: holding requests"
        );
        Observation {
            throttled: true,
            pause,
        }
    }
}

impl State {
    /// Until when every request is held: the gate, or a used-up quota window (said
    /// by the headers or learned).
    fn hold(&mut self, now: Instant) -> Option<Instant> {
        let gate = self.gate.filter(|gate| *gate > now);
        [
            gate,
            self.window.blocked_until(now),
            self.learned.blocked_until(now),
        ]
        .into_iter()
        .flatten()
        .max()
    }
}

/// Zero for no streak, then 1 s, 2 s, 4 s, … up to `cap` for the `streak`-th
/// throttle wave in a row.
fn fallback_pause(streak: u32, cap: Duration) -> Duration {
    match streak {
        0 => Duration::ZERO,
        n => Duration::from_secs(1u64 << (n - 1).min(16)).min(cap),
    }
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("paced", &self.inner.paced)
            .field("quota", &self.inner.quota)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}
