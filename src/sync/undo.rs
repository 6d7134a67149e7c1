//! Undo: the reverse of what a journal shows as applied, as a plan applied like any
//! other (recorded changes applied to fresh reads, with the same checks). A create is
//! undone by deleting the group it made; an update by the opposite additions and
//! removals, the old name and the old description; a delete by creating the group
//! again from its state as planned. What cannot be reversed exactly is said: a
//! re-created group has a new id, and a description the update added where there was
//! none cannot be cleared (the API cannot clear one).

use super::Ignore;
use super::journal::Resumed;
use super::plan::{Change, Plan};

impl Plan {
    /// The plan that reverses the changes `resumed` records as done, last first, and
    /// a note for each that cannot be reversed exactly.
    pub fn undo(resumed: &Resumed) -> (Plan, Vec<String>) {
        let (mut changes, mut notes, mut managed) = (Vec::new(), Vec::new(), 0);
        let plan = &resumed.plan;
        for &seq in resumed.done.iter().rev() {
            let before = plan.before.get(seq).and_then(Option::as_ref);
            managed += before.map_or(1, |g| g.members.len() + g.guests.len() + 1);
            let Some(change) = plan.changes.get(seq) else {
                notes.push(format!(
                    "the journal records change {seq}, which its plan does not have"
                ));
                continue;
            };
            match change {
                Change::Create { name, .. } => match resumed.ids.get(&seq) {
                    Some(id) => changes.push(Change::Delete {
                        id: id.clone(),
                        name: name.clone(),
                    }),
                    None => notes.push(format!(
                        "cannot undo the create of {name:?}: the journal has no id for it"
                    )),
                },
                Change::Update {
                    id,
                    name,
                    rename,
                    description,
                    members_add,
                    members_remove,
                    guests_add,
                    guests_remove,
                } => {
                    let old_description = match (description, before) {
                        (None, _) => None,
                        (Some(_), Some(group)) => {
                            match group.description.clone().filter(|d| !d.trim().is_empty()) {
                                Some(old) => Some(old),
                                None => {
                                    notes.push(format!(
                                    "{name:?} keeps its new description: it had none, and the API cannot clear one"
                                ));
                                    None
                                }
                            }
                        }
                        (Some(_), None) => {
                            notes.push(format!("{name:?} keeps its new description: the journal has not the old one"));
                            None
                        }
                    };
                    changes.push(Change::Update {
                        id: id.clone(),
                        name: rename.clone().unwrap_or_else(|| name.clone()),
                        rename: rename.as_ref().map(|_| name.clone()),
                        description: old_description,
                        members_add: members_remove.clone(),
                        members_remove: members_add.clone(),
                        guests_add: guests_remove.clone(),
                        guests_remove: guests_add.clone(),
                    });
                }
                Change::Delete { id, name } => match before {
                    Some(group) => {
                        notes.push(format!(
                            "{name:?} comes back with a new id (its old one, {id}, is gone)"
                        ));
                        changes.push(Change::Create {
                            name: group.name.clone(),
                            description: group.description.clone().filter(|d| !d.trim().is_empty()),
                            members: group.member_ids().unwrap_or_default(),
                            guests: group.guests.clone(),
                        });
                    }
                    None => notes.push(format!(
                        "cannot undo the delete of {name:?}: the journal has not its state"
                    )),
                },
            }
        }
        changes.retain(|c| !c.is_noop());
        let mut undo = Plan::resumed(changes, Vec::new(), Vec::new(), Ignore::default(), false);
        undo.managed = managed;
        undo.recount();
        (undo, notes)
    }
}
