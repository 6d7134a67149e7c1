//! The organisation's shared quota and 429 gate: one Lua script per request checks
//! the gate (`{prefix}:gate:{org}`, until when a 429 asked every process to wait) and
//! every declared quota (`{prefix}:quota:{org}:{n}/{ms}`, each a GCRA theoretical
//! arrival time, as go-redis/redis_rate keeps it) on Redis' own `TIME`, and either
//! takes one request from every quota or, when any of them or the gate says wait,
//! takes nothing and answers the longest wait. Times are microseconds of Redis'
//! clock; no argument carries this machine's time.

use std::fmt;
use std::time::Duration;

use ::redis::Script;
use tokio::time::Instant;

use super::{Shared, failed};
use crate::coordinator::{CoordinatorError, Refused};

/// KEYS[1] the gate, KEYS[2..] one per quota; ARGV two per quota: its emission
/// interval and its burst. Answers `{1, 0}` (taken) or `{0, wait_us}` (nothing taken).
const TAKE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local wait = 0
local gate = tonumber(redis.call('GET', KEYS[1]) or '0')
if gate > now then wait = gate - now end
local next = {}
for i = 2, #KEYS do
  local interval = tonumber(ARGV[2 * i - 3])
  local burst = tonumber(ARGV[2 * i - 2])
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  if tat < now then tat = now end
  local allow_at = tat + interval - burst * interval
  if allow_at - now > wait then wait = allow_at - now end
  next[i] = tat + interval
end
if wait > 0 then return {0, math.ceil(wait)} end
for i = 2, #KEYS do
  local ttl_ms = math.ceil((next[i] - now) / 1000) + 1
  redis.call('SET', KEYS[i], string.format('%.0f', next[i]), 'PX', ttl_ms)
end
return {1, 0}";

/// KEYS[1] the gate; ARGV[1] the pause in milliseconds. Moves the gate to now + pause
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

/// One shared quota: `n` per `period`, spread at `interval` with `burst` at once.
#[derive(Clone)]
pub(super) struct Quota {
    n: u32,
    period: Duration,
    burst: u32,
}

/// The declared quotas, checked together.
#[derive(Clone)]
pub(super) struct Quotas(Vec<Quota>);

impl fmt::Debug for Quotas {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|q| format!("{}/{:?}", q.n, q.period)))
            .finish()
    }
}

impl Quotas {
    /// Every `(n, period)` with no burst; `n` and `period` must not be zero.
    pub(super) fn new(quotas: &[(u32, Duration)]) -> Result<Quotas, String> {
        quotas
            .iter()
            .map(|&(n, period)| Quota::new(n, period, 1))
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
        Ok(Quota { n, period, burst })
    }

    fn interval_us(&self) -> f64 {
        self.period.as_micros() as f64 / f64::from(self.n)
    }

    fn key(&self, prefix: &str, org_id: &str) -> String {
        format!(
            "{prefix}:quota:{org_id}:{}/{}",
            self.n,
            self.period.as_millis()
        )
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
    let script = Script::new(TAKE);
    let mut call = script.key(gate_key(&shared.prefix, org_id));
    for quota in quotas {
        call.key(quota.key(&shared.prefix, org_id));
    }
    for quota in quotas {
        call.arg(quota.interval_us()).arg(quota.burst);
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
