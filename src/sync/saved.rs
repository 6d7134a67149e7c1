//! Saved plans (`plan --out PLAN`, `apply --plan PLAN`): a plan as JSON with each
//! group's state as read when planned. Applied later, a change is written only to a
//! group that is still as the plan recorded it; the others are reported stale.

use serde::{Deserialize, Serialize};

use super::plan::{Change, Plan, Summary};
use super::{DesiredGroup, Ignore};
use crate::model::Group;

const FORMAT: &str = "tallyfy-groups-plan";
const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Saved {
    format: String,
    version: u32,
    changes: Vec<Change>,
    summary: Summary,
    wanted: Vec<Option<DesiredGroup>>,
    before: Vec<Option<Group>>,
    ignore: Ignore,
    add_only: bool,
    managed: usize,
    groups_read: usize,
}

impl Plan {
    /// The plan as a saved-plan document (JSON), with each group's state as read.
    pub fn to_saved(&self) -> String {
        let saved = Saved {
            format: FORMAT.into(),
            version: VERSION,
            changes: self.changes.clone(),
            summary: self.summary,
            wanted: self.wanted.clone(),
            before: self.before.clone(),
            ignore: self.ignore.clone(),
            add_only: self.add_only,
            managed: self.managed,
            groups_read: self.groups_read,
        };
        serde_json::to_string_pretty(&saved).unwrap_or_default() + "\n"
    }

    /// A plan read back from [`to_saved`](Plan::to_saved)'s document. Applied, it
    /// writes only groups still as it recorded them.
    pub fn from_saved(text: &str) -> Result<Plan, String> {
        let saved: Saved = serde_json::from_str(text).map_err(|e| {
            format!(
                "not a saved plan: {e} (line {}, column {})",
                e.line(),
                e.column()
            )
        })?;
        if saved.format != FORMAT || saved.version != VERSION {
            return Err(format!(
                "not a saved plan of this version ({FORMAT} {VERSION})"
            ));
        }
        if saved.before.len() != saved.changes.len() {
            return Err("a saved plan whose states do not match its changes".into());
        }
        let mut plan = Plan::resumed(
            saved.changes,
            saved.wanted,
            saved.before,
            saved.ignore,
            saved.add_only,
        );
        plan.summary = saved.summary;
        plan.managed = saved.managed;
        plan.groups_read = saved.groups_read;
        plan.saved = true;
        Ok(plan)
    }
}
