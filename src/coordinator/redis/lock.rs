//! One group's shared lock: taken with `SET key token NX PX ttl` (polling with
//! backoff and jitter while another holds it, up to the lock wait), renewed at a
//! third of the TTL by a compare-and-`PEXPIRE` script, released by a
//! compare-and-delete script. The token is random and this lock's alone, so a
//! holder whose lock expired (and was taken by another) can neither renew nor
//! release the other's. [`Handle::is_held`] turns false for good when a renewal
//! finds the lock gone or the TTL passes without one.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use ::redis::Script;
use tokio::time::Instant;

use super::{Shared, failed};
use crate::coordinator::CoordinatorError;

const RENEW: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0";

const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0";

/// Why no lock was had.
pub(super) enum Failure {
    /// The server failed or could not be reached.
    Redis(CoordinatorError),
    /// Another holder kept it past the lock wait.
    Timeout(CoordinatorError),
}

/// A held lock; release it with [`Lock::release`] (dropping it releases it in the
/// background).
pub(super) struct Lock {
    shared: Arc<Shared>,
    key: String,
    token: String,
    state: Handle,
    renewal: tokio::task::JoinHandle<()>,
    released: bool,
}

/// Whether a lock is still held, as its renewals know.
#[derive(Clone)]
pub(crate) struct Handle(Arc<State>);

struct State {
    lost: AtomicBool,
    /// Milliseconds after `base` until which the lock is known to live.
    valid_until_ms: AtomicU64,
    base: Instant,
}

impl Handle {
    pub(crate) fn is_held(&self) -> bool {
        let state = &self.0;
        let now = state.base.elapsed().as_millis() as u64;
        !state.lost.load(Ordering::Acquire) && now < state.valid_until_ms.load(Ordering::Acquire)
    }

    fn extend(&self, sent: Instant, ttl: Duration) {
        let until = (sent + ttl)
            .saturating_duration_since(self.0.base)
            .as_millis() as u64;
        self.0.valid_until_ms.fetch_max(until, Ordering::AcqRel);
    }
}

/// A fresh random token (not derived from anything secret).
fn token() -> String {
    format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}

/// Takes the lock at `key`, waiting (polling with backoff and jitter) while another
/// holds it, at most the lock wait.
pub(super) async fn acquire(
    shared: &Arc<Shared>,
    key: String,
    group_id: &str,
) -> Result<Lock, Failure> {
    let token = token();
    let started = Instant::now();
    let ttl_ms = shared.lock_ttl.as_millis() as u64;
    let mut delay = Duration::from_millis(5);
    loop {
        let sent = Instant::now();
        let answer: Option<String> = ::redis::cmd("SET")
            .arg(&key)
            .arg(&token)
            .arg("NX")
            .arg("PX")
            .arg(ttl_ms)
            .query_async(&mut shared.conn.clone())
            .await
            .map_err(|e| Failure::Redis(failed(&shared.url, &e)))?;
        if answer.is_some() {
            let state = Handle(Arc::new(State {
                lost: AtomicBool::new(false),
                valid_until_ms: AtomicU64::new(0),
                base: sent,
            }));
            state.extend(sent, shared.lock_ttl);
            let renewal = tokio::spawn(renew(
                shared.clone(),
                key.clone(),
                token.clone(),
                state.clone(),
            ));
            return Ok(Lock {
                shared: shared.clone(),
                key,
                token,
                state,
                renewal,
                released: false,
            });
        }
        let waited = started.elapsed();
        if waited >= shared.lock_wait {
            return Err(Failure::Timeout(CoordinatorError::lock_timeout(
                group_id, waited,
            )));
        }
        // Full jitter over [delay/2, delay], doubling up to 100 ms.
        let jittered = delay / 2 + delay.mul_f64(fastrand::f64() / 2.0);
        tokio::time::sleep(jittered.min(shared.lock_wait - waited)).await;
        delay = (delay * 2).min(Duration::from_millis(100));
    }
}

/// Renews the lock every third of its TTL until it is found lost (or the task is
/// aborted at release). A failed call leaves the lock valid until its known expiry.
async fn renew(shared: Arc<Shared>, key: String, token: String, state: Handle) {
    let script = Script::new(RENEW);
    let every = shared.lock_ttl / 3;
    loop {
        tokio::time::sleep(every).await;
        let sent = Instant::now();
        let answer: Result<i64, _> = script
            .key(&key)
            .arg(&token)
            .arg(shared.lock_ttl.as_millis() as u64)
            .invoke_async(&mut shared.conn.clone())
            .await;
        match answer {
            Ok(1) => state.extend(sent, shared.lock_ttl),
            Ok(_) => {
                state.0.lost.store(true, Ordering::Release);
                tracing::warn!(key = %key, "a group's lock was lost (expired or taken over)");
                return;
            }
            Err(error) => tracing::debug!(%error, "could not renew a group's lock"),
        }
    }
}

impl Lock {
    pub(super) fn handle(&self) -> Handle {
        self.state.clone()
    }

    /// Stops renewing and deletes the lock if it is still this holder's.
    pub(super) async fn release(mut self) {
        self.released = true;
        self.renewal.abort();
        release(&self.shared, &self.key, &self.token).await;
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        // Cancelled while held: release in the background (or let the TTL do it).
        self.renewal.abort();
        let (shared, key, token) = (self.shared.clone(), self.key.clone(), self.token.clone());
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { release(&shared, &key, &token).await });
        }
    }
}

async fn release(shared: &Shared, key: &str, token: &str) {
    let answer: Result<i64, _> = Script::new(RELEASE)
        .key(key)
        .arg(token)
        .invoke_async(&mut shared.conn.clone())
        .await;
    if let Err(error) = answer {
        tracing::debug!(%error, "could not release a group's lock; it expires by itself");
    }
}

/// The scripts, for the tests of their fencing.
#[cfg(test)]
pub(super) fn scripts() -> (Script, Script) {
    (Script::new(RENEW), Script::new(RELEASE))
}
