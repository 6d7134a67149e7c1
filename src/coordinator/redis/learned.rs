//! The fixed windows the pacers learned from 429s, shared: when a process's pacer
//! learns (or corrects) that the organisation's server allows `n` requests per
//! `length` (a Laravel window, see `pacing::learned`), it is written to the hash
//! `{prefix}:learned:{org}`, field `n`, value `{length_us}:{expires_us}` (Redis'
//! clock). The quota script (`quota`) reads that hash in the same call that gives
//! leave, and holds every process to `n` sends in any span of the window's length
//! (plus a margin) counted over the sorted set `{prefix}:sent:{org}` of the send
//! times of every process, kept while a window is known. So after one process's
//! first 429 teaches a window, no process overruns it.
//!
//! - One window per `n`: learned again, the longer length is kept and the expiry
//!   moves on. A window expires `max(1 h, 10 × length)` after it was last learned:
//!   honoured, it sends no 429 to learn it again, so a server that lifted its limit
//!   is asked again after that (one 429 teaches it back). At most [`MAX_WINDOWS`]
//!   windows, the one expiring first making room.
//! - Why inside the quota script, not passed by the client: the windows reach every
//!   process at its very next request, and leave is given against all of them at
//!   once, all or nothing, in one round trip; the two keys are named in `KEYS`.
//! - Why a span of the length and not the server's own fixed window: send times are
//!   Redis' when leave is given, the server counts arrivals; `n` in any span of the
//!   length lets at most `n` into any window that long, however the server placed
//!   it. The
//!   margin (a twentieth of the length, 100 ms to 1 s) covers the arrival of a
//!   window's first request later than its successor's.
//! - A failure to write a window back is a warning, as a pause's is: this process's
//!   own pacer still holds it to the window, and its next leave fails closed (or
//!   falls back) as configured.
//! - What stays open: a process measures a window from its own first send in it, so
//!   one that joined a window another process opened learns it shorter than it is;
//!   the longest length reported is kept (the first wave's processes report theirs
//!   together), and a 429 that still comes pauses every process through the gate
//!   (it lengthens the window only as far as the refused process can tell).
//! - What stays per process: the header model (the server's `X-RateLimit-Remaining`
//!   already counts every process's requests, so it needs no sharing) and the
//!   adaptive rate (inferred from this process's own 429 spacing where no header
//!   explains it; the 429's pause is shared as the gate).

use std::time::Duration;

use ::redis::Script;

use super::{Shared, failed};
use crate::coordinator::CoordinatorError;

/// The most windows shared per organisation (Laravel routes rarely declare more
/// than two; the pacer itself learns at most four).
pub(super) const MAX_WINDOWS: u32 = 4;
/// A learned window is kept at least this long after it was last learned.
const KEEP_AT_LEAST: Duration = Duration::from_secs(3600);
/// ... and at least this many of its lengths.
const KEEP_LENGTHS: u32 = 10;

/// `KEYS[1]` the hash; `ARGV[1]` `n`, `ARGV[2]` the length and `ARGV[3]` how long to keep
/// it, in microseconds, `ARGV[4]` the most windows. Drops expired windows, keeps the
/// longer length of a window already known, makes room by dropping the one expiring
/// first, and answers the length stored.
const LEARN: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local n = ARGV[1]
local len = tonumber(ARGV[2])
local fields = redis.call('HGETALL', KEYS[1])
local others = {}
for j = 1, #fields, 2 do
  local l, e = string.match(fields[j + 1], '^(%d+):(%d+)$')
  if not l or tonumber(e) <= now then
    redis.call('HDEL', KEYS[1], fields[j])
  elseif fields[j] == n then
    if tonumber(l) > len then len = tonumber(l) end
  else
    others[#others + 1] = {fields[j], tonumber(e)}
  end
end
table.sort(others, function(a, b) return a[2] < b[2] end)
while #others >= tonumber(ARGV[4]) do
  redis.call('HDEL', KEYS[1], others[1][1])
  table.remove(others, 1)
end
local expires = now + tonumber(ARGV[3])
redis.call('HSET', KEYS[1], n, string.format('%.0f:%.0f', len, expires))
local last = expires
for _, other in ipairs(others) do
  if other[2] > last then last = other[2] end
end
redis.call('PEXPIRE', KEYS[1], math.ceil((last - now) / 1000))
return len";

/// The part of the quota script that honours the learned windows: `KEYS[2]` the hash,
/// `KEYS[3]` the send times; `now` and `wait` are the script's. Sets `spans` (each
/// window's `{n, span}`) and `longest` (0: no window known), and raises `wait` to
/// when every window has room.
pub(super) const HONOUR: &str = r"
local spans = {}
local longest = 0
local learned = redis.call('HGETALL', KEYS[2])
for j = 1, #learned, 2 do
  local len, expires = string.match(learned[j + 1], '^(%d+):(%d+)$')
  if len and tonumber(expires) > now then
    len = tonumber(len)
    local span = len + math.min(math.max(len / 20, 100000), 1000000)
    spans[#spans + 1] = {tonumber(learned[j]), span}
    if span > longest then longest = span end
  end
end
if longest > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', string.format('%.0f', now - longest))
  for _, w in ipairs(spans) do
    local from = '(' .. string.format('%.0f', now - w[2])
    local count = redis.call('ZCOUNT', KEYS[3], from, '+inf')
    if count >= w[1] then
      local oldest = redis.call('ZRANGEBYSCORE', KEYS[3], from, '+inf', 'WITHSCORES',
        'LIMIT', count - w[1], 1)
      local free_at = tonumber(oldest[2]) + w[2]
      if free_at - now > wait then wait = free_at - now end
    end
  end
end
";

/// The part of the quota script that counts a send given leave, once every quota
/// was taken from: in the send times, while a window is known.
pub(super) const COUNT: &str = r"
if longest > 0 then
  local stamp = string.format('%.0f', now)
  redis.call('ZADD', KEYS[3], stamp, stamp .. ':' .. redis.call('ZCARD', KEYS[3]))
  redis.call('PEXPIRE', KEYS[3], math.ceil(longest / 1000) + 1)
end
";

pub(super) fn learned_key(prefix: &str, org_id: &str) -> String {
    format!("{prefix}:learned:{org_id}")
}

pub(super) fn sent_key(prefix: &str, org_id: &str) -> String {
    format!("{prefix}:sent:{org_id}")
}

/// Shares that the organisation's server allows `n` requests per `length`; answers
/// the length now shared for `n` (the longer of this and what was known).
pub(super) async fn learned(
    shared: &Shared,
    org_id: &str,
    n: u64,
    length: Duration,
) -> Result<Duration, CoordinatorError> {
    let keep = KEEP_AT_LEAST.max(length.saturating_mul(KEEP_LENGTHS));
    learn_for(shared, org_id, n, length, keep).await
}

/// [`learned`], kept for `keep` from now.
pub(super) async fn learn_for(
    shared: &Shared,
    org_id: &str,
    n: u64,
    length: Duration,
    keep: Duration,
) -> Result<Duration, CoordinatorError> {
    let stored: u64 = Script::new(LEARN)
        .key(learned_key(&shared.prefix, org_id))
        .arg(n)
        .arg(length.as_micros().max(1) as u64)
        .arg(keep.as_micros().max(1) as u64)
        .arg(MAX_WINDOWS)
        .invoke_async(&mut shared.conn.clone())
        .await
        .map_err(|e| failed(&shared.url, &e))?;
    Ok(Duration::from_micros(stored))
}
