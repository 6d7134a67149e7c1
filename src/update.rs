//! The update body: the fields an update sets, and their merge with the group as
//! read into the complete PUT body the API wants (it requires `name` and replaces
//! `members` and `guests` whole; a description is sent only when there is one). Used
//! by `update()` and by the membership helpers; sends nothing.

use crate::error::Error;
use crate::generated::types::{
    UpdateGroupRequest, UpdateGroupRequestDescription, UpdateGroupRequestName,
};
use crate::model::Group;
use crate::validate;

/// The fields an update sets; the others come from the group as it is.
#[derive(Clone, Debug, Default)]
pub(crate) struct Changes {
    pub(crate) name: Option<UpdateGroupRequestName>,
    /// `Some(None)`: known to have no description, so none is sent and no read is needed.
    pub(crate) description: Option<Option<UpdateGroupRequestDescription>>,
    pub(crate) members: Option<Vec<i64>>,
    pub(crate) guests: Option<Vec<String>>,
}

impl Changes {
    /// Each field of the body, and whether this update sets it.
    fn fields(&self) -> [(&'static str, bool); 4] {
        [
            ("name", self.name.is_some()),
            ("description", self.description.is_some()),
            ("members", self.members.is_some()),
            ("guests", self.guests.is_some()),
        ]
    }

    /// Whether every field is set, so no read is needed.
    pub(crate) fn complete(&self) -> bool {
        self.fields().iter().all(|(_, set)| *set)
    }

    /// The fields set, for messages: `name, members`, or `no field`.
    pub(crate) fn set_fields(&self) -> String {
        let names: Vec<&str> = (self.fields().iter())
            .filter(|(_, set)| *set)
            .map(|(name, _)| *name)
            .collect();
        if names.is_empty() {
            "no field".to_owned()
        } else {
            names.join(", ")
        }
    }

    /// The PUT body: these fields, the rest from `current`.
    pub(crate) fn merge(self, current: Option<&Group>) -> Result<UpdateGroupRequest, Error> {
        let members = match (self.members, current) {
            (Some(ids), _) => ids,
            (None, Some(group)) => group.member_ids()?,
            (None, None) => Vec::new(),
        };
        // The group's own description, unless it has none (null, or blank as no
        // server would store it): then the key is left out and it stays as it is.
        let description = match self.description {
            Some(d) => d,
            None => validate::description(
                current
                    .and_then(|g| g.description.clone())
                    .unwrap_or_default(),
            )?,
        };
        let name = match self.name {
            Some(name) => name,
            None => validate::name(current.map(|g| g.name.clone()).unwrap_or_default())?,
        };
        let guests = match (self.guests, current) {
            (Some(guests), _) => guests,
            (None, Some(group)) => group.guests.clone(),
            (None, None) => Vec::new(),
        };
        Ok(UpdateGroupRequest {
            name,
            description,
            members: validate::member_ids(&members)?,
            guests,
        })
    }

    /// The body that sets `members` and `guests` and keeps the other fields of `current`.
    pub(crate) fn membership(
        current: &Group,
        members: Vec<i64>,
        guests: Vec<String>,
    ) -> Result<UpdateGroupRequest, Error> {
        let changes = Changes {
            members: Some(members),
            guests: Some(guests),
            ..Changes::default()
        };
        changes.merge(Some(current))
    }
}
