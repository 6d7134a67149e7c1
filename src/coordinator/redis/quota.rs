//! The organisation's shared quota and 429 gate: one Lua script per request checks
//! the gate (`{prefix}:gate:{org}`, until when a 429 asked every process to wait) and
//! every declared quota on Redis' own `TIME`, and either takes one request from every
//! quota or, when any of them or the gate says wait, takes nothing and answers the
//! longest wait. As in process (`RateLimiter::with_quotas`), the quota with the
//! shortest period is spread evenly: a GCRA theoretical arrival time
//! (`{prefix}:quota:{org}:{n}/{ms}`, as go-redis/redis_rate keeps it); each longer
//! one is a budget of `n` in any span of its period: a sorted set of the send times
//! in it (`{prefix}:budget:{org}:{n}/{ms}`), so Tallyfy's 1,000 per hour does not
//! space every request 3.6 s apart while 100 per minute allows 0.6 s. The same call
//! holds the request to the windows the pacers learned from 429s (`learned`).
//! Times are microseconds of Redis' clock; no argument carries this machine's time.

use std::fmt;
use std::sync::LazyLock;
use std::time::Duration;

use ::redis::Script;
use tokio::time::Instant;

use super::{Shared, failed, learned};
use crate::coordinator::{CoordinatorError, Refused};

/// `KEYS[1]` the gate, `KEYS[2]` and `KEYS[3]` the learned windows and the send times
/// they count (see `learned`), `KEYS[4..]` one per quota; ARGV three per quota: its
/// kind (0: a GCRA, then its emission interval and burst; 1: a budget, then its `n`
/// and period, in microseconds). Answers `{1, 0}` (taken) or `{0, wait_us}`
/// (nothing taken).
static TAKE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{TAKE_HEAD}{}{TAKE_QUOTAS}{}return {{1, 0}}",
        learned::HONOUR,
        learned::COUNT
    ))
});

const TAKE_HEAD: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local wait = 0
local gate = tonumber(redis.call('GET', KEYS[1]) or '0')
if gate > now then wait = gate - now end
";

const TAKE_QUOTAS: &str = r"
local next = {}
local count = {}
for i = 4, #KEYS do
  local kind = tonumber(ARGV[3 * i - 11])
  local a = tonumber(ARGV[3 * i - 10])
  local b = tonumber(ARGV[3 * i - 9])
  if kind == 0 then
    local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
    if tat < now then tat = now end
    local allow_at = tat + a - b * a
    if allow_at - now > wait then wait = allow_at - now end
    next[i] = tat + a
  else
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', string.format('%.0f', now - b))
    count[i] = redis.call('ZCARD', KEYS[i])
    if count[i] >= a then
      local oldest = redis.call('ZRANGE', KEYS[i], count[i] - a, count[i] - a, 'WITHSCORES')
      local free_at = tonumber(oldest[2]) + b
      if free_at - now > wait then wait = free_at - now end
    end
  end
end
if wait > 0 then return {0, math.ceil(wait)} end
for i = 4, #KEYS do
  if tonumber(ARGV[3 * i - 11]) == 0 then
    local ttl_ms = math.ceil((next[i] - now) / 1000) + 1
    redis.call('SET', KEYS[i], string.format('%.0f', next[i]), 'PX', ttl_ms)
  else
    local stamp = string.format('%.0f', now)
    redis.call('ZADD', KEYS[i], stamp, stamp .. ':' .. count[i])
    redis.call('PEXPIRE', KEYS[i], math.ceil(tonumber(ARGV[3 * i - 9]) / 1000) + 1)
  end
end
";

/// `KEYS[1]` the gate; `ARGV[1]` the pause in milliseconds. Moves the gate to now + pause
/// unless it already is later.
const PAUSE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local pause_ms = tonumber(ARGV[1])
local until_us = now + pause_ms * 1000
local gate = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_us > gate then
  redis.call('SET', KEYS[1], string.format('%.0f', until_us), 'PX', pause_ms)
end
return 1";

/// One shared quota: `n` per `period`, spread at `interval` with `burst` at once
/// (`burst: None`: a budget of `n` in any span of `period` instead).
#[derive(Clone)]
pub(super) struct Quota {
    n: u32,
    period: Duration,
    burst: Option<u32>,
}

/// The declared quotas, checked together.
#[derive(Clone)]
pub(super) struct Quotas(pub(super) Vec<Quota>);

impl fmt::Debug for Quotas {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|q| format!("{}/{:?}", q.n, q.period)))
            .finish()
    }
}

