//! The adaptive send rate for servers that throttle without quota headers: AIMD on the
//! rate, a policy that feeds two primitives. Off until the first unexplained 429;
//! then the rate is set just below what the server let through over the last cycle
//! (the pause included) and climbs back slowly. Sent evenly spaced (a [`Spacing`] of
//! one over the rate), or, when the 429's `Retry-After` shows a quota window (a pause
//! of two or more of those intervals, 2 s at least), as that many per window from the
//! end of the pause (a [`Budget`] per window, placed from there): a window's quota is
//! renewed all at once at its end, so sending it then is as fast as the server
//! allows, and spreading it would give up the rest of the last window. Pure state on
//! tokio's clock, driven by [`super::RateLimiter`] through `ready_at` and `take`; it
//! never sleeps and reserves nothing.

use std::time::Duration;

use tokio::time::Instant;

use super::budget::Budget;
use super::spacing::Spacing;

/// After a throttle the spread rate is this share of the measured rate (or of the
/// current rate, if lower). No margin: the measured rate counts the pause, so it is
/// already below what the server allows. Measured in the simulation (`scenarios.rs`):
/// at 0.99 a settled token bucket was probed every 68–78 s and the (a) took
/// +4.5 % against retry-only; at 1.0, every 50–61 s and +3.5 %. A windowed rate
/// takes the measured count as it is.
pub(crate) const DECREASE: f64 = 1.0;
/// The rate climbs by this share of its base per second: 5 % a minute, so a
/// per-minute quota is probed about once a minute at most, not every few seconds.
pub(crate) const CLIMB_PER_SEC: f64 = 0.05 / 60.0;
/// The slowest rate: one request every 20 s (a Retry-After still applies on top).
pub(crate) const MIN_RATE: f64 = 0.05;
/// The fastest rate the pacer schedules; above it pacing is off in effect.
const MAX_RATE: f64 = 1_000_000.0;
/// A pause this long or longer can show a quota window (whole-second `Retry-After`s
/// make 1 s the least any throttle asks for).
const WINDOW_MIN_PAUSE: Duration = Duration::from_secs(2);
/// ... if it also spans at least this many intervals of the measured rate (a token
/// bucket's 429 asks for about one).
const WINDOW_MIN_INTERVALS: f64 = 2.0;

/// The AIMD state.
#[derive(Debug, Default)]
pub(crate) struct Aimd {
    /// `None` until the first unexplained throttle: requests are not paced.
    rate: Option<Rate>,
    /// When the current measurement cycle began: the first request, else the end of
    /// the last pause.
    cycle_start: Option<Instant>,
    /// Responses that got through (not 429) since `cycle_start`.
    passed: u64,
    /// Spread: the requests' spacing, one over the rate.
    spacing: Spacing,
    /// Windowed: the window the last request fell in (its index from the rate's
    /// `since`) and its budget.
    window: Option<(u64, Budget)>,
    /// The measurement behind the current rate, for responses to requests of that
    /// cycle that arrive after the throttle (with concurrency, most of them).
    last: Option<Measure>,
}

#[derive(Clone, Copy, Debug)]
struct Measure {
    passed: u64,
    cycle: Duration,
    /// The rate in force when the throttle came, if pacing was on.
    cap: Option<f64>,
    /// When the pause ended and the rate set from this measure took effect.
    since: Instant,
}

#[derive(Clone, Copy, Debug)]
struct Rate {
    base: f64,
    since: Instant,
    /// `Some(length)`: sent as `rate × length` per window, windows from `since`.
    window: Option<Duration>,
}

impl Rate {
    fn at(&self, now: Instant) -> f64 {
        let climbed = now.saturating_duration_since(self.since).as_secs_f64();
        (self.base * (1.0 + CLIMB_PER_SEC * climbed)).min(MAX_RATE)
    }
}

impl Aimd {
    /// The earliest the next request may go (`now` when not paced); takes nothing.
    pub(crate) fn ready_at(&self, now: Instant) -> Instant {
        let Some(rate) = self.rate else {
            return now;
        };
        match rate.window {
            None => self.spacing.ready_at(now),
            Some(length) => {
                let (_, budget) = self.window_at(rate, length, now);
                budget.ready_at(now).max(rate.since)
            }
        }
    }

