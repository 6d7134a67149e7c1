//! The plan: what brings the groups as read to the desired state, group by group
//! (create; update with members and guests added and removed, a new description, a
//! rename; delete, only with `prune`), how many requests an apply sends, and how long
//! that takes under the organisation's quotas. Computed from data only.

use std::collections::HashMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{DesiredGroup, DesiredState, Ignore, Problem};
use crate::model::Group;

/// The requests one change costs when applied through the crate's lossless path:
/// a create is one POST (members and guests in its body); an update reads the group
/// again just before writing, reads it once more to compare, PUTs, and reads it after
/// the PUT to confirm the change is there (one more write and read for each time
/// another writer overwrote it, not counted here); a delete
/// reads the group again (to see it is still the one planned), then DELETEs.
const CREATE_REQUESTS: u64 = 1;
const UPDATE_REQUESTS: u64 = 4;
const DELETE_REQUESTS: u64 = 2;
/// The page size of the apply's own listing (the API's maximum).
const LISTING_PAGE: u64 = crate::generated::spec::PER_PAGE_MAX as u64;

/// One group's change. Serialised with `"action": "create" | "update" | "delete"`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "lowercase")]
#[non_exhaustive]
pub enum Change {
    /// A group the server does not have.
    Create {
        /// Its name.
        name: String,
        /// Its description, if the file gives one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        /// Its members.
        members: Vec<i64>,
        /// Its guests.
        guests: Vec<String>,
    },
    /// A group that differs from the file.
    Update {
        /// Its id.
        id: String,
        /// Its name as read.
        name: String,
        /// Its new name (a group pinned by `id` whose name changed in the file).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rename: Option<String>,
        /// Its new description.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        /// Members to add.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        members_add: Vec<i64>,
        /// Members to remove.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        members_remove: Vec<i64>,
        /// Guests to add.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        guests_add: Vec<String>,
        /// Guests to remove.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        guests_remove: Vec<String>,
    },
    /// A group the file does not list, with `prune`.
    Delete {
        /// Its id.
        id: String,
        /// Its name.
        name: String,
    },
}

impl Change {
    /// Members and guests this change removes (a deleted group counts as one removal).
    pub fn removals(&self) -> usize {
        match self {
            Change::Create { .. } => 0,
            Change::Update {
                members_remove,
                guests_remove,
                ..
            } => members_remove.len() + guests_remove.len(),
            Change::Delete { .. } => 1,
        }
    }

    /// Whether this is an update that changes nothing.
    pub(super) fn is_noop(&self) -> bool {
        matches!(self, Change::Update { rename: None, description: None, members_add, members_remove, guests_add, guests_remove, .. }
            if members_add.is_empty() && members_remove.is_empty() && guests_add.is_empty() && guests_remove.is_empty())
    }

    fn requests(&self) -> u64 {
        match self {
            Change::Create { .. } => CREATE_REQUESTS,
            Change::Update { .. } => UPDATE_REQUESTS,
            Change::Delete { .. } => DELETE_REQUESTS,
        }
    }
}

/// How many groups each action touches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Groups to create.
    pub create: usize,
    /// Groups to update.
    pub update: usize,
    /// Groups to delete.
    pub delete: usize,
    /// Managed groups already as the file says.
    pub unchanged: usize,
}

/// What an apply of a desired state would do to the groups as read.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Plan {
    /// The changes, in the file's order, deletions last.
    pub changes: Vec<Change>,
    /// Their counts.
    pub summary: Summary,
    /// Groups read: the apply lists them again before its writes.
    #[serde(skip)]
    pub groups_read: usize,
    /// What the file manages that a plan could remove: the members and guests of the
    /// managed groups as read (where the file manages them), and the groups on the
    /// server when pruning. The base of the default removal limit.
    #[serde(skip)]
    pub managed: usize,
    /// For each change, the desired group it comes from (an update is recomputed from
    /// it on the fresh read just before its write).
    #[serde(skip)]
    pub(super) wanted: Vec<Option<DesiredGroup>>,
    /// For each change, the group as read when planned (none for a create).
    #[serde(skip)]
    pub(super) before: Vec<Option<Group>>,
    #[serde(skip)]
    pub(super) ignore: Ignore,
    #[serde(skip)]
    pub(super) add_only: bool,
    /// Read back from a saved plan: changes are written only to groups still as the
    /// plan recorded them.
    #[serde(skip)]
    pub(super) saved: bool,
}

