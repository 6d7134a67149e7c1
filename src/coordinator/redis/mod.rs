//! The Redis (or Valkey) coordinator: the write locks and the organisation's quota
//! shared by every process using the same server.
//!
//! - **Keys**, under the prefix (default `tallyfy-groups`): `{prefix}:lock:{org}:{group}`
//!   (a random token of the holder, with a TTL), `{prefix}:quota:{org}:{n}/{ms}` (a
//!   GCRA theoretical arrival time, microseconds of Redis' clock),
//!   `{prefix}:budget:{org}:{n}/{ms}` (a longer quota's send times),
//!   `{prefix}:gate:{org}` (until when a 429 asked every process to wait),
//!   `{prefix}:learned:{org}` (the windows the pacers learned from 429s: `n` to
//!   length and expiry) and `{prefix}:sent:{org}` (the send times those count).
//!   Nothing else: no access token, no member id, no personal data.
//! - **Locks** (`lock`): `SET NX PX`, renewed at a third of the TTL while held
//!   (compare-and-`PEXPIRE`), released by compare-and-delete, so a holder whose lock
//!   expired can neither renew nor release another's. A holder checks that it still
//!   holds the lock right before its PUT; if not, the core takes the lock again and
//!   reads again instead of writing.
//! - **Quota** (`quota`): one Lua script per request checks the gate and every declared
//!   quota at once on Redis' `TIME` (never this machine's clock) and takes from all or
//!   none; a 429's pause is written back as the gate, and every fixed window a
//!   pacer learns from a 429 (`learned`) is written back too and honoured by the same
//!   script, so one process's 429 slows them all. The header model and the adaptive
//!   rate stay per process (`learned` says why).
//! - **Server unreachable or restarted mid-run**: by default the coordinator fails
//!   closed ([`Unavailable::FailClosed`]): the call fails with
//!   [`Error::Coordinator`](crate::Error::Coordinator) before anything is written,
//!   and nothing is ever written without the shared lock. [`Unavailable::InProcess`]
//!   instead carries on with this process's own locks and limiter, with one
//!   `tracing` warning. A restarted server loses its locks: their holders see the
//!   lock lost at the next renewal or check and take it again before writing.

mod learned;
mod lock;
mod quota;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::time::Instant;

use super::{Coordinator, CoordinatorError, CoordinatorErrorKind, Held, Refused, in_process};
pub(crate) use lock::Handle;

const DEFAULT_PREFIX: &str = "tallyfy-groups";
const DEFAULT_LOCK_TTL: Duration = Duration::from_secs(10);
const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(120);
/// Tallyfy's published quotas per organisation.
const DEFAULT_QUOTAS: [(u32, Duration); 2] = [
    (100, Duration::from_secs(60)),
    (1000, Duration::from_secs(3600)),
];

/// What the coordinator does when its server cannot be reached (or fails) mid-run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unavailable {
    /// Fail the call with [`Error::Coordinator`](crate::Error::Coordinator) before
    /// anything is written (the default: nothing is ever written without the lock).
    #[default]
    FailClosed,
    /// Carry on with this process's own locks and rate limiter, warning once: other
    /// processes are no longer kept out meanwhile.
    InProcess,
}

/// Configures a Redis coordinator ([`Coordinator::redis`]).
#[derive(Clone)]
pub struct RedisCoordinatorBuilder {
    url: String,
    prefix: String,
    lock_ttl: Duration,
    lock_wait: Duration,
    quotas: Vec<(u32, Duration)>,
    unavailable: Unavailable,
}

impl fmt::Debug for RedisCoordinatorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisCoordinatorBuilder")
            .field("url", &redacted(&self.url))
            .field("prefix", &self.prefix)
            .field("lock_ttl", &self.lock_ttl)
            .field("lock_wait", &self.lock_wait)
            .field("quotas", &self.quotas)
            .field("unavailable", &self.unavailable)
            .finish()
    }
}

