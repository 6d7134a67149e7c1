//! Several declared quotas enforced together, from [`super::RateLimiter::with_quotas`]:
//! the one with the shortest period is spread evenly ([`Quota`], as a single
//! declared quota is), every other is a budget of `n` sends in any `period` (a log of
//! the last `n` send times): with 100 a minute and 1,000 an hour, requests go one
//! every 0.6 s until 1,000 went within an hour, then wait until the oldest of them
//! is an hour old — the bursts the hourly quota allows, never more than either
//! quota in any span of its period. It only answers "when may the next one go".

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::quota::Quota;
use crate::error::Error;

/// The declared quotas.
#[derive(Debug)]
pub(crate) struct Quotas {
    /// The quota with the shortest period, spread evenly.
    spaced: Quota,
    /// The others, each a sliding budget; one lock for all so a send is taken from
    /// every budget at once or from none.
    budgets: Mutex<Vec<Budget>>,
    /// `(n, period)` in the order declared.
    declared: Vec<(u32, Duration)>,
}

#[derive(Debug)]
struct Budget {
    n: usize,
    period: Duration,
    /// Send times within the last `period`, oldest first, `n` at most.
    sent: VecDeque<Instant>,
}

impl Budget {
    /// When the next send may go (`None`: now).
    fn next_at(&mut self, now: Instant) -> Option<Instant> {
        while self
            .sent
            .front()
            .is_some_and(|oldest| *oldest + self.period <= now)
        {
            self.sent.pop_front();
        }
        (self.sent.len() >= self.n).then(|| self.sent[0] + self.period)
    }
}

impl Quotas {
    /// Every `(n, period)` must be valid for [`Quota::new`]; at least one.
    pub(crate) fn new(quotas: &[(u32, Duration)]) -> Result<Quotas, Error> {
        for &(n, period) in quotas {
            Quota::new(n, period)?;
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
            .map(|(_, &(n, period))| Budget {
                n: n as usize,
                period,
                sent: VecDeque::new(),
            })
            .collect();
        Ok(Quotas {
            spaced: Quota::new(n, period)?,
            budgets: Mutex::new(budgets),
            declared: quotas.to_vec(),
        })
    }

    /// Takes a slot now (`None`) or says how long until one may be free.
    pub(crate) fn try_take(&self) -> Option<Duration> {
        let now = Instant::now();
        let mut budgets = self.budgets.lock().unwrap_or_else(PoisonError::into_inner);
        let held = budgets.iter_mut().filter_map(|b| b.next_at(now)).max();
        if let Some(until) = held {
            return Some(until - now);
        }
        if let Some(pause) = self.spaced.try_take() {
            return Some(pause);
        }
        for budget in budgets.iter_mut() {
            budget.sent.push_back(now);
        }
        None
    }

    /// The quotas in the order declared.
    pub(crate) fn declared(&self) -> &[(u32, Duration)] {
        &self.declared
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Send times (ms from the start) of `count` requests, each as soon as allowed.
    async fn send_times(quotas: &Quotas, count: usize) -> Vec<u128> {
        let t0 = Instant::now();
        let mut times = Vec::new();
        for _ in 0..count {
            while let Some(pause) = quotas.try_take() {
                tokio::time::sleep(pause).await;
            }
            times.push(t0.elapsed().as_millis());
        }
        times
    }

    // Proves two quotas are enforced together: 2 per second spread evenly and 5 per
    // 10 s as a budget give 0, 0.5, 1, 1.5, 2 s, then the 6th waits until the first
    // is 10 s old, the 7th until the second is (10.5 s).
    #[tokio::test(start_paused = true)]
    async fn short_quota_spaced_long_quota_a_budget() {
        let quotas = Quotas::new(&[(5, Duration::from_secs(10)), (2, Duration::from_secs(1))]);
        let quotas = quotas.unwrap();
        assert_eq!(
            send_times(&quotas, 7).await,
            [0, 500, 1000, 1500, 2000, 10_000, 10_500]
        );
        assert_eq!(
            quotas.declared(),
            [(5, Duration::from_secs(10)), (2, Duration::from_secs(1))]
        );
    }

    // Proves no span of a quota's period ever holds more than its n sends: over 300
    // sends under 100 a minute and 1,000 an hour, any 60 s holds ≤ 100 and the
    // spacing is 0.6 s.
    #[tokio::test(start_paused = true)]
    async fn never_more_than_either_quota_in_its_period() {
        let minute = Duration::from_secs(60);
        let quotas = Quotas::new(&[(100, minute), (1000, minute * 60)]).unwrap();
        let times = send_times(&quotas, 300).await;
        for (i, at) in times.iter().enumerate() {
            let within = times[i..].iter().take_while(|t| **t < at + 60_000).count();
            assert!(within <= 100, "{within} sends from {at} ms");
        }
        assert_eq!(times[299], 299 * 600);
    }

    // Proves nonsense is rejected: no quota, a zero n or period in any of them.
    #[test]
    fn rejects_nonsense() {
        let second = Duration::from_secs(1);
        assert!(Quotas::new(&[]).is_err());
        assert!(Quotas::new(&[(1, second), (0, second)]).is_err());
        assert!(Quotas::new(&[(1, second), (1, Duration::ZERO)]).is_err());
    }
}
