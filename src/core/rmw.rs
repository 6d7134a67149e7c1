//! The guarded read-modify-write of one group: read, plan the PUT, read again just
//! before it, and re-plan on the fresh copy when another writer changed the group in
//! between (at most `retries` times, then [`Error::Conflict`]). Generic over the read
//! and the write, so the loop is tested without HTTP; `Org` runs it under the group's
//! lock with the real operations.

use std::future::Future;

use crate::error::Error;
use crate::generated::types::UpdateGroupRequest;
use crate::model::Group;

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

/// Reads the group and writes `plan(current)` back. Just before the write it reads
/// again; if the group changed, it plans again on the fresh copy, at most `retries`
/// times, then fails with [`Error::Conflict`] naming `group_id`.
pub(crate) async fn read_modify_write<R, W>(
    group_id: &str,
    retries: u32,
    mut read: impl FnMut() -> R,
    write: impl FnOnce(UpdateGroupRequest) -> W,
    mut plan: impl FnMut(&Group) -> Result<Plan, Error>,
) -> Result<Group, Error>
where
    R: Future<Output = Result<Group, Error>>,
    W: Future<Output = Result<Group, Error>>,
{
    let mut current = read().await?;
    let mut replans = 0;
    loop {
        let (body, change) = match plan(&current)? {
            Plan::Nothing => return Ok(current),
            Plan::Put { body, change } => (body, change),
        };
        let fresh = read().await?;
        if same_state(&current, &fresh) {
            return write(body).await;
        }
        if replans == retries {
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
}

/// Whether two reads show the same group: the same change time and the same fields a
/// PUT writes back (members compared as numbers, so `"1005"` is `1005`).
pub(crate) fn same_state(a: &Group, b: &Group) -> bool {
    let ids = |g: &Group| g.members.iter().map(|m| m.as_i64()).collect::<Vec<_>>();
    a.last_changed() == b.last_changed()
        && ids(a) == ids(b)
        && a.guests == b.guests
        && a.name == b.name
        && a.description == b.description
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    fn group(members: &[serde_json::Value]) -> Group {
        serde_json::from_value(serde_json::json!({
            "id": "g", "name": "Ops", "members": members, "guests": [],
            "last_updated": "2026-01-01T00:00:00Z",
        }))
        .unwrap()
    }

    fn body() -> UpdateGroupRequest {
        serde_json::from_value(serde_json::json!({"name": "Ops", "members": [], "guests": []}))
            .unwrap()
    }

    /// Runs the loop over a scripted sequence of reads; returns the outcome, the
    /// number of reads, whether the write ran and how often `plan` ran.
    async fn run(
        reads: Vec<Group>,
        retries: u32,
        change: bool,
    ) -> (Result<Group, Error>, usize, bool, usize) {
        let reads = RefCell::new(reads.into_iter());
        let (read_count, wrote, plans) = (RefCell::new(0), RefCell::new(false), RefCell::new(0));
        let result = read_modify_write(
            "g",
            retries,
            || {
                *read_count.borrow_mut() += 1;
                let next = reads
                    .borrow_mut()
                    .next()
                    .expect("a read the test did not script");
                async move { Ok(next) }
            },
            |_| {
                *wrote.borrow_mut() = true;
                async { Ok(group(&[])) }
            },
            |_| {
                *plans.borrow_mut() += 1;
                Ok(if change {
                    Plan::Put {
                        body: body(),
                        change: "add members [7]".into(),
                    }
                } else {
                    Plan::Nothing
                })
            },
        )
        .await;
        (
            result,
            read_count.into_inner(),
            wrote.into_inner(),
            plans.into_inner(),
        )
    }

    // Proves the order of events: read, plan, compare read, write, when nothing changed
    // in between; and that a member sent as "7" compares equal to 7.
    #[tokio::test]
    async fn unchanged_group_is_written_once() {
        let (result, reads, wrote, plans) =
            run(vec![group(&[7.into()]), group(&["7".into()])], 3, true).await;
        assert!(result.is_ok());
        assert_eq!((reads, wrote, plans), (2, true, 1));
    }

    // Proves a change seen by the compare read makes the loop plan again on the fresh
    // copy (one more read) before writing.
    #[tokio::test]
    async fn a_change_in_between_is_replanned() {
        let reads = vec![group(&[]), group(&[1.into()]), group(&[1.into()])];
        let (result, reads, wrote, plans) = run(reads, 3, true).await;
        assert!(result.is_ok());
        assert_eq!((reads, wrote, plans), (3, true, 2));
    }

    // Proves a group that keeps changing ends in Error::Conflict after retries + 1
    // plans, with nothing written.
    #[tokio::test]
    async fn a_group_that_keeps_changing_is_a_conflict() {
        let reads = (0..4).map(|n| group(&[n.into()])).collect();
        let (result, reads, wrote, plans) = run(reads, 2, true).await;
        match result {
            Err(Error::Conflict { attempts, .. }) => assert_eq!(attempts, 3),
            other => panic!("expected a conflict, got {other:?}"),
        }
        assert_eq!((reads, wrote, plans), (4, false, 3));
    }

    // Proves a plan of nothing sends no compare read and no write.
    #[tokio::test]
    async fn nothing_to_do_reads_once() {
        let (result, reads, wrote, plans) = run(vec![group(&[])], 3, false).await;
        assert!(result.is_ok());
        assert_eq!((reads, wrote, plans), (1, false, 1));
    }
}
