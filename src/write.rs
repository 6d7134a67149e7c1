//! Read-modify-write of one group, without loss inside one client: a per-(organisation,
//! group) lock shared by a `Client` and its clones, and the guarded loop that reads,
//! plans the PUT, re-reads to compare, and re-plans on the fresh copy when another
//! writer changed the group in between. Owns no request building (the callers plan
//! the PUT body) and no global state: the registry lives in the client.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::error::Error;
use crate::generated::types::UpdateGroupRequest;
use crate::groups::Groups;
use crate::model::Group;

/// How often a change is re-applied to a fresh copy of a group that changed under it,
/// before [`Error::Conflict`]: [`ClientBuilder::conflict_retries`](crate::ClientBuilder::conflict_retries).
pub const DEFAULT_CONFLICT_RETRIES: u32 = 3;

type Key = (Arc<str>, String);

/// The write settings and per-group locks of a client and all its clones.
#[derive(Debug)]
pub(crate) struct Writes {
    /// How often a change is re-planned after the compare read found a change.
    pub(crate) conflict_retries: u32,
    /// One lock per group being written; an entry lives while someone holds or
    /// awaits its lock, and is removed by the last of them.
    locks: Mutex<HashMap<Key, Arc<tokio::sync::Mutex<()>>>>,
}

impl Writes {
    pub(crate) fn new(conflict_retries: u32) -> Self {
        Writes {
            conflict_retries,
            locks: Mutex::new(HashMap::new()),
        }
    }

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
            writes: self,
            key,
            mutex,
        }
    }
}

/// One task's claim on a group's lock entry; the last claim to go removes the entry.
struct LockUser<'a> {
    writes: &'a Writes,
    key: Key,
    mutex: Arc<tokio::sync::Mutex<()>>,
}

impl Drop for LockUser<'_> {
    fn drop(&mut self) {
        let mut map = self.writes.map();
        // Claims are taken under the map's lock, so two strong references (the map's
        // and ours) mean nobody else holds or awaits this lock, nor can start to.
        if Arc::strong_count(&self.mutex) == 2 {
            map.remove(&self.key);
        }
    }
}

/// What a planner decides for the group as read: nothing to send, or this body, with a
/// description of the change for [`Error::Conflict`].
pub(crate) enum Plan {
    /// The group already is as wanted; send nothing.
    Nothing,
    /// Send this PUT body; `change` says what it applies.
    Put {
        body: UpdateGroupRequest,
        change: String,
    },
}

/// Reads the group and writes `plan(current)` back, holding the group's lock. Just
/// before the PUT it reads again; if the group changed, it plans again on the fresh
/// copy, at most `conflict_retries` times, then fails with [`Error::Conflict`].
pub(crate) async fn read_modify_write(
    groups: &Groups,
    group_id: &str,
    mut plan: impl FnMut(&Group) -> Result<Plan, Error>,
) -> Result<Group, Error> {
    let writes = groups.client().writes();
    let work = async {
        let mut current = groups.get(group_id).send().await?;
        let mut replans = 0;
        loop {
            let (body, change) = match plan(&current)? {
                Plan::Nothing => return Ok(current),
                Plan::Put { body, change } => (body, change),
            };
            let fresh = groups.get(group_id).send().await?;
            if same_state(&current, &fresh) {
                return groups.put(group_id, body).await;
            }
            if replans == writes.conflict_retries {
                return Err(Error::Conflict {
                    group_id: group_id.to_owned(),
                    change,
                    attempts: replans + 1,
                });
            }
            tracing::debug!(
                group_id,
                replans,
                "group changed before the PUT; re-applying"
            );
            replans += 1;
            current = fresh;
        }
    };
    writes.serialized(groups.org_id_arc(), group_id, work).await
}

/// Whether two reads show the same group: the same change time and the same fields a
/// PUT writes back (members compared as numbers, so `"1005"` is `1005`).
fn same_state(a: &Group, b: &Group) -> bool {
    let ids = |g: &Group| g.members.iter().map(|m| m.as_i64()).collect::<Vec<_>>();
    a.last_changed() == b.last_changed()
        && ids(a) == ids(b)
        && a.guests == b.guests
        && a.name == b.name
        && a.description == b.description
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt;

    // Proves an entry exists only while its lock is held or awaited, and that the same
    // group waits while a different group does not.
    #[tokio::test]
    async fn entries_go_away_when_unused() {
        let writes = Writes::new(0);
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