impl RedisCoordinatorBuilder {
    pub(super) fn new(url: String) -> Self {
        RedisCoordinatorBuilder {
            url,
            prefix: DEFAULT_PREFIX.to_owned(),
            lock_ttl: DEFAULT_LOCK_TTL,
            lock_wait: DEFAULT_LOCK_WAIT,
            quotas: DEFAULT_QUOTAS.to_vec(),
            unavailable: Unavailable::default(),
        }
    }

    /// The prefix of every key; default `tallyfy-groups`.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long a lock lives unrenewed (a holder renews it every third of this while
    /// alive); default 10 s. A killed holder's lock frees itself after this long.
    pub fn lock_ttl(mut self, ttl: Duration) -> Self {
        self.lock_ttl = ttl;
        self
    }

    /// How long to wait for a lock another process holds before failing with
    /// [`CoordinatorErrorKind::LockTimeout`]; default 120 s.
    pub fn lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    /// The organisation's quotas shared by every process, `(n, period)`, all enforced
    /// together as [`RateLimiter::with_quotas`](crate::RateLimiter::with_quotas) does:
    /// the one with the shortest period spread evenly with no burst, each other one a
    /// budget of `n` in any span of its `period`; default Tallyfy's published 100 per
    /// minute (one every 0.6 s) and 1,000 per hour.
    /// An empty list shares only the 429 gate.
    pub fn quotas(mut self, quotas: &[(u32, Duration)]) -> Self {
        self.quotas = quotas.to_vec();
        self
    }

    /// What to do when the server cannot be reached mid-run; default
    /// [`Unavailable::FailClosed`].
    pub fn on_unavailable(mut self, unavailable: Unavailable) -> Self {
        self.unavailable = unavailable;
        self
    }

    /// Checks the settings, connects and sends a `PING`. Fails with
    /// [`CoordinatorErrorKind::Config`] for a bad setting and
    /// [`CoordinatorErrorKind::Unavailable`] when the server does not answer (whatever
    /// [`on_unavailable`](Self::on_unavailable) says: it is for failures mid-run).
    pub async fn connect(self) -> Result<Coordinator, CoordinatorError> {
        let config = |why: String| CoordinatorError::new(CoordinatorErrorKind::Config, why);
        if self.lock_ttl < Duration::from_millis(30) {
            return Err(config("the lock TTL must be at least 30 ms".into()));
        }
        if self.prefix.is_empty() {
            return Err(config("the key prefix must not be empty".into()));
        }
        let quotas = quota::Quotas::new(&self.quotas).map_err(config)?;
        let client = ::redis::Client::open(self.url.as_str()).map_err(|e| {
            config(format!(
                "coordinator URL {} is not valid: {}",
                redacted(&self.url),
                e.category()
            ))
        })?;
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(200));
        let url = redacted(&self.url);
        let unavailable = |e: ::redis::RedisError| failed(&url, &e);
        let mut conn = ConnectionManager::new_with_config(client, manager_config)
            .await
            .map_err(unavailable)?;
        ::redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .map_err(unavailable)?;
        Ok(Coordinator::from_redis(RedisCoordinator {
            shared: Arc::new(Shared {
                conn,
                url,
                prefix: self.prefix,
                lock_ttl: self.lock_ttl,
                lock_wait: self.lock_wait,
                quotas,
                unavailable: self.unavailable,
                warned: AtomicBool::new(false),
            }),
            local: in_process::Locks::default(),
        }))
    }
}

/// A connected Redis coordinator.
pub(crate) struct RedisCoordinator {
    shared: Arc<Shared>,
    /// Taken before the shared lock: one task per process waits for it.
    local: in_process::Locks,
}

/// What the lock's renewal task shares with the coordinator.
struct Shared {
    conn: ConnectionManager,
    /// The URL without its password, for messages.
    url: String,
    prefix: String,
    lock_ttl: Duration,
    lock_wait: Duration,
    quotas: quota::Quotas,
    unavailable: Unavailable,
    warned: AtomicBool,
}

impl fmt::Debug for RedisCoordinator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = &self.shared;
        f.debug_struct("Coordinator::Redis")
            .field("url", &shared.url)
            .field("prefix", &shared.prefix)
            .field("lock_ttl", &shared.lock_ttl)
            .field("quotas", &shared.quotas)
            .field("unavailable", &shared.unavailable)
            .finish()
    }
}

