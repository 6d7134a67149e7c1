//! The one combined decision: a request may go at the latest of what every
//! primitive allows (`ready = max(next allowed of each)`: the gate, the header
//! model's and the learned windows' budgets, the adaptive rate's spacing or
//! budget, the declared quotas' spacing and budgets), and only when it goes is it
//! taken from all of them, under one lock. A wait that ends, or a throttle that
//! moves the gate meanwhile, leaves nothing to give back: the decision is made
//! again. One policy waits on something else than time: a believed header count
//! spent with no reset known waits (1 s at most) for the answers in flight.

use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::time::Instant;

use super::{Overdue, Permit, RateLimiter, State};

/// The longest a request waits for the answers in flight when the header model's
/// count is spent and its end unknown; then it is sent as a probe.
const ANSWER_WAIT: Duration = Duration::from_secs(1);

impl RateLimiter {
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
        // How long this request may wait for answers before sending anyway: 1 s, and
        // never past its deadline.
        let mut answers_due = deadline.map_or(ANSWER_WAIT, |deadline| {
            ANSWER_WAIT.min(deadline.saturating_duration_since(started))
        });
        loop {
            let now = Instant::now();
            let (ready, answered) = {
                let mut state = self.lock();
                if !self.inner.paced {
                    return Ok(self.admit(&mut state, now));
                }
                let hold = state.hold(now);
                if hold.is_none() && !answers_due.is_zero() && state.awaits_answers(now) {
                    // The count is spent, its end unknown: the answers in flight may
                    // carry it. Registered under the lock, so none is missed.
                    let mut answered = Box::pin(self.inner.answered.notified());
                    answered.as_mut().enable();
                    (now, Some(answered))
                } else {
                    let ready = state.ready_at(now, hold);
                    if ready <= now {
                        return Ok(self.admit(&mut state, now));
                    }
                    (ready, None)
                }
            };
            if let Some(answered) = answered {
                let _ = tokio::time::timeout(answers_due, answered).await;
                answers_due = answers_due.saturating_sub(now.elapsed());
                continue;
            }
            if let Some(deadline) = deadline
                && ready > deadline
            {
                return Err(Overdue {
                    waited: started.elapsed(),
                    short_by: ready - deadline,
                    resume_at: ready,
                });
            }
            tokio::time::sleep_until(ready).await;
        }
    }

    /// Lets one attempt go at `now`: it is taken from every primitive at once.
    fn admit(&self, state: &mut State, now: Instant) -> Permit {
        let vouched = state.window.take(now);
        state.learned.sending(now);
        state.aimd.take(now);
        if let Some(quotas) = &mut state.quotas {
            quotas.take(now);
        }
        let seq = state.sent;
        state.sent += 1;
        state.in_flight.insert(seq);
        Permit {
            limiter: self.clone(),
            epoch: state.epoch,
            seq,
            vouched,
        }
    }
}

impl State {
    /// Whether a request should wait for the answers in flight rather than be sent:
    /// the believed header model has nothing left and does not know when that ends.
    fn awaits_answers(&self, now: Instant) -> bool {
        !self.in_flight.is_empty() && self.trust.believed(now) && self.window.spent_without_reset()
    }

    /// Until when every request is held: the gate, or a used-up quota window (said
    /// by the headers, if believed, or learned).
    pub(super) fn hold(&mut self, now: Instant) -> Option<Instant> {
        let gate = self.gate.held_until(now);
        let window = self.window.blocked_until(now);
        let window = window.filter(|_| self.trust.believed(now));
        [gate, window, self.learned.blocked_until(now)]
            .into_iter()
            .flatten()
            .max()
    }

    /// The earliest the next request may go: the latest of `hold` (see
    /// [`State::hold`]), the adaptive rate's and the declared quotas'.
    fn ready_at(&self, now: Instant, hold: Option<Instant>) -> Instant {
        let quotas = self.quotas.as_ref().map(|quotas| quotas.ready_at(now));
        [hold, Some(self.aimd.ready_at(now)), quotas]
            .into_iter()
            .flatten()
            .fold(now, Instant::max)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use reqwest::StatusCode;
    use reqwest::header::{HeaderMap, HeaderValue};
    use tokio::time::Instant;

    use super::RateLimiter;

    // Proves a restart takes nothing (#30): under a declared 1 per 2 s, B waits for
    // the quota's slot at 2 s; a 429 to A at 0.5 s closes the gate until 1.5 s. B
    // still goes at 2 s, C at 4 s. Before the primitives B took the slot at 2 s, saw
    // the throttle, started over and found its own slot taken: it went at 4 s.
    #[tokio::test(start_paused = true)]
    async fn a_throttle_during_a_wait_leaks_no_quota_slot() {
        let limiter = RateLimiter::with_quota(1, Duration::from_secs(2)).unwrap();
        let t0 = Instant::now();
        let a = limiter.ready(None).await.unwrap();
        let answerer = limiter.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let mut headers = HeaderMap::new();
            headers.insert("retry-after", HeaderValue::from_static("1"));
            let cap = Duration::from_secs(120);
            answerer.observe(a, StatusCode::TOO_MANY_REQUESTS, &headers, cap);
        });
        drop(limiter.ready(None).await.unwrap());
        assert_eq!(t0.elapsed(), Duration::from_secs(2));
        drop(limiter.ready(None).await.unwrap());
        assert_eq!(t0.elapsed(), Duration::from_secs(4));
    }

    // Proves the one decision is the latest of every primitive: a declared 2 per
    // second (spacing) and a 429's 3 s gate together send the next at 3 s, not at
    // 0.5 s, and the one after 0.5 s later (the spacing counted from the admission).
    #[tokio::test(start_paused = true)]
    async fn ready_is_the_latest_of_every_primitive() {
        let limiter = RateLimiter::with_quota(2, Duration::from_secs(1)).unwrap();
        let t0 = Instant::now();
        let first = limiter.ready(None).await.unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("3"));
        let cap = Duration::from_secs(120);
        limiter.observe(first, StatusCode::TOO_MANY_REQUESTS, &headers, cap);
        drop(limiter.ready(None).await.unwrap());
        assert_eq!(t0.elapsed(), Duration::from_secs(3));
        drop(limiter.ready(None).await.unwrap());
        assert_eq!(t0.elapsed(), Duration::from_millis(3500));
    }
}