    /// Counts a request admitted at `now` (starts the first cycle).
    pub(crate) fn take(&mut self, now: Instant) {
        self.cycle_start.get_or_insert(now);
        let Some(rate) = self.rate else {
            return;
        };
        match rate.window {
            None => {
                self.spacing
                    .set_interval(Duration::from_secs_f64(1.0 / rate.at(now)));
                self.spacing.take(now);
            }
            Some(length) => {
                let (index, mut budget) = self.window_at(rate, length, now);
                budget.take(now);
                self.window = Some((index, budget));
            }
        }
    }

    /// A response that was not a throttle, to a request sent in this cycle.
    pub(crate) fn passed(&mut self) {
        self.passed += 1;
    }

    /// A response that was not a throttle, to a request sent in the cycle before the
    /// last throttle: it got through in that cycle, so the rate set from it is raised.
    pub(crate) fn passed_late(&mut self) {
        let Some(last) = &mut self.last else {
            return self.passed();
        };
        last.passed += 1;
        let window = self.rate.and_then(|rate| rate.window);
        let base = match window {
            Some(length) => Some(per_window(last.passed, last.cycle, length, last.cap)),
            None => basis(last.passed, last.cycle, last.cap).map(|basis| basis * DECREASE),
        };
        if let Some(base) = base {
            self.rate = Some(Rate {
                base: base.clamp(MIN_RATE, MAX_RATE),
                since: last.since,
                window,
            });
        }
    }

    /// A new throttle (the first 429 of a wave) at `now`, with requests held until
    /// `resume_at`: the rate drops to [`DECREASE`] × what got through this cycle (or
    /// the current rate, if lower), and a new cycle starts when the pause ends. A cycle
    /// in which nothing got through (yet: see [`Aimd::passed_late`]) measures nothing:
    /// the rate halves if pacing is on and stays off if not (the gate alone holds
    /// requests). `retry_after` is what the throttle asked for; a long one makes the
    /// rate windowed (see the module's doc). Returns the new rate.
    pub(crate) fn throttled(
        &mut self,
        now: Instant,
        resume_at: Instant,
        retry_after: Option<Duration>,
    ) -> Option<f64> {
        let start = self.cycle_start.unwrap_or(now);
        let cycle = resume_at.saturating_duration_since(start);
        let current = self.rate.map(|rate| rate.at(now));
        let passed = self.passed;
        self.last = Some(Measure {
            passed,
            cycle,
            cap: current,
            since: resume_at,
        });
        self.cycle_start = Some(resume_at);
        self.passed = 0;
        let measured = match (passed, current) {
            (0, None) => None,
            (0, Some(current)) => Some(current * 0.5 / DECREASE),
            (passed, current) => basis(passed, cycle, current),
        }?;
        let windowed = passed > 0
            && retry_after.is_some_and(|pause| {
                pause >= WINDOW_MIN_PAUSE && pause.as_secs_f64() * measured >= WINDOW_MIN_INTERVALS
            });
        // The window's length: the first cycle that showed it (from its first request
        // to the window's end); later cycles may span several windows.
        let window = windowed.then(|| {
            let known = self.rate.and_then(|rate| rate.window);
            known.unwrap_or(cycle).max(WINDOW_MIN_PAUSE)
        });
        let base = match window {
            Some(length) => per_window(passed, cycle, length, current),
            None => measured * DECREASE,
        };
        let base = base.clamp(MIN_RATE, MAX_RATE);
        self.rate = Some(Rate {
            base,
            since: resume_at,
            window,
        });
        self.spacing.restart_at(resume_at);
        self.window = None;
        Some(base)
    }

    /// The current rate in requests per second, if pacing is on.
    pub(crate) fn rate(&self, now: Instant) -> Option<f64> {
        self.rate.map(|rate| rate.at(now))
    }
}

