//! The coordinator seam: who hands out the per-(organisation, group) write locks and
//! the organisation's request quota. [`Coordinator::in_process`] (the default) is
//! this process's own: the locks of `in_process` and nothing shared beyond the
//! client's [`RateLimiter`](crate::RateLimiter). With the `redis` feature,
//! [`Coordinator::redis`] shares both with every process (and machine) using the
//! same Redis or Valkey server (see `redis`'s module doc for the keys, the scripts
//! and what happens when the server goes away). The core asks for locks through
//! [`Coordinator::serialized`], the request path for leave through
//! [`Coordinator::leave`], reports 429 pauses through [`Coordinator::pause`] and the
//! fixed windows its pacer learned from 429s through [`Coordinator::learned`] (both
//! shared by Redis, nothing to do in process).

mod failure;
mod in_process;
#[cfg(feature = "redis")]
mod redis;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

pub use failure::{CoordinatorError, CoordinatorErrorKind};
#[cfg(feature = "redis")]
pub use redis::{RedisCoordinatorBuilder, Unavailable};

/// Hands out the write locks of groups and the organisation's request quota, to one
/// process ([`in_process`](Self::in_process), the default) or to every process using
/// the same Redis server ([`redis`](Self::redis), feature `redis`). Cheap to clone;
/// give the same one to several clients to share it
/// ([`ClientBuilder::coordinator`](crate::ClientBuilder::coordinator)).
#[derive(Clone)]
pub struct Coordinator {
    kind: Arc<Kind>,
}

enum Kind {
    InProcess(in_process::Locks),
    #[cfg(feature = "redis")]
    Redis(redis::RedisCoordinator),
}

impl fmt::Debug for Coordinator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.kind {
            Kind::InProcess(_) => f.write_str("Coordinator::InProcess"),
            #[cfg(feature = "redis")]
            Kind::Redis(redis) => fmt::Debug::fmt(redis, f),
        }
    }
}

impl Default for Coordinator {
    fn default() -> Self {
        Coordinator::in_process()
    }
}

/// Whether the lock a piece of work runs under is still held. Always true in process;
/// with Redis false once the lock's renewal failed or its TTL passed unrenewed.
#[derive(Clone)]
pub(crate) struct Held(Option<redis_held::Handle>);

impl Held {
    pub(crate) fn is_held(&self) -> bool {
        self.0.as_ref().is_none_or(redis_held::Handle::is_held)
    }
}

#[cfg(feature = "redis")]
mod redis_held {
    pub(crate) use super::redis::Handle;
}
#[cfg(not(feature = "redis"))]
mod redis_held {
    /// Never built without the `redis` feature.
    #[derive(Clone)]
    pub(crate) enum Handle {}
    impl Handle {
        pub(crate) fn is_held(&self) -> bool {
            match *self {}
        }
    }
}

/// Why the shared quota gave no leave.
#[derive(Debug)]
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
pub(crate) enum Refused {
    /// The wait would end past the call's deadline.
    Overdue { resume_at: Instant },
    /// The coordinator failed (and is configured to fail closed).
    Failed(CoordinatorError),
}

impl Coordinator {
    /// This process's own locks and no shared quota: what a client uses unless told
    /// otherwise. Clients given the same one share its locks.
    pub fn in_process() -> Coordinator {
        Coordinator {
            kind: Arc::new(Kind::InProcess(in_process::Locks::default())),
        }
    }

    /// Starts configuring a Redis (or Valkey) coordinator at `url`
    /// (`redis://[:password@]host[:port][/db]`, `rediss://…` is not built in);
    /// [`connect`](RedisCoordinatorBuilder::connect) it.
    #[cfg(feature = "redis")]
    pub fn redis(url: impl Into<String>) -> RedisCoordinatorBuilder {
        RedisCoordinatorBuilder::new(url.into())
    }

    /// Whether other processes share it (its quota and gate are asked per request).
    pub(crate) fn is_shared(&self) -> bool {
        !matches!(&*self.kind, Kind::InProcess(_))
    }

    /// `"in-process"` or `"redis"`.
    pub fn kind(&self) -> &'static str {
        match &*self.kind {
            Kind::InProcess(_) => "in-process",
            #[cfg(feature = "redis")]
            Kind::Redis(_) => "redis",
        }
    }

    #[cfg(feature = "redis")]
    pub(crate) fn from_redis(redis: redis::RedisCoordinator) -> Coordinator {
        Coordinator {
            kind: Arc::new(Kind::Redis(redis)),
        }
    }

    /// Runs `work` holding the lock of `(org_id, group_id)`; `work` is told whether the
    /// lock is still held, to check right before it writes. Fails before running
    /// `work` when the lock cannot be had.
    pub(crate) async fn serialized<T, Fut>(
        &self,
        org_id: &Arc<str>,
        group_id: &str,
        work: impl FnOnce(Held) -> Fut,
    ) -> Result<T, CoordinatorError>
    where
        Fut: Future<Output = T>,
    {
        match &*self.kind {
            Kind::InProcess(locks) => {
                Ok(locks.serialized(org_id, group_id, work(Held(None))).await)
            }
            #[cfg(feature = "redis")]
            Kind::Redis(redis) => redis.serialized(org_id, group_id, work).await,
        }
    }

    /// Waits for the organisation's shared quota and gate to give leave for one
    /// request, and takes it; in process, at once (the client's limiter paces).
    pub(crate) async fn leave(
        &self,
        org_id: &str,
        deadline: Option<Instant>,
    ) -> Result<(), Refused> {
        match &*self.kind {
            Kind::InProcess(_) => {
                let _ = (org_id, deadline);
                Ok(())
            }
            #[cfg(feature = "redis")]
            Kind::Redis(redis) => redis.leave(org_id, deadline).await,
        }
    }

    /// Tells every process sharing the coordinator that the organisation's server
    /// asked for a pause (a 429's `Retry-After`).
    pub(crate) async fn pause(&self, org_id: &str, pause: Duration) {
        match &*self.kind {
            Kind::InProcess(_) => {
                let _ = (org_id, pause);
            }
            #[cfg(feature = "redis")]
            Kind::Redis(redis) => redis.pause(org_id, pause).await,
        }
    }

    /// Tells every process sharing the coordinator that the organisation's server
    /// allows `n` requests per `length` (a fixed window the pacer learned from a 429,
    /// or corrected): from their next request on, each is held to it.
    pub(crate) async fn learned(&self, org_id: &str, n: u64, length: Duration) {
        match &*self.kind {
            Kind::InProcess(_) => {
                let _ = (org_id, n, length);
            }
            #[cfg(feature = "redis")]
            Kind::Redis(redis) => redis.learned(org_id, n, length).await,
        }
    }
}
