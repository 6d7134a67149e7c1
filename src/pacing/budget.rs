//! The third primitive: per-window budgets. A [`Budget`] is a fixed window of `n`
//! requests: full, it holds the next request until the window ends. Its window is
//! either opened by the first take after the last one ended (Laravel's rule, for the
//! learned windows) or placed by the policy that feeds it (the header model's count
//! and reset, the adaptive rate's windows). A [`Sliding`] budget is `n` in any span
//! of its period (a declared longer quota). Both answer the same two calls, the time
//! passed in: `ready_at(now)` asks and takes nothing, `take(now)` counts a request
//! the combined decision admitted.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

/// `n` requests in the current window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Budget {
    n: u64,
    /// Taken in the current window.
    used: u64,
    /// When the current window ends; `None`: no end is known (it lasts until the
    /// policy places another, and a full one holds nothing back).
    ends: Option<Instant>,
    /// `Some`: a take with no window open opens one this long (Laravel's rule).
    length: Option<Duration>,
}

impl Budget {
    /// Windows of `n` per `length`, each opened by the first take after the last
    /// one ended; none is open yet.
    pub(crate) fn opened_by_take(n: u64, length: Duration) -> Budget {
        Budget {
            n,
            used: 0,
            ends: None,
            length: Some(length),
        }
    }

    /// One window of `n` that the policy placed, ending at `ends` (if known).
    pub(crate) fn placed(n: u64, ends: Option<Instant>) -> Budget {
        Budget {
            n,
            used: 0,
            ends,
            length: None,
        }
    }

    /// The earliest a request may go: `now`, or the window's end if it is full.
    pub(crate) fn ready_at(&self, now: Instant) -> Instant {
        match self.ends {
            Some(ends) if ends > now && self.used >= self.n => ends,
            _ => now,
        }
    }

    /// Counts a request sent at `now`; with Laravel's rule, opens a window first if
    /// none is open.
    pub(crate) fn take(&mut self, now: Instant) {
        if let Some(length) = self.length
            && self.ends.is_none_or(|ends| ends <= now)
        {
            self.ends = Some(now + length);
            self.used = 0;
        }
        self.used += 1;
    }

    /// The requests a window holds.
    pub(crate) fn n(&self) -> u64 {
        self.n
    }

    /// What the window has left.
    pub(crate) fn left(&self) -> u64 {
        self.n.saturating_sub(self.used)
    }

    /// The current window's end, if known.
    pub(crate) fn ends(&self) -> Option<Instant> {
        self.ends
    }

    /// The length of the windows a take opens.
    pub(crate) fn length(&self) -> Option<Duration> {
        self.length
    }

    /// Windows opened by a take last `length` from now on.
    pub(crate) fn set_length(&mut self, length: Duration) {
        self.length = Some(length);
    }

    /// The window holds `n` (kept what was taken).
    pub(crate) fn set_n(&mut self, n: u64) {
        self.n = n;
    }

    /// A refusal said the window is used up until `ends`.
    pub(crate) fn spent_until(&mut self, ends: Instant) {
        self.ends = Some(ends);
        self.used = self.used.max(self.n);
    }
}

/// `n` requests in any span of `period`: the send times of the last `n`.
#[derive(Debug)]
pub(crate) struct Sliding {
    n: usize,
    period: Duration,
    /// The latest `n` send times at most, oldest first.
    sent: VecDeque<Instant>,
}

impl Sliding {
    /// `n` in any span of `period`.
    pub(crate) fn new(n: usize, period: Duration) -> Sliding {
        Sliding {
            n,
            period,
            sent: VecDeque::new(),
        }
    }

    /// The earliest a request may go: `now`, or when the oldest of the last `n` is
    /// `period` old.
    pub(crate) fn ready_at(&self, now: Instant) -> Instant {
        match self.sent.front() {
            Some(oldest) if self.sent.len() >= self.n => (*oldest + self.period).max(now),
            _ => now,
        }
    }

    /// Counts a request sent at `now`.
    pub(crate) fn take(&mut self, now: Instant) {
        self.sent.push_back(now);
        if self.sent.len() > self.n {
            self.sent.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    // Proves Laravel's rule on explicit instants: the first take opens a window of 2
    // per 5 s, the third request waits for its end, asking takes nothing, and the
    // next window opens at the first take after the end (not at the end itself).
    #[tokio::test(start_paused = true)]
    async fn a_window_opened_by_its_first_take() {
        let t0 = Instant::now();
        let mut budget = Budget::opened_by_take(2, secs(5));
        assert_eq!(budget.ready_at(t0), t0);
        budget.take(t0);
        budget.take(t0 + secs(1));
        assert_eq!(budget.ready_at(t0 + secs(1)), t0 + secs(5));
        assert_eq!(
            budget.ready_at(t0 + secs(1)),
            t0 + secs(5),
            "asking is free"
        );
        assert_eq!(budget.left(), 0);
        let late = t0 + secs(7);
        assert_eq!(budget.ready_at(late), late);
        budget.take(late);
        assert_eq!(budget.ends(), Some(late + secs(5)));
        assert_eq!(budget.left(), 1);
    }

    // Proves a placed window holds only while it is full and its end is ahead, one
    // with no end known holds nothing back, and a refusal spends it until its end.
    #[tokio::test(start_paused = true)]
    async fn a_placed_window_and_a_refusal() {
        let t0 = Instant::now();
        let mut budget = Budget::placed(1, Some(t0 + secs(3)));
        budget.take(t0);
        assert_eq!(budget.ready_at(t0), t0 + secs(3));
        assert_eq!(budget.ready_at(t0 + secs(3)), t0 + secs(3));
        let mut endless = Budget::placed(0, None);
        assert_eq!(endless.ready_at(t0), t0);
        endless.take(t0);
        assert_eq!(endless.left(), 0);
        let mut refused = Budget::placed(10, Some(t0 + secs(1)));
        refused.spent_until(t0 + secs(4));
        assert_eq!(refused.ready_at(t0 + secs(2)), t0 + secs(4));
    }

    // Proves a sliding budget of 3 per 10 s: three go, the fourth waits until the
    // first is 10 s old, the fifth until the second is; asking takes nothing.
    #[tokio::test(start_paused = true)]
    async fn sliding_budget_in_any_span() {
        let t0 = Instant::now();
        let mut sliding = Sliding::new(3, secs(10));
        for at in [0, 1, 2] {
            assert_eq!(sliding.ready_at(t0 + secs(at)), t0 + secs(at));
            sliding.take(t0 + secs(at));
        }
        assert_eq!(sliding.ready_at(t0 + secs(2)), t0 + secs(10));
        assert_eq!(
            sliding.ready_at(t0 + secs(2)),
            t0 + secs(10),
            "asking is free"
        );
        sliding.take(t0 + secs(10));
        assert_eq!(sliding.ready_at(t0 + secs(10)), t0 + secs(11));
    }
}