impl Aimd {
    /// Windowed: the window `now` falls in (the one after the last request's, once
    /// that one has ended, whatever rounding says) and its budget: the requests taken
    /// in it so far, of what it holds at the current rate.
    fn window_at(&self, rate: Rate, length: Duration, now: Instant) -> (u64, Budget) {
        let elapsed = now.saturating_duration_since(rate.since);
        let mut index = (elapsed.as_nanos() / length.as_nanos()) as u64;
        if let Some((last, budget)) = self.window {
            let ended = budget.ends().is_some_and(|ends| ends <= now);
            index = index.max(last + u64::from(ended));
        }
        let start = rate.since + length.mul_f64(index as f64);
        // The climb, but one more request per window at most: a window's quota is
        // probed by one request, not by the 5 % of a large one.
        let measured = (rate.base * length.as_secs_f64()).floor();
        let climbed = (rate.at(start) * length.as_secs_f64()).floor();
        let n = climbed.min(measured + index as f64).max(1.0) as u64;
        match self.window {
            Some((last, mut budget)) if last == index => {
                budget.set_n(n);
                (index, budget)
            }
            _ => {
                let ends = rate.since + length.mul_f64((index + 1) as f64);
                (index, Budget::placed(n, Some(ends)))
            }
        }
    }
}

/// The windowed rate that `passed` responses over `cycle` show, no higher than
/// `cap`: the count per window (the cycle spans a whole number of windows of
/// `length`, one at least) over the window's length. The count is exact, so no margin
/// is taken off.
fn per_window(passed: u64, cycle: Duration, length: Duration, cap: Option<f64>) -> f64 {
    let windows = (cycle.as_secs_f64() / length.as_secs_f64())
        .round()
        .max(1.0);
    let rate = passed as f64 / windows / length.as_secs_f64();
    cap.map_or(rate, |cap| cap.min(rate))
}

