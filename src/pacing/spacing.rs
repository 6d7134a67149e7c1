//! The second primitive: a spacing, one request every `interval` (a GCRA without
//! burst): the adaptive rate spread evenly, and a declared quota's shortest period.
//! Nothing is reserved: [`Spacing::ready_at`] says when the next may go, and only
//! [`Spacing::take`], called once the combined decision admits a request, moves it.
//! The time is passed in, so explicit instants drive it.

use std::time::Duration;

use tokio::time::Instant;

/// Requests at least `interval` apart.
#[derive(Debug, Default)]
pub(crate) struct Spacing {
    interval: Duration,
    /// The earliest the next request may go; `None` before the first.
    next: Option<Instant>,
}

impl Spacing {
    /// One request every `interval`.
    pub(crate) fn new(interval: Duration) -> Spacing {
        Spacing {
            interval,
            next: None,
        }
    }

    /// The earliest a request may go: `now`, or the next slot if later.
    pub(crate) fn ready_at(&self, now: Instant) -> Instant {
        self.next.map_or(now, |next| next.max(now))
    }

    /// Counts a request sent at `now` (at or after [`Spacing::ready_at`]): the next
    /// one may go `interval` later. An idle spell earns no burst.
    pub(crate) fn take(&mut self, now: Instant) {
        self.next = Some(self.ready_at(now) + self.interval);
    }

    /// The spacing from the next take on (the adaptive rate's, which climbs).
    pub(crate) fn set_interval(&mut self, interval: Duration) {
        self.interval = interval;
    }

    /// The next request may go at `at`, earlier or later than before (a new rate
    /// starts at the end of a pause).
    pub(crate) fn restart_at(&mut self, at: Instant) {
        self.next = Some(at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }

    // Proves requests are spaced by the interval on explicit instants: one at once,
    // the next a second later; asking again takes nothing; a take after an idle spell
    // is owed no burst.
    #[tokio::test(start_paused = true)]
    async fn spaces_and_asking_takes_nothing() {
        let t0 = Instant::now();
        let mut spacing = Spacing::new(ms(1000));
        assert_eq!(spacing.ready_at(t0), t0);
        spacing.take(t0);
        assert_eq!(spacing.ready_at(t0 + ms(500)), t0 + ms(1000));
        assert_eq!(
            spacing.ready_at(t0 + ms(500)),
            t0 + ms(1000),
            "asking is free"
        );
        spacing.take(t0 + ms(1000));
        let later = t0 + ms(60_000);
        assert_eq!(spacing.ready_at(later), later);
        spacing.take(later);
        assert_eq!(spacing.ready_at(later), later + ms(1000));
    }

    // Proves a new interval applies from the next take, and a restart places the next
    // slot where it is told, earlier or later.
    #[tokio::test(start_paused = true)]
    async fn interval_changes_and_restarts() {
        let t0 = Instant::now();
        let mut spacing = Spacing::new(ms(100));
        spacing.take(t0);
        spacing.set_interval(ms(250));
        assert_eq!(spacing.ready_at(t0), t0 + ms(100));
        spacing.take(t0 + ms(100));
        assert_eq!(spacing.ready_at(t0), t0 + ms(350));
        spacing.restart_at(t0 + ms(200));
        assert_eq!(spacing.ready_at(t0), t0 + ms(200));
    }
}
