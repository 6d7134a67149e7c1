//! What [`RateLimiter::observe`] makes of one response: the header model and the
//! learned windows take its counts; a 429 closes the gate for its `Retry-After` (or
//! the fallback's doubling pause), starts a throttle wave, contradicts the header
//! model if it vouched for the request, may teach a fixed window (answered in the
//! [`Observation`], for a shared coordinator) and, if it taught none and the headers
//! do not explain it, may set the adaptive rate. A
//! `Retry-After` past the cap (an hourly quota's) is a long wait: the gate closes
//! for all of it (a day at most), so that calls end with `Error::RateLimited` naming
//! when to resume, or wait as told if their throttle deadline allows, instead of
//! asking again when the cap is up.

use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use tokio::time::Instant;

use super::headers::{Signals, Wait};
use super::window::Window;
use super::{Observation, Permit, RateLimiter};

/// The longest wait taken on the server's word past the cap (a daily quota's);
/// longer ones (a year, a hostile number) are cut to it.
pub(crate) const LONGEST_WAIT: Duration = Duration::from_secs(24 * 3600);

impl RateLimiter {
    /// Takes the response to the attempt `permit` was for: its quota headers, and,
    /// for a 429, the pause every request now waits out (unless unpaced). No wait
    /// taken on the server's word, nor the fallback's, is longer than `cap`, but a
    /// `Retry-After` past it, which closes the gate for all it asks (a day at most):
    /// requests then fail their deadlines at once or wait as told.
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
            permit.seq,
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
                learned: None,
            };
        }
        self.inner
            .counters
            .throttled
            .fetch_add(1, Ordering::Relaxed);
        let new_wave = permit.epoch == state.epoch;
        if permit.vouched && self.inner.paced {
            state.trust.contradicted(now);
        }
        let explained =
            state.trust.believed(now) && Window::explains(signals.remaining, signals.reset);
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
        let long = signals.asked.filter(|asked| *asked > cap);
        let pause = long.map_or(pause, |asked| asked.min(LONGEST_WAIT));
        if !self.inner.paced {
            return Observation {
                throttled: true,
                pause,
                learned: None,
            };
        }
        let added = state.gate.close_until(now, now + pause);
        self.inner
            .counters
            .paused_ns
            .fetch_add(added.as_nanos() as u64, Ordering::Relaxed);
        let gate = state.gate.ready_at(now);
        // Both are the latest the refusing window can end; the earlier is the closer.
        let ends = signals.asked.into_iter().chain(signals.reset_said).min();
        let ends = ends.map(|wait| now + wait.min(LONGEST_WAIT));
        let learned = (state.learned).throttled(now, permit.seq, signals.limit, ends, new_wave);
        let asked = signals.retry_after.duration();
        let mut rate = None;
        if new_wave {
            state.epoch += 1;
            // A long wait is a quota spent, not a rate to adapt to; a window this 429
            // taught (or corrected) paces what follows, so it is no rate either.
            if !explained && long.is_none() && learned.is_none() {
                rate = state.aimd.throttled(now, gate, asked);
            }
        }
        let pause = gate - now;
        tracing::info!(
            target: "tallyfy_groups::pacing",
            wait_ms = pause.as_millis() as u64,
            past_the_cap = long.is_some(),
            new_wave,
            explained_by_headers = explained,
            adaptive_rate = tracing::field::debug(rate),
            "rate limited: holding requests"
        );
        Observation {
            throttled: true,
            pause,
            learned,
        }
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use reqwest::StatusCode;
    use reqwest::header::{HeaderMap, HeaderValue};

    use super::RateLimiter;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_static(value));
        }
        headers
    }

    // Proves a 429 that teaches a window starts no adaptive rate, even when the header
    // model vouched for the request (as when other processes spent the window): after
    // a 200 saying 5 of 10 are left, a 429 naming its limit (10) and a 3 s wait is
    // learned as 10 per 3 s and answered for the coordinator, and the adaptive rate
    // stays off; the same 429 without its limit teaches nothing and starts it.
    #[tokio::test(start_paused = true)]
    async fn a_429_that_teaches_a_window_starts_no_adaptive_rate() {
        let cap = Duration::from_secs(120);
        for (limit, learned) in [(true, Some((10, Duration::from_secs(3)))), (false, None)] {
            let limiter = RateLimiter::new();
            let first = limiter.ready(None).await.unwrap();
            let passing = headers(&[("x-ratelimit-limit", "10"), ("x-ratelimit-remaining", "5")]);
            limiter.observe(first, StatusCode::OK, &passing, cap);
            let vouched = limiter.ready(None).await.unwrap();
            let mut refusal = headers(&[("retry-after", "3"), ("x-ratelimit-remaining", "0")]);
            if limit {
                refusal.insert("x-ratelimit-limit", HeaderValue::from_static("10"));
            }
            let seen = limiter.observe(vouched, StatusCode::TOO_MANY_REQUESTS, &refusal, cap);
            assert_eq!(seen.learned, learned);
            let adaptive = limiter.stats().adaptive_rate;
            assert_eq!(
                adaptive.is_some(),
                !limit,
                "limit named: {limit}, {adaptive:?}"
            );
        }
    }
}
