//! A declared quota (`n` requests per `period`), enforced with `governor`'s GCRA on
//! tokio's clock, so a paused test clock drives it too. Requests are spread evenly, one
//! every `period / n`, with no burst: a burst could put more than `n` requests into one
//! of the server's fixed windows. It only answers "when may the next one go".

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota as Gcra, RateLimiter as Governor};
use tokio::time::Instant;

use crate::error::Error;

/// Tokio's clock, as time elapsed since the quota was made.
#[derive(Clone, Debug)]
struct TokioClock {
    start: Instant,
}

impl Clock for TokioClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        self.start.elapsed()
    }
}

/// `n` requests per `period`.
pub(crate) struct Quota {
    limiter: Governor<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<Duration>>,
    clock: TokioClock,
    n: u32,
    period: Duration,
}

impl Quota {
    /// `n` per `period`; both must be positive, and `period / n` at least 1 ns.
    pub(crate) fn new(n: u32, period: Duration) -> Result<Quota, Error> {
        let count = NonZeroU32::new(n).ok_or_else(|| Error::invalid("rate_limit", "n is 0"))?;
        let interval = period / count.get();
        let gcra = Gcra::with_period(interval)
            .ok_or_else(|| Error::invalid("rate_limit", "the period is too short"))?;
        let clock = TokioClock {
            start: Instant::now(),
        };
        Ok(Quota {
            limiter: Governor::direct_with_clock(gcra, clock.clone()),
            clock,
            n,
            period,
        })
    }

    /// Takes a slot now (`None`) or says how long until one is free.
    pub(crate) fn try_take(&self) -> Option<Duration> {
        match self.limiter.check() {
            Ok(()) => None,
            Err(not_until) => Some(not_until.wait_time_from(self.clock.now())),
        }
    }
}

impl std::fmt::Debug for Quota {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Quota")
            .field("n", &self.n)
            .field("period", &self.period)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves a quota of 3 per 3 s lets one request through per second, not a burst,
    // on tokio's paused clock.
    #[tokio::test(start_paused = true)]
    async fn spreads_requests_evenly() {
        let quota = Quota::new(3, Duration::from_secs(3)).unwrap();
        assert_eq!(quota.try_take(), None);
        assert_eq!(quota.try_take(), Some(Duration::from_secs(1)));
        tokio::time::advance(Duration::from_millis(999)).await;
        assert_eq!(quota.try_take(), Some(Duration::from_millis(1)));
        tokio::time::advance(Duration::from_millis(1)).await;
        assert_eq!(quota.try_take(), None);
    }

    // Proves nonsense quotas are rejected with a clear error instead of a panic.
    #[test]
    fn rejects_zero() {
        assert!(matches!(
            Quota::new(0, Duration::from_secs(1)),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(Quota::new(1, Duration::ZERO).is_err());
    }
}
