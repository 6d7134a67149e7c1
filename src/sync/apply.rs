//! Applying a plan: each change sent through the crate's lossless paths, several at
//! once, one failing group not stopping the others. An update is recomputed from the
//! group as read just before its write (under the group's lock, with the compare read
//! of every read-modify-write), so a field the file does not manage is written back as
//! it is then, and an outside change to it is not lost; a delete first reads the group
//! again and leaves it alone if it is no longer the one planned; with a saved plan,
//! a group no longer as planned is not written. Removal safety is `removals`'.

use std::collections::BTreeSet;

use futures::{StreamExt, TryStreamExt};

use super::journal::{Journal, Resumed};
use super::plan::{self, Change, Plan};
use super::{DesiredGroup, Ignore};
use crate::core::{Plan as Write, same_state};
use crate::error::Error;
use crate::groups::Groups;
use crate::model::Group;
use crate::update::Changes;
use crate::validate;

/// What one change came to.
#[derive(Debug)]
pub struct Outcome {
    /// The change as planned.
    pub change: Change,
    /// The group as the server last sent it (none for a delete), or why it failed.
    pub result: Result<Option<Group>, Error>,
}

impl Plan {
    /// Sends the plan's changes through `groups`, `concurrency` at a time (at least
    /// 1), paced by the client's rate limiter. Every change is tried; the outcomes come
    /// back in the plan's order.
    pub async fn apply(&self, groups: &Groups, concurrency: usize) -> Vec<Outcome> {
        self.run(
            groups,
            concurrency,
            None,
            &BTreeSet::new(),
            &BTreeSet::new(),
        )
        .await
    }

    /// [`apply`](Plan::apply), announcing each change in `journal` before it is sent
    /// and recording its result after, so a killed run can be resumed
    /// ([`Plan::resume`]).
    pub async fn apply_journaled(
        &self,
        groups: &Groups,
        concurrency: usize,
        journal: &Journal,
    ) -> Vec<Outcome> {
        let none = BTreeSet::new();
        self.run(groups, concurrency, Some(journal), &none, &none)
            .await
    }

    /// Finishes the run `resumed` read from its journal: changes done are not sent
    /// again; a change announced without a result is checked first (a create whose
    /// group now exists, a delete whose group is gone, count as done; an update is
    /// recomputed from a fresh read, so one already applied sends no write); the rest,
    /// failed ones included, are applied. The outcomes are those of the changes tried.
    pub async fn resume(
        resumed: &Resumed,
        groups: &Groups,
        concurrency: usize,
        journal: &Journal,
    ) -> Vec<Outcome> {
        (resumed.plan)
            .run(
                groups,
                concurrency,
                Some(journal),
                &resumed.done,
                &resumed.unknown,
            )
            .await
    }

