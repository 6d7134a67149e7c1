//! Fixed windows learned from 429s, a policy that feeds one [`Budget`] per window
//! (opened by its first take), for servers like Laravel's `ThrottleRequests`:
//! each limit is a window of `n` requests opened by the first request after the last
//! one ended, and a passing answer shows no `Reset` (and, with several limits, only
//! the last limit's counts, so a short window behind a long one is invisible until it
//! refuses). A 429 that names its limit (`X-RateLimit-Limit`) and its end (`Reset`
//! or `Retry-After`) shows one window whole: it opened at the first request sent
//! since the last pause (or since the learned window's last opening) and ends then.
//! From then on each window is opened by the first send after the last one's end,
//! takes `n` sends, and holds the next until its end: the next windows are spent
//! without a 429. A 429 inside a learned window corrects it (longer, or opened
//! earlier than thought). Each window learned or corrected is answered, `(n, length)`,
//! so that a shared coordinator can hold every process to it: these budgets count
//! this process's sends only. Pure state on tokio's clock, driven by
//! [`super::RateLimiter`]; it never sleeps.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

use super::budget::Budget;

/// A window shorter than this is not learned: a token bucket's 429 asks for about
/// one second, and a second-long window is the header model's (`Reset`) business.
const MIN_LENGTH: Duration = Duration::from_secs(2);
/// The most windows learned at once (Laravel routes rarely declare more than two).
const MAX_WINDOWS: usize = 4;
/// The send times kept, the latest ones: a window of `n` up to this many is placed by
/// its count (see [`Learned::throttled`]); a longer one by the cycle's first send.
const RECENT: usize = 1024;

/// The windows learned so far, and when the current cycle's first request went.
#[derive(Debug, Default)]
pub(crate) struct Learned {
    /// One budget per learned window: its quota (the 429's `X-RateLimit-Limit`) per
    /// its length (from the first request it counted to its end, as first seen).
    windows: Vec<Budget>,
    /// The first request sent since the last throttle wave's pause began (or ever).
    first_send: Option<Instant>,
    /// When the latest sends went, oldest first (at most `RECENT`).
    recent: VecDeque<Instant>,
    /// Sends so far: the next one's sequence number.
    sent: u64,
}

impl Learned {
    /// Notes a request sent at `now`: it opens every learned window that is closed,
    /// and counts in every one.
    pub(crate) fn sending(&mut self, now: Instant) {
        self.first_send.get_or_insert(now);
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(now);
        self.sent += 1;
        self.windows.iter_mut().for_each(|window| window.take(now));
    }

    /// Until when sending is held: the latest end of the open windows that are used
    /// up (`None`: none is).
    pub(crate) fn blocked_until(&self, now: Instant) -> Option<Instant> {
        self.windows
            .iter()
            .map(|window| window.ready_at(now))
            .filter(|ready| *ready > now)
            .max()
    }

    /// A 429 answered at `now` to send number `refused` (counted from 0), refused by a
    /// window of `limit` requests ending at the latest at `ends` (what its `Reset` and
    /// `Retry-After` say). A window it shows (`MIN_LENGTH` or longer) is learned, or
    /// corrected if already known: it is used up until `ends`. A new window opened at
    /// the cycle's first send, or later: it holds `limit` requests, so it cannot have
    /// opened before the `limit`-th send before the refused one (after an idle spell
    /// longer than the window, the sends before it fell in windows of their own, and
    /// counting from the first would learn a window as long as the spell). Only the
    /// first 429 of a throttle wave (`new_wave`) counts; the next send after it starts
    /// a new cycle. Answers the window learned or corrected, `(n, length)`, for the
    /// coordinator to share (`None`: the 429 taught nothing).
    pub(crate) fn throttled(
        &mut self,
        now: Instant,
        refused: u64,
        limit: Option<u64>,
        ends: Option<Instant>,
        new_wave: bool,
    ) -> Option<(u64, Duration)> {
        // The rest of a wave says what its first 429 said, less exactly.
        if !new_wave {
            return None;
        }
        let first_send = self.first_send.take();
        let (Some(n), Some(ends)) = (limit.filter(|n| *n > 0), ends) else {
            return None;
        };
        if ends <= now {
            return None;
        }
        if let Some(known) = self.windows.iter_mut().find(|window| window.n() == n) {
            // Inside a learned window: it opened when the model says (or earlier),
            // and ends no sooner than the server says.
            let length = known.length().unwrap_or_default();
            let opened = known.ends().map(|current| current - length);
            let opened = opened.into_iter().chain(first_send).min();
            if let Some(opened) = opened {
                known.set_length(length.max(ends.saturating_duration_since(opened)));
            }
            known.spent_until(known.ends().map_or(ends, |current| current.max(ends)));
            return known.length().map(|length| (n, length));
        }
        let first_send = first_send?;
        let opened = first_send.max(self.sent_at(refused.checked_sub(n)).unwrap_or(first_send));
        let length = ends.saturating_duration_since(opened);
        if length < MIN_LENGTH {
            return None;
        }
        if self.windows.len() == MAX_WINDOWS {
            self.windows.remove(0);
        }
        let mut window = Budget::opened_by_take(n, length);
        window.spent_until(ends);
        self.windows.push(window);
        tracing::info!(
            target: "tallyfy_groups::pacing",
            n,
            window_ms = length.as_millis() as u64,
            "learned a rate-limit window from a 429"
        );
        Some((n, length))
    }

