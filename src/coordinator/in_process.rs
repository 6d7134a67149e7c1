//! The in-process coordinator's locks: one per (organisation, group) for a client,
//! its clones and every client given the same [`Coordinator`](super::Coordinator):
//! one read-modify-write at a time per group, different groups in parallel. Owns the
//! lock registry only (it lives in the coordinator, not in a global); what runs under
//! a lock is the core's. The Redis coordinator takes one of these first, so only one
//! task per process waits for the shared lock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

type Key = (Arc<str>, String);

/// The per-group locks of a client and all its clones.
#[derive(Debug, Default)]
pub(crate) struct Locks {
    /// One lock per group being written; an entry lives while someone holds or
    /// awaits its lock, and is removed by the last of them.
    locks: Mutex<HashMap<Key, Arc<tokio::sync::Mutex<()>>>>,
}

impl Locks {
    /// Runs `work` holding the lock of `(org_id, group_id)`: one at a time per group,
    /// different groups in parallel. Cancel-safe: a dropped waiter removes nothing
    /// another task still needs and leaves no entry behind.
    pub(crate) async fn serialized<T>(
        &self,
        org_id: &Arc<str>,
        group_id: &str,
        work: impl Future<Output = T>,
    ) -> T {
        let user = self.user((org_id.clone(), group_id.to_owned()));
        let _guard = user.mutex.lock().await;
        work.await
    }

    /// The number of groups whose lock is held or awaited right now.
    #[cfg(test)]
    pub(crate) fn entries(&self) -> usize {
        self.map().len()
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Arc<tokio::sync::Mutex<()>>>> {
        self.locks.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn user(&self, key: Key) -> LockUser<'_> {
        let mutex = self.map().entry(key.clone()).or_default().clone();
        LockUser {
            locks: self,
            key,
            mutex,
        }
    }
}

/// One task's claim on a group's lock entry; the last claim to go removes the entry.
struct LockUser<'a> {
    locks: &'a Locks,
    key: Key,
    mutex: Arc<tokio::sync::Mutex<()>>,
}

impl Drop for LockUser<'_> {
    fn drop(&mut self) {
        let mut map = self.locks.map();
        // Claims are taken under the map's lock, so two strong references (the map's
        // and ours) mean nobody else holds or awaits this lock, nor can start to.
        if Arc::strong_count(&self.mutex) == 2 {
            map.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt;

    // Proves an entry exists only while its lock is held or awaited, and that the same
    // group waits while a different group does not.
    #[tokio::test]
    async fn entries_go_away_when_unused() {
        let writes = Locks::default();
        let org: Arc<str> = Arc::from("org");
        let (held_tx, held_rx) = tokio::sync::oneshot::channel::<()>();
        let (release_tx, release_rx) = tokio::sync::oneshot::channel::<()>();
        let holder = writes.serialized(&org, "a", async {
            held_tx.send(()).unwrap();
            release_rx.await.unwrap();
        });
        let other = async {
            held_rx.await.unwrap();
            assert_eq!(writes.entries(), 1);
            // A different group runs while "a" is held.
            writes.serialized(&org, "b", async {}).await;
            assert_eq!(writes.entries(), 1);
            // A waiter on "a" that gives up leaves the entry to the holder.
            let waiter = writes.serialized(&org, "a", async {});
            let mut waiter = Box::pin(waiter);
            assert!((&mut waiter).now_or_never().is_none());
            drop(waiter);
            assert_eq!(writes.entries(), 1);
            release_tx.send(()).unwrap();
        };
        futures::future::join(holder, other).await;
        assert_eq!(writes.entries(), 0);
    }
}