impl RedisCoordinator {
    pub(super) async fn serialized<T, Fut>(
        &self,
        org_id: &Arc<str>,
        group_id: &str,
        work: impl FnOnce(Held) -> Fut,
    ) -> Result<T, CoordinatorError>
    where
        Fut: Future<Output = T>,
    {
        let shared = &self.shared;
        let inner = async {
            let key = format!("{}:lock:{org_id}:{group_id}", shared.prefix);
            match lock::acquire(shared, key, group_id).await {
                Ok(lock) => {
                    let result = work(Held(Some(lock.handle()))).await;
                    lock.release().await;
                    Ok(result)
                }
                Err(lock::Failure::Redis(error)) => {
                    shared.fall_back(error)?;
                    Ok(work(Held(None)).await)
                }
                Err(lock::Failure::Timeout(error)) => Err(error),
            }
        };
        self.local.serialized(org_id, group_id, inner).await
    }

    pub(super) async fn leave(
        &self,
        org_id: &str,
        deadline: Option<Instant>,
    ) -> Result<(), Refused> {
        match quota::leave(&self.shared, org_id, deadline).await {
            Err(Refused::Failed(error)) => self.shared.fall_back(error).map_err(Refused::Failed),
            other => other,
        }
    }

    pub(super) async fn pause(&self, org_id: &str, pause: Duration) {
        if let Err(error) = quota::pause(&self.shared, org_id, pause).await {
            tracing::warn!(%error, "could not share a 429's pause through the coordinator");
        }
    }

    pub(super) async fn learned(&self, org_id: &str, n: u64, length: Duration) {
        match learned::learned(&self.shared, org_id, n, length).await {
            Ok(shared) => tracing::debug!(
                n,
                window_ms = shared.as_millis() as u64,
                "shared a learned rate-limit window through the coordinator"
            ),
            Err(error) => tracing::warn!(
                %error,
                "could not share a learned rate-limit window through the coordinator"
            ),
        }
    }
}

impl Shared {
    /// After a failed call to the server: the error (fail closed), or `Ok` to carry
    /// on in process, with a warning the first time.
    fn fall_back(&self, error: CoordinatorError) -> Result<(), CoordinatorError> {
        match self.unavailable {
            Unavailable::FailClosed => Err(error),
            Unavailable::InProcess => {
                if !self.warned.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        %error,
                        "the coordinator's server is unavailable: carrying on with this \
                         process's own locks and limiter (other processes are not kept out)"
                    );
                }
                Ok(())
            }
        }
    }
}

/// A server failure as a [`CoordinatorError`], naming the server without its password.
fn failed(url: &str, error: &::redis::RedisError) -> CoordinatorError {
    let detail = if error.is_io_error() || error.is_connection_dropped() || error.is_timeout() {
        "cannot reach the server".to_owned()
    } else {
        format!("the server answered {}", error.category())
    };
    CoordinatorError::new(
        CoordinatorErrorKind::Unavailable,
        format!("coordinator {url}: {detail}; nothing was written"),
    )
}

/// `url` with its password (and user name) replaced by `***`.
pub(crate) fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            if !parsed.username().is_empty() {
                let _ = parsed.set_username("***");
            }
            parsed.to_string()
        }
        Err(_) => "(an unparsable URL)".to_owned(),
    }
}

#[cfg(test)]
mod learned_tests;
#[cfg(test)]
mod tests;

#[cfg(test)]
mod redact_tests {
    use super::*;

    // Proves a coordinator URL's password and user name never reach a message.
    #[test]
    fn urls_are_redacted() {
        let shown = redacted("redis://alice:s3cret@127.0.0.1:6379/2");
        assert!(
            !shown.contains("s3cret") && !shown.contains("alice"),
            "{shown}"
        );
        assert_eq!(redacted("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
        assert_eq!(redacted("::"), "(an unparsable URL)");
    }
}