impl Quotas {
    /// Every `(n, period)`: the one with the shortest period spread with no burst,
    /// each other one a budget; `n` and `period` must not be zero.
    pub(super) fn new(quotas: &[(u32, Duration)]) -> Result<Quotas, String> {
        let shortest = quotas.iter().map(|&(_, period)| period).min();
        let mut spread = false;
        (quotas.iter())
            .map(|&(n, period)| {
                if Some(period) == shortest && !spread {
                    spread = true;
                    Quota::new(n, period, 1)
                } else {
                    Quota::budget(n, period)
                }
            })
            .collect::<Result<_, _>>()
            .map(Quotas)
    }
}

impl Quota {
    pub(super) fn new(n: u32, period: Duration, burst: u32) -> Result<Quota, String> {
        if n == 0 || period.is_zero() || burst == 0 {
            return Err(format!(
                "quota {n}/{period:?}: needs n, period and burst above zero"
            ));
        }
        Ok(Quota {
            n,
            period,
            burst: Some(burst),
        })
    }

    /// A budget of `n` requests in any span of `period`.
    pub(super) fn budget(n: u32, period: Duration) -> Result<Quota, String> {
        let mut quota = Quota::new(n, period, 1)?;
        quota.burst = None;
        Ok(quota)
    }

    fn interval_us(&self) -> f64 {
        self.period.as_micros() as f64 / f64::from(self.n)
    }

    fn key(&self, prefix: &str, org_id: &str) -> String {
        let kind = if self.burst.is_some() {
            "quota"
        } else {
            "budget"
        };
        format!(
            "{prefix}:{kind}:{org_id}:{}/{}",
            self.n,
            self.period.as_millis()
        )
    }

    /// The script's three arguments for this quota.
    fn args(&self) -> (u8, f64, f64) {
        match self.burst {
            Some(burst) => (0, self.interval_us(), f64::from(burst)),
            None => (1, f64::from(self.n), self.period.as_micros() as f64),
        }
    }
}

pub(super) fn gate_key(prefix: &str, org_id: &str) -> String {
    format!("{prefix}:gate:{org_id}")
}

/// One try: `None` when a request was taken from every quota, else the wait.
pub(super) async fn take(
    shared: &Shared,
    quotas: &[Quota],
    org_id: &str,
) -> Result<Option<Duration>, CoordinatorError> {
    let mut call = TAKE.key(gate_key(&shared.prefix, org_id));
    call.key(learned::learned_key(&shared.prefix, org_id));
    call.key(learned::sent_key(&shared.prefix, org_id));
    for quota in quotas {
        call.key(quota.key(&shared.prefix, org_id));
    }
    for quota in quotas {
        let (kind, a, b) = quota.args();
        call.arg(kind).arg(a).arg(b);
    }
    let (taken, wait_us): (i64, i64) = call
        .invoke_async(&mut shared.conn.clone())
        .await
        .map_err(|e| failed(&shared.url, &e))?;
    Ok((taken != 1).then(|| Duration::from_micros(wait_us.max(1) as u64)))
}

/// Waits until the gate and every quota give leave, and takes it; refuses when the
/// wait would end past `deadline`.
pub(super) async fn leave(
    shared: &Shared,
    org_id: &str,
    deadline: Option<Instant>,
) -> Result<(), Refused> {
    loop {
        let wait = match take(shared, &shared.quotas.0, org_id).await {
            Ok(None) => return Ok(()),
            Ok(Some(wait)) => wait,
            Err(error) => return Err(Refused::Failed(error)),
        };
        let resume_at = Instant::now() + wait;
        if deadline.is_some_and(|deadline| resume_at > deadline) {
            return Err(Refused::Overdue { resume_at });
        }
        // A little jitter so processes woken together do not race in lockstep.
        tokio::time::sleep(wait + Duration::from_micros(fastrand::u64(0..2_000))).await;
    }
}

/// Moves the organisation's gate to now + `pause` on Redis' clock (never earlier).
pub(super) async fn pause(
    shared: &Shared,
    org_id: &str,
    pause: Duration,
) -> Result<(), CoordinatorError> {
    if pause.is_zero() {
        return Ok(());
    }
    let _: i64 = Script::new(PAUSE)
        .key(gate_key(&shared.prefix, org_id))
        .arg(pause.as_millis().max(1) as u64)
        .invoke_async(&mut shared.conn.clone())
        .await
        .map_err(|e| failed(&shared.url, &e))?;
    Ok(())
}