/// The rate that `passed` responses over `cycle` show, no higher than `cap`.
fn basis(passed: u64, cycle: Duration, cap: Option<f64>) -> Option<f64> {
    if cycle.is_zero() {
        return cap;
    }
    let measured = passed as f64 / cycle.as_secs_f64();
    Some(cap.map_or(measured, |cap| cap.min(measured)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The send times of `count` requests from `from` on, each admitted as soon as
    /// the policy allows, on explicit instants.
    fn sends(aimd: &mut Aimd, from: Instant, count: usize) -> Vec<Instant> {
        let mut now = from;
        let mut times = Vec::new();
        for _ in 0..count {
            now = aimd.ready_at(now);
            aimd.take(now);
            times.push(now);
        }
        times
    }

    // Proves a throttle with nothing through yet leaves pacing off; once something got
    // through, a throttle sets the rate is what got through over
    // the cycle (10 in 1 s → 10/s) times DECREASE, and slots are 1/rate apart from the
    // end of the pause.
    #[tokio::test(start_paused = true)]
    async fn decrease_is_measured_from_what_got_through() {
        let mut aimd = Aimd::default();
        let t0 = Instant::now();
        assert_eq!((aimd.rate(t0), aimd.ready_at(t0)), (None, t0));
        aimd.take(t0);
        assert_eq!(aimd.throttled(t0, t0, None), None);
        assert_eq!((aimd.rate(t0), aimd.ready_at(t0)), (None, t0));
        (0..10).for_each(|_| aimd.passed());
        let resume = t0 + Duration::from_secs(1);
        let rate = aimd
            .throttled(t0 + Duration::from_millis(10), resume, None)
            .unwrap();
        assert!((rate - 10.0 * DECREASE).abs() < 1e-9, "{rate}");
        assert_eq!(aimd.ready_at(t0), resume, "asking takes nothing");
        let [first, second] = sends(&mut aimd, t0, 2)[..] else {
            unreachable!()
        };
        assert_eq!(first, resume);
        let gap = (second - first).as_secs_f64();
        assert!((gap - 1.0 / rate).abs() < 1e-6, "{gap}");
        // Two more of that cycle's requests come back after the throttle: 12 in 1 s.
        aimd.passed_late();
        aimd.passed_late();
        let raised = aimd.rate(resume).unwrap();
        assert!((raised - 12.0 * DECREASE).abs() < 1e-9, "{raised}");
    }

    // Proves a second throttle lowers the rate again from the lower of the measured
    // and the current rate, the rate climbs 5 % a minute from its base, and a cycle
    // with nothing through halves it, down to MIN_RATE at most.
    #[tokio::test(start_paused = true)]
    async fn decrease_compounds_and_climb_is_slow() {
        let mut aimd = Aimd::default();
        let t0 = Instant::now();
        aimd.take(t0);
        (0..60).for_each(|_| aimd.passed());
        let resume = t0 + Duration::from_secs(6);
        let first = aimd.throttled(t0, resume, None).unwrap();
        assert!((first - 10.0 * DECREASE).abs() < 1e-9, "{first}");
        let later = resume + Duration::from_secs(60);
        let climbed = aimd.rate(later).unwrap();
        assert!((climbed - first * 1.05).abs() < 1e-9, "{climbed}");
        // 30 through in 60 s + a 6 s pause: the measured rate, lower, wins.
        (0..30).for_each(|_| aimd.passed());
        let second = aimd.throttled(later, later + Duration::from_secs(6), None);
        let second = second.unwrap();
        assert!((second - 30.0 / 66.0 * DECREASE).abs() < 1e-9, "{second}");
        // Nothing got through: the rate halves, and never goes below MIN_RATE.
        let third = aimd
            .throttled(later, later + Duration::from_secs(7), None)
            .unwrap();
        assert!((third - second * 0.5).abs() < 1e-9, "{third}");
        for _ in 0..20 {
            aimd.throttled(later, later + Duration::from_secs(7), None);
        }
        assert_eq!(aimd.rate(later + Duration::from_secs(7)), Some(MIN_RATE));
    }

    // Proves a long Retry-After makes the rate windowed: 60 through in a 6 s cycle
    // ended by "Retry-After: 6" gives 60 sends at the end of the pause, the 61st one
    // window later; a 1 s pause (a token bucket's) or one that spans fewer than two of
    // the measured intervals keeps requests spread evenly.
    #[tokio::test(start_paused = true)]
    async fn long_retry_after_makes_the_rate_windowed() {
        let mut aimd = Aimd::default();
        let t0 = Instant::now();
        aimd.take(t0);
        (0..60).for_each(|_| aimd.passed());
        let resume = t0 + Duration::from_secs(6);
        let rate = aimd.throttled(t0, resume, Some(Duration::from_secs(6)));
        assert!((rate.unwrap() - 10.0).abs() < 1e-9, "{rate:?}");
        let slots = sends(&mut aimd, t0, 61);
        assert!(slots[..60].iter().all(|slot| *slot == resume));
        assert_eq!(slots[60], resume + Duration::from_secs(6));

        for (passed, cycle, retry_after) in [(10, 1, 1), (1, 2, 2)] {
            let mut aimd = Aimd::default();
            aimd.take(t0);
            (0..passed).for_each(|_| aimd.passed());
            let resume = t0 + Duration::from_secs(cycle);
            aimd.throttled(t0, resume, Some(Duration::from_secs(retry_after)));
            let [first, second] = sends(&mut aimd, t0, 2)[..] else {
                unreachable!()
            };
            assert_eq!(first, resume);
            assert!(
                second > first,
                "{passed} in {cycle} s: spread, not windowed"
            );
        }
    }

    // Proves a windowed count climbs by one request per window at most: a quota of
    // 100 a minute (where 5 % would be 5 more) allows 100, then 101, then 102.
    #[tokio::test(start_paused = true)]
    async fn windowed_count_climbs_one_per_window() {
        let mut aimd = Aimd::default();
        let t0 = Instant::now();
        aimd.take(t0);
        (0..100).for_each(|_| aimd.passed());
        let minute = Duration::from_secs(60);
        aimd.throttled(t0, t0 + minute, Some(minute));
        let mut per_window = std::collections::BTreeMap::new();
        for slot in sends(&mut aimd, t0, 303) {
            *per_window.entry((slot - t0).as_secs()).or_insert(0) += 1;
        }
        assert_eq!(
            per_window.into_iter().collect::<Vec<_>>(),
            [(60, 100), (120, 101), (180, 102)]
        );
    }
}
