//! A declared quota (`n` requests per `period`) as a GCRA without burst: requests
//! are spread evenly, one every `period / n`, so no burst can put more than `n` into
//! one of the server's fixed windows. One struct and two calls, on tokio's clock (a
//! paused test clock drives it too), the time passed in. It only answers "when may
//! the next one go". (Hand-written: it replaced `governor`, whose keyed stores, clocks
//! and burst handling this needs none of, and seven crates a build compiled for it.)

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::error::Error;

/// `n` requests per `period`.
pub(crate) struct Quota {
    n: u32,
    period: Duration,
    /// `period / n`: the spacing between two requests.
    interval: Duration,
    /// The earliest instant the next request may go (the GCRA's theoretical arrival
    /// time); `None` before the first.
    next: Mutex<Option<Instant>>,
}

impl Quota {
    /// `n` per `period`; both must be positive, and `period / n` at least 1 ns.
    pub(crate) fn new(n: u32, period: Duration) -> Result<Quota, Error> {
        if n == 0 {
            return Err(Error::invalid("rate_limit", "n is 0"));
        }
        let interval = period / n;
        if interval.is_zero() {
            return Err(Error::invalid("rate_limit", "the period is too short"));
        }
        Ok(Quota {
            n,
            period,
            interval,
            next: Mutex::new(None),
        })
    }

    /// Takes a slot now (`None`) or says how long until one is free.
    pub(crate) fn try_take(&self) -> Option<Duration> {
        self.try_take_at(Instant::now())
    }

    /// [`try_take`](Quota::try_take) at `now`.
    pub(crate) fn try_take_at(&self, now: Instant) -> Option<Duration> {
        let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
        match *next {
            Some(at) if at > now => Some(at - now),
            _ => {
                *next = Some(now + self.interval);
                None
            }
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

    // Proves the time passed in decides: a refused take does not move the next slot,
    // and a take long after the last one is not owed a burst.
    #[tokio::test(start_paused = true)]
    async fn no_burst_after_idle() {
        let quota = Quota::new(2, Duration::from_secs(2)).unwrap();
        let start = Instant::now();
        assert_eq!(quota.try_take_at(start), None);
        let half = Duration::from_millis(500);
        assert_eq!(quota.try_take_at(start + half), Some(half));
        assert_eq!(
            quota.try_take_at(start + half),
            Some(half),
            "a refusal takes nothing"
        );
        let later = start + Duration::from_secs(60);
        assert_eq!(quota.try_take_at(later), None);
        assert_eq!(quota.try_take_at(later), Some(Duration::from_secs(1)));
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