impl Plan {
    /// Computes the plan of `desired` against `current`, the organisation's groups as
    /// read (a complete listing). Fails, naming each, on what cannot be planned: a
    /// problem of [`DesiredState::check`], an `id` no group has, a member id of the
    /// server's that is not a number.
    pub fn new(desired: &DesiredState, current: &[Group]) -> Result<Plan, Vec<Problem>> {
        let problems = desired.check();
        if !problems.is_empty() {
            return Err(problems);
        }
        let by_id: HashMap<&str, &Group> = current.iter().map(|g| (g.id.as_str(), g)).collect();
        let by_name: HashMap<&str, &Group> = current.iter().map(|g| (g.name.as_str(), g)).collect();
        let (mut changes, mut problems, mut matched) = (Vec::new(), Vec::new(), Vec::new());
        let (mut wanted, mut before, mut unchanged, mut managed) = (Vec::new(), Vec::new(), 0, 0);
        for (i, want) in desired.groups.iter().enumerate() {
            if desired.ignore.group(&want.name) {
                continue;
            }
            let found = match &want.id {
                Some(id) => match by_id.get(id.as_str()) {
                    Some(group) => Some(*group),
                    None => {
                        problems.push(Problem {
                            path: format!("groups[{i}].id"),
                            message: format!("no group has the id {id:?}"),
                        });
                        continue;
                    }
                },
                None => by_name.get(want.name.as_str()).copied(),
            };
            let Some(group) = found else {
                changes.push(create(want, &desired.ignore));
                wanted.push(None);
                before.push(None);
                continue;
            };
            matched.push(group.id.as_str());
            managed += want.members.as_ref().map_or(0, |_| group.members.len())
                + want.guests.as_ref().map_or(0, |_| group.guests.len());
            match update(want, group, &desired.ignore) {
                Ok(Some(change)) => {
                    changes.push(change);
                    wanted.push(Some(want.clone()));
                    before.push(Some(group.clone()));
                }
                Ok(None) => unchanged += 1,
                Err(message) => problems.push(Problem {
                    path: format!("groups[{i}]"),
                    message,
                }),
            }
        }
        if desired.prune {
            managed += current.len();
            for group in current {
                if !matched.contains(&group.id.as_str()) && !desired.ignore.group(&group.name) {
                    changes.push(Change::Delete {
                        id: group.id.clone(),
                        name: group.name.clone(),
                    });
                    wanted.push(None);
                    before.push(Some(group.clone()));
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let mut plan = Plan {
            changes,
            summary: Summary {
                unchanged,
                ..Summary::default()
            },
            groups_read: current.len(),
            managed,
            wanted,
            before,
            ignore: desired.ignore.clone(),
            add_only: false,
            saved: false,
        };
        plan.recount();
        Ok(plan)
    }

    /// The plan an interrupted run's journal recorded.
    pub(super) fn resumed(
        changes: Vec<Change>,
        wanted: Vec<Option<DesiredGroup>>,
        before: Vec<Option<Group>>,
        ignore: Ignore,
        add_only: bool,
    ) -> Plan {
        Plan {
            changes,
            summary: Summary::default(),
            groups_read: 0,
            managed: 0,
            wanted,
            before,
            ignore,
            add_only,
            saved: false,
        }
    }

    /// Counts the changes by action into the summary (unchanged stays as counted).
    pub(super) fn recount(&mut self) {
        let count = |f: fn(&Change) -> bool| self.changes.iter().filter(|c| f(c)).count();
        self.summary = Summary {
            create: count(|c| matches!(c, Change::Create { .. })),
            update: count(|c| matches!(c, Change::Update { .. })),
            delete: count(|c| matches!(c, Change::Delete { .. })),
            unchanged: self.summary.unchanged,
        };
    }

    /// Whether applying it would change nothing.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The requests an apply sends: its own complete listing (pages of 100), then
    /// each change's (see the module's constants: 1 per create, 4 per update, 2 per
    /// delete). An apply with nothing to change sends only the listing.
    pub fn requests(&self) -> u64 {
        let pages = (self.groups_read as u64).div_ceil(LISTING_PAGE).max(1);
        pages + self.changes.iter().map(Change::requests).sum::<u64>()
    }

    /// How long the apply's requests take at least under `quotas` (`n` requests per
    /// `period` each, all at once, as Tallyfy's 100 per minute and 1,000 per hour):
    /// each quota's windows after the first, the slowest quota deciding. Latency is
    /// not counted.
    pub fn estimate(&self, quotas: &[(u32, Duration)]) -> Duration {
        let requests = self.requests();
        (quotas.iter())
            .filter(|(n, _)| *n > 0)
            .map(|&(n, period)| {
                let windows = requests.div_ceil(u64::from(n));
                period.saturating_mul(u32::try_from(windows.saturating_sub(1)).unwrap_or(u32::MAX))
            })
            .max()
            .unwrap_or_default()
    }
}

fn create(want: &DesiredGroup, ignore: &Ignore) -> Change {
    Change::Create {
        name: want.name.clone(),
        description: want.description.clone(),
        members: (want.members.iter().flatten())
            .copied()
            .filter(|id| !ignore.member(*id))
            .collect(),
        guests: (want.guests.iter().flatten())
            .filter(|email| !ignore.guest(email))
            .cloned()
            .collect(),
    }
}

/// The update `group` needs to be as `want` says, `None` if none.
pub(super) fn update(
    want: &DesiredGroup,
    group: &Group,
    ignore: &Ignore,
) -> Result<Option<Change>, String> {
    let current = group.member_ids().map_err(|e| e.to_string())?;
    let (mut members_add, mut members_remove) = (Vec::new(), Vec::new());
    if let Some(wanted) = &want.members {
        members_add = (wanted.iter().copied())
            .filter(|id| !current.contains(id) && !ignore.member(*id))
            .collect();
        members_remove = (current.iter().copied())
            .filter(|id| !wanted.contains(id) && !ignore.member(*id))
            .collect();
    }
    let (mut guests_add, mut guests_remove) = (Vec::new(), Vec::new());
    if let Some(wanted) = &want.guests {
        let has = |list: &[String], email: &str| list.iter().any(|e| e.eq_ignore_ascii_case(email));
        guests_add = (wanted.iter())
            .filter(|e| !has(&group.guests, e) && !ignore.guest(e))
            .cloned()
            .collect();
        guests_remove = (group.guests.iter())
            .filter(|e| !has(wanted, e) && !ignore.guest(e))
            .cloned()
            .collect();
    }
    let description = (want.description.as_ref())
        .filter(|d| group.description.as_ref() != Some(*d))
        .cloned();
    let rename = (want.name != group.name).then(|| want.name.clone());
    let change = Change::Update {
        id: group.id.clone(),
        name: group.name.clone(),
        rename,
        description,
        members_add,
        members_remove,
        guests_add,
        guests_remove,
    };
    Ok((!change.is_noop()).then_some(change))
}

#[cfg(test)]
mod tests;
