//! The first primitive: a "not before" instant, the gate a 429 closes. Requests are
//! held until it; it takes nothing from what it admits. One struct and its calls,
//! the time passed in (a paused test clock or explicit instants drive it), as
//! smithy-rs keeps its limiters; [`super::RateLimiter`] combines it with the others.

use std::time::Duration;

use tokio::time::Instant;

/// No request is sent before `at`.
#[derive(Debug, Default)]
pub(crate) struct NotBefore {
    at: Option<Instant>,
}

impl NotBefore {
    /// The earliest a request may go: `now`, or the gate's instant if later.
    pub(crate) fn ready_at(&self, now: Instant) -> Instant {
        self.at.map_or(now, |at| at.max(now))
    }

    /// The gate's instant, if it is still ahead of `now`.
    pub(crate) fn held_until(&self, now: Instant) -> Option<Instant> {
        self.at.filter(|at| *at > now)
    }

    /// Closes the gate until `until`, if that is later than it is closed now; returns
    /// by how much the closed time grew from `now` (zero if it did not).
    pub(crate) fn close_until(&mut self, now: Instant, until: Instant) -> Duration {
        let closed = self.ready_at(now);
        if until <= closed {
            return Duration::ZERO;
        }
        self.at = Some(until);
        until - closed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    // Proves the gate holds until its instant and not after, only ever moves later,
    // and reports how much closed time each close added (a pause counted once).
    #[tokio::test(start_paused = true)]
    async fn holds_until_its_instant_and_only_moves_later() {
        let mut gate = NotBefore::default();
        let t0 = Instant::now();
        assert_eq!(gate.ready_at(t0), t0);
        assert_eq!(gate.held_until(t0), None);
        assert_eq!(gate.close_until(t0, t0 + secs(5)), secs(5));
        assert_eq!(gate.ready_at(t0 + secs(1)), t0 + secs(5));
        assert_eq!(gate.held_until(t0 + secs(5)), None);
        assert_eq!(gate.ready_at(t0 + secs(6)), t0 + secs(6));
        // An earlier close changes nothing; a later one adds only the extra time.
        assert_eq!(gate.close_until(t0, t0 + secs(3)), Duration::ZERO);
        assert_eq!(gate.close_until(t0 + secs(1), t0 + secs(7)), secs(2));
        assert_eq!(gate.ready_at(t0), t0 + secs(7));
    }
}