    async fn run(
        &self,
        groups: &Groups,
        concurrency: usize,
        journal: Option<&Journal>,
        done: &BTreeSet<usize>,
        unknown: &BTreeSet<usize>,
    ) -> Vec<Outcome> {
        let ignore = &self.ignore;
        let add_only = self.add_only;
        let todo = (self.changes.iter().enumerate()).filter(|(i, _)| !done.contains(i));
        let mut outcomes: Vec<(usize, Outcome)> = futures::stream::iter(todo)
            .map(|(i, change)| async move {
                let step = Step {
                    change,
                    want: self.wanted.get(i).and_then(Option::as_ref),
                    // A saved plan writes only groups still as they were planned.
                    planned: (self.saved)
                        .then(|| self.before.get(i).and_then(Option::as_ref))
                        .flatten(),
                    ignore,
                    add_only,
                };
                let result = match journal.map(|j| j.intent(i)).transpose() {
                    Err(message) => Err(Error::Config(message)),
                    Ok(_) if unknown.contains(&i) => match settled(groups, change).await {
                        Ok(Some(found)) => Ok(found),
                        Ok(None) => send(groups, &step).await,
                        Err(error) => Err(error),
                    },
                    Ok(_) if self.saved && matches!(change, Change::Create { .. }) => {
                        match settled(groups, change).await {
                            Ok(Some(_)) => Err(stale(change)),
                            Ok(None) => send(groups, &step).await,
                            Err(error) => Err(error),
                        }
                    }
                    Ok(_) => send(groups, &step).await,
                };
                if let Some(journal) = journal {
                    let error = result.as_ref().err().map(ToString::to_string);
                    let id = result
                        .as_ref()
                        .ok()
                        .and_then(|g| g.as_ref())
                        .map(|g| g.id.clone());
                    if let Err(message) = journal.done(i, error, id) {
                        tracing::warn!(message, "the journal misses a result");
                    }
                }
                (
                    i,
                    Outcome {
                        change: change.clone(),
                        result,
                    },
                )
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;
        outcomes.sort_by_key(|(i, _)| *i);
        outcomes.into_iter().map(|(_, outcome)| outcome).collect()
    }
}

/// For a change an interrupted run may have sent: `Some` if the server shows it done
/// (a group of the created name exists; the deleted group is gone), `None` if it
/// must be sent. Updates are always sent: recomputed on a fresh read, they are
/// idempotent.
async fn settled(groups: &Groups, change: &Change) -> Result<Option<Option<Group>>, Error> {
    match change {
        Change::Create { name, .. } => {
            let found: Vec<Group> = groups.list().q(name.clone()).items().try_collect().await?;
            Ok(found
                .into_iter()
                .find(|g| &g.name == name)
                .map(|g| Some(Some(g)))
                .unwrap_or(None))
        }
        Change::Delete { id, .. } => match groups.get(id).send().await {
            Err(error) if error.status().map(|s| s.as_u16()) == Some(404) => Ok(Some(None)),
            Err(error) => Err(error),
            Ok(_) => Ok(None),
        },
        Change::Update { .. } => Ok(None),
    }
}

/// One change to send, and what it is checked and recomputed against.
struct Step<'a> {
    change: &'a Change,
    /// The desired group an update is recomputed from (none: apply the change as recorded).
    want: Option<&'a DesiredGroup>,
    /// The group as a saved plan recorded it: a group that no longer is so is not written.
    planned: Option<&'a Group>,
    ignore: &'a Ignore,
    add_only: bool,
}

/// The error of a change whose group is no longer as the saved plan recorded it.
fn stale(change: &Change) -> Error {
    let what = match change {
        Change::Create { name, .. } => format!("a group named {name:?} exists now"),
        Change::Update { name, id, .. } | Change::Delete { name, id } => {
            format!("{name:?} ({id}) changed since the plan was made")
        }
    };
    Error::invalid("plan", format!("stale: {what}; not written (plan again)"))
}

async fn send(groups: &Groups, step: &Step<'_>) -> Result<Option<Group>, Error> {
    let Step {
        change,
        want,
        planned,
        ignore,
        add_only,
    } = *step;
    match change {
        Change::Create {
            name,
            description,
            members,
            guests,
        } => {
            let mut request = groups.create(name.clone()).members(members.iter().copied());
            if let Some(description) = description {
                request = request.description(description.clone());
            }
            request
                .guests(guests.iter().cloned())
                .send()
                .await
                .map(Some)
        }
        Change::Update { id, .. } => {
            let group = validate::group_id(id)?;
            (groups.org())
                .read_modify_write(&group, |fresh| {
                    if planned.is_some_and(|planned| !same_state(planned, fresh)) {
                        return Err(stale(change));
                    }
                    // With the desired group, the change is recomputed on the fresh
                    // read; without one (an undo), the recorded change is applied to it.
                    let deltas = match want {
                        Some(want) => plan::update(want, fresh, ignore)
                            .map_err(|e| Error::invalid("members", e))?,
                        None => Some(change.clone()),
                    };
                    match deltas {
                        Some(deltas) => rewrite(deltas, fresh, add_only),
                        None => Ok(Write::Nothing),
                    }
                })
                .await
                .map(Some)
        }
        Change::Delete { id, name } => {
            let fresh = groups.get(id).send().await?;
            if planned.is_some_and(|planned| !same_state(planned, &fresh)) {
                return Err(stale(change));
            }
            if &fresh.name != name {
                return Err(Error::invalid(
                    "plan",
                    format!(
                        "group {id} is now named {:?}, not {name:?} as planned: not deleted",
                        fresh.name
                    ),
                ));
            }
            groups.delete(id).send().await.map(|()| None)
        }
    }
}

/// The write that applies `deltas` (an update's renames and additions and removals)
/// to `fresh`, the group as just read; nothing if `fresh` already is that way.
fn rewrite(deltas: Change, fresh: &Group, add_only: bool) -> Result<Write, Error> {
    let Change::Update {
        rename,
        description,
        members_add,
        mut members_remove,
        guests_add,
        mut guests_remove,
        ..
    } = deltas
    else {
        return Ok(Write::Nothing);
    };
    if add_only {
        members_remove.clear();
        guests_remove.clear();
    }
    let before = fresh.member_ids()?;
    let mut members = before.clone();
    members.retain(|id| !members_remove.contains(id));
    for id in members_add {
        if !members.contains(&id) {
            members.push(id);
        }
    }
    let mut guests = fresh.guests.clone();
    guests.retain(|g| !guests_remove.iter().any(|r| r.eq_ignore_ascii_case(g)));
    for email in guests_add {
        if !guests.iter().any(|g| g.eq_ignore_ascii_case(&email)) {
            guests.push(email);
        }
    }
    let rename = rename.filter(|name| *name != fresh.name);
    let description = description.filter(|d| fresh.description.as_ref() != Some(d));
    if rename.is_none() && description.is_none() && members == before && guests == fresh.guests {
        return Ok(Write::Nothing);
    }
    let changes = Changes {
        name: rename.map(validate::name).transpose()?,
        description: description.map(validate::description).transpose()?,
        members: Some(members),
        guests: Some(guests),
    };
    Ok(Write::Put {
        body: changes.merge(Some(fresh))?,
        change: format!("sync of {:?}", fresh.name),
    })
}
