//! The header model: a policy that keeps the server's quota window, as its
//! `X-RateLimit-*` headers describe it, as a [`Budget`] placed by the answers (what
//! is left, until the reset). Each send takes one from the local estimate; when none
//! is left, sending waits for the reset instead of meeting a 429. The policy is in
//! the updates: late answers never raise the count, requests in flight are taken off
//! it, a passed reset starts a fresh window of `Limit`. Pure state on tokio's clock,
//! driven by [`super::RateLimiter`]; it never sleeps.

use std::time::Duration;

use tokio::time::Instant;

use super::budget::Budget;

/// What the last response said about the quota, minus what was sent since.
#[derive(Debug, Default)]
pub(crate) struct Window {
    /// Requests the server will still take before the window's end (the reset, if
    /// said); `None`: unknown.
    count: Option<Budget>,
    /// The quota of a fresh window, when the server said (`X-RateLimit-Limit`).
    limit: Option<u64>,
    /// Requests sent since the last update, which a fresh window may already count.
    sent_since_update: u64,
    /// The send number of the request whose answer gave `remaining`.
    updated_by: Option<u64>,
}

impl Window {
    /// Takes a response's headers. `sent_later` requests were sent after the one
    /// answered and are not answered yet: the server may or may not have counted them
    /// in `remaining`, so they are taken off it (a conservative estimate). Requests
    /// sent before it and not answered yet reached the server first, so its count
    /// already holds them; taking them off again would stop sending early (with
    /// answers out of order, a burst of 10 ended at 8). `seq` is the answered
    /// request's send number: an answer to a request sent before the one that gave
    /// the count is older news and cannot raise it, reset said or not (Laravel's
    /// passing answers say none, and a late `Remaining: 3` after a `2` made the model
    /// vouch for a request the window refused, so it was not believed for a minute).
    pub(crate) fn update(
        &mut self,
        now: Instant,
        seq: u64,
        remaining: Option<u64>,
        limit: Option<u64>,
        reset: Option<Duration>,
        sent_later: u64,
    ) {
        if limit.is_some() {
            self.limit = limit;
        }
        let Some(remaining) = remaining else {
            return;
        };
        let mut estimate = remaining.saturating_sub(sent_later);
        // Answers come back out of order: within a window the lowest count wins, and
        // an older answer never raises the count.
        let older = self.updated_by.is_some_and(|by| seq < by);
        if let Some(current) = self.count
            && (older || current.ends().is_some_and(|reset_at| reset_at > now))
        {
            estimate = estimate.min(current.left());
        }
        if older && let Some(current) = self.count {
            // Older news: the count may only drop; the rest stays the newer answer's.
            self.count = Some(Budget::placed(estimate, current.ends()));
            return;
        }
        self.count = Some(Budget::placed(estimate, reset.map(|reset| now + reset)));
        self.sent_since_update = 0;
        self.updated_by = Some(seq);
    }

    /// When sending must wait for the reset: nothing is left and the reset is ahead.
    /// A window whose reset has passed starts afresh with `limit` (if known), less
    /// what was sent since the last answer (a token bucket's "reset", the time until
    /// it is full, counts those too).
    pub(crate) fn blocked_until(&mut self, now: Instant) -> Option<Instant> {
        if let Some(reset_at) = self.count.and_then(|count| count.ends())
            && reset_at <= now
        {
            let fresh =
                |limit: u64| Budget::placed(limit.saturating_sub(self.sent_since_update), None);
            self.count = self.limit.map(fresh);
            // A fresh window: answers from before it say nothing of it.
            self.updated_by = None;
        }
        let ready = self.count.map(|count| count.ready_at(now));
        ready.filter(|ready| *ready > now)
    }

    /// Counts one request sent at `now` (call after `blocked_until` said `None`);
    /// returns whether the model vouched for it (it knew of a request left).
    pub(crate) fn take(&mut self, now: Instant) -> bool {
        self.sent_since_update += 1;
        match &mut self.count {
            Some(count) if count.left() > 0 => {
                count.take(now);
                true
            }
            _ => false,
        }
    }

    /// Whether the count is used up with no reset known (the answers in flight may
    /// say when it ends: better to wait for them than to send into it).
    pub(crate) fn spent_without_reset(&self) -> bool {
        self.count
            .is_some_and(|count| count.left() == 0 && count.ends().is_none())
    }

    /// Whether the headers explain a 429: the server said nothing is left and when
    /// that ends. Such a throttle needs no rate adaptation, only the wait.
    pub(crate) fn explains(remaining: Option<u64>, reset: Option<Duration>) -> bool {
        remaining == Some(0) && reset.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves each send takes one from the server's count, sending stops at 0 until
    // the reset, and the window then starts afresh with the declared limit.
    #[tokio::test(start_paused = true)]
    async fn counts_down_then_waits_for_reset() {
        let mut window = Window::default();
        let t0 = Instant::now();
        assert_eq!(window.blocked_until(t0), None);
        window.update(t0, 0, Some(2), Some(3), Some(Duration::from_secs(5)), 0);
        let reset = t0 + Duration::from_secs(5);
        for _ in 0..2 {
            assert_eq!(window.blocked_until(t0), None);
            window.take(t0);
        }
        assert_eq!(window.blocked_until(t0), Some(reset));
        // Two were sent since the answer: the fresh window of 3 has 1 left.
        assert_eq!(window.blocked_until(reset), None);
        window.take(t0);
        // Used up, but no reset is known: not blocked.
        assert_eq!(window.blocked_until(reset), None);
    }

    // Proves an older answer arriving late cannot raise the count within a window.
    #[tokio::test(start_paused = true)]
    async fn late_answers_do_not_raise_the_count() {
        let mut window = Window::default();
        let t0 = Instant::now();
        let reset = Some(Duration::from_secs(1));
        window.update(t0, 1, Some(0), None, reset, 0);
        window.update(t0, 2, Some(5), None, reset, 0);
        assert_eq!(window.blocked_until(t0), Some(t0 + Duration::from_secs(1)));
    }

    // Proves an answer to an earlier request, arriving after a later one's, cannot
    // raise the count when no reset is said (Laravel's passing answers): 2 left after
    // request 8's answer, then request 7's says 3 with 1 sent after it in flight: still
    // 2, not vouching for a third. A newer answer (a fresh window's 99) does raise it.
    #[tokio::test(start_paused = true)]
    async fn older_answers_do_not_raise_a_count_without_reset() {
        let mut window = Window::default();
        let t0 = Instant::now();
        window.update(t0, 8, Some(2), Some(100), None, 0);
        window.update(t0, 7, Some(3), Some(100), None, 0);
        assert!(window.take(t0) && window.take(t0));
        assert!(
            !window.take(t0),
            "the model vouched for a request the window refuses"
        );
        window.update(t0, 12, Some(99), Some(100), None, 0);
        assert!(window.take(t0));
    }

    // Proves requests still in flight are taken off the server's remaining count.
    #[tokio::test(start_paused = true)]
    async fn in_flight_requests_count_against_remaining() {
        let mut window = Window::default();
        let t0 = Instant::now();
        window.update(t0, 0, Some(3), None, Some(Duration::from_secs(1)), 3);
        assert_eq!(window.blocked_until(t0), Some(t0 + Duration::from_secs(1)));
        assert!(Window::explains(Some(0), Some(Duration::ZERO)));
        assert!(!Window::explains(Some(0), None));
        assert!(!Window::explains(Some(1), Some(Duration::ZERO)));
    }
}
