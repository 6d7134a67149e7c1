//! The guarded read-modify-write of one group: read, plan the PUT, read again just
//! before it, and re-plan on the fresh copy when another writer changed the group in
//! between (at most `retries` times, then [`Error::Conflict`]); after the PUT, read
//! once more to confirm the change is there, and apply it again when it is not (see
//! `confirm`). Generic over the read and the write, so the loop is tested without
//! HTTP; `Org` runs it under the group's lock with the real operations.

use std::future::Future;

use tokio::time::Instant;

use super::confirm::{ConfirmWait, Intent};
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

/// How a read-modify-write runs: how often it plans again on a changed group and
/// applies its change again when a later read does not show it, and how long it waits
/// before that read.
pub(crate) struct Settings<'a> {
    pub(crate) group_id: &'a str,
    /// Re-plans before the PUT, and re-applies after it, at most this many times each.
    pub(crate) retries: u32,
    pub(crate) wait: &'a ConfirmWait,
    /// A number in `[0, 1)` per confirming read (see [`confirm::jitter`]).
    pub(crate) jitter: fn() -> f64,
}

/// Reads the group and writes `plan(current)` back. Just before the write it reads
/// again; if the group changed, it plans again on the fresh copy, at most `retries`
/// times, then fails with [`Error::Conflict`] naming `group_id`. After the write it
/// waits (see [`ConfirmWait`]) and reads once more: if the change is not all there
/// (another writer that read before our PUT wrote after it), it applies the change
/// again to that copy and confirms again, at most `retries` times, then fails with
/// [`Error::Unconfirmed`] naming what is missing. Returns the confirming read.
pub(crate) async fn read_modify_write<R, W>(
    settings: Settings<'_>,
    mut read: impl FnMut() -> R,
    mut write: impl FnMut(UpdateGroupRequest) -> W,
    mut plan: impl FnMut(&Group) -> Result<Plan, Error>,
) -> Result<Group, Error>
where
    R: Future<Output = Result<Group, Error>>,
    W: Future<Output = Result<Group, Error>>,
{
    let Settings {
        group_id,
        retries,
        wait,
        jitter,
    } = settings;
    let mut current = read().await?;
    let mut replans = 0;
    let (mut read_at, fresh, body, change) = loop {
        let (body, change) = match plan(&current)? {
            Plan::Nothing => return Ok(current),
            Plan::Put { body, change } => (body, change),
        };
        let read_at = Instant::now();
        let fresh = read().await?;
        if same_state(&current, &fresh) {
            break (read_at, fresh, body, change);
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
    };
    let intent = Intent::between(&fresh, &body)?;
    let mut body = body;
    let mut reapplied = 0;
    loop {
        write(body).await?;
        // From the read this write is based on to its answer.
        wait.saw(read_at.elapsed());
        tokio::time::sleep(wait.before_confirm(reapplied, jitter())).await;
        read_at = Instant::now();
        let seen = read().await?;
        let Some(missing) = intent.missing(&seen)? else {
            return Ok(seen);
        };
        if reapplied == retries {
            return Err(Error::Unconfirmed {
                group_id: group_id.to_owned(),
                change,
                missing,
                attempts: reapplied + 1,
            });
        }
        tracing::debug!(
            group_id,
            reapplied,
            missing,
            "a read after the PUT lacks the change; applying it again"
        );
        reapplied += 1;
        body = intent.reapply(&seen)?;
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

    /// The change every test plans: the group with no members.
    fn body() -> UpdateGroupRequest {
        serde_json::from_value(serde_json::json!({"name": "Ops", "members": [], "guests": []}))
            .unwrap()
    }

    struct Outcome {
        result: Result<Group, Error>,
        reads: usize,
        writes: Vec<UpdateGroupRequest>,
        plans: usize,
    }

    /// Runs the loop over a scripted sequence of reads, on the paused clock.
    async fn run(reads: Vec<Group>, retries: u32, change: bool) -> Outcome {
        let reads = RefCell::new(reads.into_iter());
        let (read_count, writes, plans) = (RefCell::new(0), RefCell::new(vec![]), RefCell::new(0));
        let wait = ConfirmWait::default();
        let settings = Settings {
            group_id: "g",
            retries,
            wait: &wait,
            jitter: || 0.0,
        };
        let result = read_modify_write(
            settings,
            || {
                *read_count.borrow_mut() += 1;
                let next = reads
                    .borrow_mut()
                    .next()
                    .expect("a read the test did not script");
                async move { Ok(next) }
            },
            |body| {
                writes.borrow_mut().push(body);
                async { Ok(group(&[])) }
            },
            |_| {
                *plans.borrow_mut() += 1;
                Ok(if change {
                    Plan::Put {
                        body: body(),
                        change: "remove members [7]".into(),
                    }
                } else {
                    Plan::Nothing
                })
            },
        )
        .await;
        Outcome {
            result,
            reads: read_count.into_inner(),
            writes: writes.into_inner(),
            plans: plans.into_inner(),
        }
    }

    // Proves the order of events: read, plan, compare read, write, confirming read,
    // when nothing changed in between; that a member sent as "7" compares equal to 7;
    // and that the confirming read is what is returned.
    #[tokio::test(start_paused = true)]
    async fn unchanged_group_is_written_once_and_confirmed() {
        let reads = vec![group(&[7.into()]), group(&["7".into()]), group(&[8.into()])];
        let out = run(reads, 3, true).await;
        let members = out.result.unwrap().member_ids().unwrap();
        assert_eq!(
            members,
            [8],
            "the confirming read, another writer's 8 included"
        );
        assert_eq!((out.reads, out.writes.len(), out.plans), (3, 1, 1));
    }

    // Proves a change seen by the compare read makes the loop plan again on the fresh
    // copy (one more read) before writing.
    #[tokio::test(start_paused = true)]
    async fn a_change_in_between_is_replanned() {
        let reads = vec![
            group(&[]),
            group(&[1.into()]),
            group(&[1.into()]),
            group(&[]),
        ];
        let out = run(reads, 3, true).await;
        assert!(out.result.is_ok());
        assert_eq!((out.reads, out.writes.len(), out.plans), (4, 1, 2));
    }

    // Proves a write that a later read does not show (another writer put 7 back) is
    // applied again to that read, keeping the other writer's 9, and confirmed again.
    #[tokio::test(start_paused = true)]
    async fn a_lost_write_is_applied_again() {
        let lost = group(&[7.into(), 9.into()]);
        let reads = vec![
            group(&[7.into()]),
            group(&[7.into()]),
            lost,
            group(&[9.into()]),
        ];
        let out = run(reads, 3, true).await;
        assert!(out.result.is_ok());
        assert_eq!((out.reads, out.plans), (4, 1));
        let members =
            |b: &UpdateGroupRequest| b.members.iter().map(|m| m.to_string()).collect::<Vec<_>>();
        let written: Vec<_> = out.writes.iter().map(members).collect();
        assert_eq!(written, [vec![], vec!["9".to_owned()]]);
    }

    // Proves a change that no later read shows ends in Error::Unconfirmed after
    // retries + 1 writes, naming what is missing, never in Ok.
    #[tokio::test(start_paused = true)]
    async fn a_write_never_seen_is_unconfirmed() {
        let reads = (0..5).map(|_| group(&[7.into()])).collect();
        let out = run(reads, 2, true).await;
        match out.result {
            Err(Error::Unconfirmed {
                attempts, missing, ..
            }) => {
                assert_eq!(attempts, 3);
                assert_eq!(missing, "removed members [7] back");
            }
            other => panic!("expected Unconfirmed, got {other:?}"),
        }
        assert_eq!((out.reads, out.writes.len()), (5, 3));
    }

    // Proves the confirming read waits at least the read-to-write span just seen:
    // with a write that takes 50 ms after the compare read, the read after it starts
    // 50 ms or more after the write's answer.
    #[tokio::test(start_paused = true)]
    async fn the_confirming_read_waits_the_span() {
        let wait = ConfirmWait::default();
        let times = RefCell::new(Vec::new());
        let reads =
            RefCell::new(vec![group(&[7.into()]), group(&[7.into()]), group(&[])].into_iter());
        let settings = Settings {
            group_id: "g",
            retries: 0,
            wait: &wait,
            jitter: || 0.0,
        };
        let result = read_modify_write(
            settings,
            || {
                times.borrow_mut().push(Instant::now());
                let next = reads.borrow_mut().next().unwrap();
                async move { Ok(next) }
            },
            |_| async {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                Ok(group(&[]))
            },
            |_| {
                Ok(Plan::Put {
                    body: body(),
                    change: "remove members [7]".into(),
                })
            },
        )
        .await;
        assert!(result.is_ok());
        let times = times.into_inner();
        let written_at = times[1] + std::time::Duration::from_millis(50);
        assert!(times[2] - written_at >= std::time::Duration::from_millis(50));
    }

    // Proves a group that keeps changing ends in Error::Conflict after retries + 1
    // plans, with nothing written.
    #[tokio::test(start_paused = true)]
    async fn a_group_that_keeps_changing_is_a_conflict() {
        let reads = (0..4).map(|n| group(&[n.into()])).collect();
        let out = run(reads, 2, true).await;
        match out.result {
            Err(Error::Conflict { attempts, .. }) => assert_eq!(attempts, 3),
            other => panic!("expected a conflict, got {other:?}"),
        }
        assert_eq!((out.reads, out.writes.len(), out.plans), (4, 0, 3));
    }

    // Proves a plan of nothing sends no compare read and no write.
    #[tokio::test(start_paused = true)]
    async fn nothing_to_do_reads_once() {
        let out = run(vec![group(&[])], 3, false).await;
        assert!(out.result.is_ok());
        assert_eq!((out.reads, out.writes.len(), out.plans), (1, 0, 1));
    }
}