    /// When send number `seq` went, if it is among the ones kept.
    fn sent_at(&self, seq: Option<u64>) -> Option<Instant> {
        let oldest = self.sent - self.recent.len() as u64;
        let index = seq?.checked_sub(oldest)?;
        self.recent.get(usize::try_from(index).ok()?).copied()
    }

    /// The windows learned, `(n, length)` each, in the order they were learned.
    #[cfg(test)]
    pub(crate) fn windows(&self) -> Vec<(u64, Duration)> {
        let windows = self.windows.iter();
        windows
            .map(|w| (w.n(), w.length().unwrap_or_default()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    // Proves a 429 naming its limit and end teaches the window: 20 per 5 s, opened by
    // the first send; the next window opens at the first send after its end, takes 20
    // sends, and holds the 21st until 5 s after that send. The window learned is
    // answered, for the coordinator to share.
    #[tokio::test(start_paused = true)]
    async fn learns_a_window_and_spends_the_next_one() {
        let mut learned = Learned::default();
        let t0 = Instant::now();
        for _ in 0..28 {
            learned.sending(t0);
        }
        assert_eq!(learned.blocked_until(t0), None, "nothing learned yet");
        let now = t0 + Duration::from_millis(60);
        let taught = learned.throttled(now, 27, Some(20), Some(t0 + secs(5)), true);
        assert_eq!(taught, Some((20, secs(5))), "what the coordinator is told");
        assert_eq!(learned.windows(), [(20, secs(5))]);
        assert_eq!(learned.blocked_until(now), Some(t0 + secs(5)));
        let open = t0 + secs(6);
        for _ in 0..20 {
            assert_eq!(learned.blocked_until(open), None);
            learned.sending(open);
        }
        assert_eq!(learned.blocked_until(open), Some(open + secs(5)));
        assert_eq!(learned.blocked_until(open + secs(5)), None);
    }

    // Proves a window after an idle spell is placed by its count: 10 sends, 10 s idle,
    // then 25 sends; the 21st of those is refused with the window ending 5 s after
    // them. The window of 20 opened at the first of them (20 sends before the refused
    // one), not at the first send ever: 20 per 5 s, not per 15 s.
    #[tokio::test(start_paused = true)]
    async fn a_window_after_an_idle_spell_is_placed_by_its_count() {
        let mut learned = Learned::default();
        let t0 = Instant::now();
        (0..10).for_each(|_| learned.sending(t0));
        let burst = t0 + secs(10);
        (0..25).for_each(|_| learned.sending(burst));
        let _ = learned.throttled(burst, 30, Some(20), Some(burst + secs(5)), true);
        assert_eq!(learned.windows(), [(20, secs(5))]);
    }

    // Proves what is not learned (nor told to the coordinator): a window under 2 s (a
    // token bucket's), a 429 without its limit or end, or with an end already past.
    #[tokio::test(start_paused = true)]
    async fn short_or_unnamed_windows_are_not_learned() {
        let t0 = Instant::now();
        for (limit, ends) in [
            (Some(4), Some(t0 + secs(1))),
            (None, Some(t0 + secs(5))),
            (Some(20), None),
            (Some(0), Some(t0 + secs(5))),
            (Some(20), Some(t0)),
        ] {
            let mut learned = Learned::default();
            learned.sending(t0);
            let taught = learned.throttled(t0, 0, limit, ends, true);
            assert_eq!(
                (taught, learned.windows()),
                (None, vec![]),
                "{limit:?} {ends:?}"
            );
        }
    }

    // Proves a 429 inside a learned window corrects it: the window opened at the
    // model's opening and the server says it ends 1 s later than thought, so the
    // length grows by 1 s and sending is held until the server's end; the corrected
    // window is what the coordinator is told.
    #[tokio::test(start_paused = true)]
    async fn a_429_inside_a_learned_window_lengthens_it() {
        let mut learned = Learned::default();
        let t0 = Instant::now();
        learned.sending(t0);
        let _ = learned.throttled(t0, 0, Some(2), Some(t0 + secs(4)), true);
        let open = t0 + secs(4);
        learned.sending(open);
        let now = open + Duration::from_millis(10);
        let taught = learned.throttled(now, 1, Some(2), Some(open + secs(5)), true);
        assert_eq!(taught, Some((2, secs(5))), "the correction is shared too");
        assert_eq!(learned.windows(), [(2, secs(5))]);
        assert_eq!(learned.blocked_until(now), Some(open + secs(5)));
    }
}
