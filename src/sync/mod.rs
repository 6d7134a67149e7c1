//! Groups as code: the desired state of an organisation's groups (plain data, which
//! the CLI reads from a YAML or JSON file) and the plan that brings the server to it.
//! `check` refuses a bad desired state before anything is sent, `plan` compares it
//! with the groups as read (pure: the listing is the caller's, through
//! [`ListGroups`](crate::ListGroups)), and `apply` sends a plan's changes through the
//! crate's lossless paths.
//!
//! What the file does not manage is left alone, as peribolos and Terraform do: a
//! group's `description`, `members` or `guests` absent from the file is not
//! managed; groups on the server and not in the file are deleted only with `prune`;
//! `ignore` lists groups, members and guests that are never touched.

mod apply;
mod check;
mod glob;
mod journal;
mod plan;
mod removals;
mod saved;
mod undo;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

pub use apply::Outcome;
pub use check::Problem;
pub use journal::{Journal, Resumed};
pub use plan::{Change, Plan, Summary};
pub use removals::MaxRemovals;

/// The groups an organisation should have.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DesiredState {
    /// The managed groups; a group is identified by its name, or by `id` when given.
    pub groups: Vec<DesiredGroup>,
    /// What is never touched, created or removed.
    #[serde(default, skip_serializing_if = "Ignore::is_empty")]
    pub ignore: Ignore,
    /// Whether groups on the server that the file does not list (and `ignore` does
    /// not cover) are deleted. Default `false`: they are left alone.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub prune: bool,
}

/// One group as it should be. A field left out is not managed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DesiredGroup {
    /// The group's name: unique in the organisation, 1 to 200 characters.
    pub name: String,
    /// Pins the group by id, so a new `name` is a rename.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The description; absent: not managed (the API cannot clear one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Exactly these user ids (besides ignored ones); absent: not managed. `null` is
    /// refused (a list, if present).
    #[schemars(with = "Vec<i64>")]
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub members: Option<Vec<i64>>,
    /// Exactly these guest emails (besides ignored ones); absent: not managed. `null`
    /// is refused (a list, if present).
    #[schemars(with = "Vec<String>")]
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub guests: Option<Vec<String>>,
}

/// What a sync never touches. Names and emails may use `*` for any run of characters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ignore {
    /// Groups by name: never created, updated or deleted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// User ids never added to or removed from any group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<i64>,
    /// Guest emails never added or removed (compared case-insensitively).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guests: Vec<String>,
}

impl Ignore {
    fn is_empty(&self) -> bool {
        self.groups.is_empty() && self.members.is_empty() && self.guests.is_empty()
    }

    fn group(&self, name: &str) -> bool {
        self.groups.iter().any(|p| glob::matches(p, name, false))
    }

    fn member(&self, id: i64) -> bool {
        self.members.contains(&id)
    }

    fn guest(&self, email: &str) -> bool {
        self.guests.iter().any(|p| glob::matches(p, email, true))
    }
}

/// A list that, when its key is present, must be a list: `members: null` is refused
/// rather than read as "not managed".
fn present<'de, D, T>(deserializer: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Vec::deserialize(deserializer).map(Some)
}

impl DesiredState {
    /// The JSON Schema of the file (`schema/groups.schema.json` is this, checked in).
    pub fn json_schema() -> serde_json::Value {
        let schema = schemars::schema_for!(DesiredState);
        serde_json::to_value(schema).unwrap_or_default()
    }
}
