//! Declared quotas, from [`super::RateLimiter::with_quota`] and
//! [`super::RateLimiter::with_quotas`], as a policy over two primitives: the quota
//! with the shortest period is a [`Spacing`] of `period / n` (no burst can put more
//! than `n` into one of the server's windows), every other one a [`Sliding`] budget
//! of `n` sends in any span of its `period`. With 100 a minute and 1,000 an hour,
//! requests go one every 0.6 s until 1,000 went within an hour, then wait until the
//! oldest of them is an hour old. It only answers "when may the next one go" and
//! counts the ones admitted.

use std::time::Duration;

use tokio::time::Instant;

use super::budget::Sliding;
use super::spacing::Spacing;
use crate::error::Error;

/// The declared quotas' state.
#[derive(Debug)]
pub(crate) struct Quotas {
    /// The quota with the shortest period, spread evenly.
    spaced: Spacing,
    /// The others.
    budgets: Vec<Sliding>,
}

/// `period / n` for a valid quota: `n` positive and the interval at least 1 ns.
fn interval(n: u32, period: Duration) -> Result<Duration, Error> {
    if n == 0 {
        return Err(Error::invalid("rate_limit", "n is 0"));
    }
    let interval = period / n;
    if interval.is_zero() {
        return Err(Error::invalid("rate_limit", "the period is too short"));
    }
    Ok(interval)
}

impl Quotas {
    /// Every `(n, period)` must be a valid quota; at least one.
    pub(crate) fn new(quotas: &[(u32, Duration)]) -> Result<Quotas, Error> {
        for &(n, period) in quotas {
            interval(n, period)?;
        }
        let shortest = quotas
            .iter()
            .enumerate()
            .min_by_key(|(_, (_, period))| *period)
            .map(|(i, _)| i)
            .ok_or_else(|| Error::invalid("rate_limit", "no quota declared"))?;
        let (n, period) = quotas[shortest];
        let budgets = quotas
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != shortest)
            .map(|(_, &(n, period))| Sliding::new(n as usize, period))
            .collect();
        Ok(Quotas {
            spaced: Spacing::new(interval(n, period)?),
            budgets,
        })
    }

    /// The earliest the next request may go under every quota.
    pub(crate) fn ready_at(&self, now: Instant) -> Instant {
        let budgets = self.budgets.iter().map(|budget| budget.ready_at(now));
        budgets.fold(self.spaced.ready_at(now), Instant::max)
    }

    /// Counts a request admitted at `now` against every quota.
    pub(crate) fn take(&mut self, now: Instant) {
        self.spaced.take(now);
        self.budgets.iter_mut().for_each(|budget| budget.take(now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Send times (ms from `t0`) of `count` requests, each as soon as allowed, on
    /// explicit instants.
    fn send_times(quotas: &mut Quotas, count: usize) -> Vec<u128> {
        let t0 = Instant::now();
        let mut now = t0;
        let mut times = Vec::new();
        for _ in 0..count {
            now = quotas.ready_at(now);
            quotas.take(now);
            times.push((now - t0).as_millis());
        }
        times
    }

    // Proves two quotas are enforced together: 2 per second spread evenly and 5 per
    // 10 s as a budget give 0, 0.5, 1, 1.5, 2 s, then the 6th waits until the first
    // is 10 s old, the 7th until the second is (10.5 s).
    #[tokio::test(start_paused = true)]
    async fn short_quota_spaced_long_quota_a_budget() {
        let quotas = Quotas::new(&[(5, Duration::from_secs(10)), (2, Duration::from_secs(1))]);
        let mut quotas = quotas.unwrap();
        assert_eq!(
            send_times(&mut quotas, 7),
            [0, 500, 1000, 1500, 2000, 10_000, 10_500]
        );
    }

    // Proves no span of a quota's period ever holds more than its n sends: over 300
    // sends under 100 a minute and 1,000 an hour, any 60 s holds ≤ 100 and the
    // spacing is 0.6 s.
    #[tokio::test(start_paused = true)]
    async fn never_more_than_either_quota_in_its_period() {
        let minute = Duration::from_secs(60);
        let mut quotas = Quotas::new(&[(100, minute), (1000, minute * 60)]).unwrap();
        let times = send_times(&mut quotas, 300);
        for (i, at) in times.iter().enumerate() {
            let within = times[i..].iter().take_while(|t| **t < at + 60_000).count();
            assert!(within <= 100, "{within} sends from {at} ms");
        }
        assert_eq!(times[299], 299 * 600);
    }

    // Proves asking takes nothing (a refusal, or a wait given up on a restart, leaks
    // no slot): ready_at twice gives the same instant, and only take moves it.
    #[tokio::test(start_paused = true)]
    async fn asking_takes_nothing() {
        let t0 = Instant::now();
        let mut quotas = Quotas::new(&[(2, Duration::from_secs(2))]).unwrap();
        quotas.take(t0);
        let next = t0 + Duration::from_secs(1);
        assert_eq!(quotas.ready_at(t0), next);
        assert_eq!(quotas.ready_at(t0), next);
        quotas.take(next);
        assert_eq!(quotas.ready_at(next), next + Duration::from_secs(1));
    }

    // Proves nonsense is rejected with a clear error, not a panic: no quota, a zero
    // n or period in any of them.
    #[test]
    fn rejects_nonsense() {
        let second = Duration::from_secs(1);
        assert!(Quotas::new(&[]).is_err());
        assert!(matches!(
            Quotas::new(&[(0, second)]),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(Quotas::new(&[(1, second), (0, second)]).is_err());
        assert!(Quotas::new(&[(1, second), (1, Duration::ZERO)]).is_err());
    }
}
