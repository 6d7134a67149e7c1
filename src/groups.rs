//! `client.groups()`: get, create, update and delete, each a small request builder
//! over the generated one that checks its arguments before anything is sent. Listing
//! lives in `list`, membership changes in `membership`.

use std::sync::Arc;

use crate::client::Client;
use crate::error::Error;
use crate::generated::spec::{CREATE_GROUP, DELETE_GROUP, GET_GROUP, UPDATE_GROUP};
use crate::generated::types;
use crate::list::ListGroups;
use crate::model::Group;
use crate::response::send;
use crate::validate::{self, Rejected};

/// The groups of one organisation. Get it from [`Client::groups`].
#[derive(Clone, Debug)]
pub struct Groups {
    client: Client,
    org_id: Arc<str>,
}

impl Groups {
    pub(crate) fn new(client: &Client, org_id: Arc<str>) -> Self {
        Groups {
            client: client.clone(),
            org_id,
        }
    }

    /// The organisation these groups belong to.
    pub fn org_id(&self) -> &str {
        &self.org_id
    }

    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    pub(crate) fn org_id_arc(&self) -> &Arc<str> {
        &self.org_id
    }

    /// One PUT of a complete body, no read.
    pub(crate) async fn put(
        &self,
        group_id: &str,
        body: types::UpdateGroupRequest,
    ) -> Result<Group, Error> {
        let group_id = validate::group_id(group_id)?;
        let org_id = validate::org_id(&self.org_id)?;
        let raw = self.client.raw();
        let request = raw
            .update_group()
            .org_id(org_id)
            .group_id(group_id)
            .body(body);
        Ok(send(&UPDATE_GROUP, request.send()).await?.data)
    }

    /// Lists groups, one page at a time or as a stream.
    pub fn list(&self) -> ListGroups {
        ListGroups::new(self.client.clone(), self.org_id.clone())
    }

    /// Gets one group.
    pub fn get(&self, group_id: impl Into<String>) -> GetGroup {
        GetGroup {
            groups: self.clone(),
            group_id: group_id.into(),
            with: None,
        }
    }

    /// Creates a group; `name` must be unique in the organisation. Add a description
    /// with [`CreateGroup::description`]; without one, no `description` key is sent.
    pub fn create(&self, name: impl Into<String>) -> CreateGroup {
        let body = validate::name::<types::CreateGroupRequestName>(name.into())
            .map(|name| types::CreateGroupRequest::builder().name(name));
        CreateGroup {
            groups: self.clone(),
            body,
        }
    }

    /// Updates a group. Fields left unset keep their current values: the group is read
    /// first and `name`, `members` and `guests` are always sent, because the API
    /// replaces `members` and `guests` whole and requires `name`. `description` is
    /// sent only when there is one: the server rejects a null or empty description,
    /// so a group without one keeps none.
    pub fn update(&self, group_id: impl Into<String>) -> UpdateGroup {
        UpdateGroup {
            groups: self.clone(),
            group_id: group_id.into(),
            changes: Ok(Changes::default()),
        }
    }

    /// Deletes a group for good.
    pub fn delete(&self, group_id: impl Into<String>) -> DeleteGroup {
        DeleteGroup {
            groups: self.clone(),
            group_id: group_id.into(),
        }
    }
}

/// Gets one group; see [`Groups::get`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until `.send()` is awaited"]
pub struct GetGroup {
    groups: Groups,
    group_id: String,
    with: Option<types::GetGroupWith>,
}

impl GetGroup {
    /// Includes the logo file as `assets` (`with=assets`).
    pub fn with_assets(mut self) -> Self {
        self.with = Some(types::GetGroupWith::Assets);
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<Group, Error> {
        let group_id = validate::group_id(&self.group_id)?;
        let org_id = validate::org_id(&self.groups.org_id)?;
        let mut request = self
            .groups
            .client
            .raw()
            .get_group()
            .org_id(org_id)
            .group_id(group_id);
        if let Some(with) = self.with {
            request = request.with(with);
        }
        Ok(send(&GET_GROUP, request.send()).await?.data)
    }
}

/// Creates a group; see [`Groups::create`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until `.send()` is awaited"]
pub struct CreateGroup {
    groups: Groups,
    /// The generated body builder, or the first argument it was refused.
    body: Result<types::builder::CreateGroupRequest, Rejected>,
}

impl CreateGroup {
    /// The description. A blank one (empty or only whitespace) is no description: the
    /// server turns `""` into null and rejects that, so no `description` key is sent.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        let description =
            validate::description::<types::CreateGroupRequestDescription>(description.into());
        self.body = self.body.and_then(|b| Ok(b.description(description?)));
        self
    }

    /// The members' user ids.
    pub fn members(mut self, ids: impl IntoIterator<Item = i64>) -> Self {
        let ids: Vec<i64> = ids.into_iter().collect();
        let ids = validate::member_ids(&ids);
        self.body = self.body.and_then(|b| Ok(b.members(ids?)));
        self
    }

    /// The guests' email addresses.
    pub fn guests<S: Into<String>>(mut self, emails: impl IntoIterator<Item = S>) -> Self {
        let emails: Vec<String> = emails.into_iter().map(Into::into).collect();
        self.body = self.body.map(|b| b.guests(emails));
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<Group, Error> {
        let body = self.body?;
        let org_id = validate::org_id(&self.groups.org_id)?;
        let raw = self.groups.client.raw();
        let request = raw.create_group().org_id(org_id).body(body);
        Ok(send(&CREATE_GROUP, request.send()).await?.data)
    }
}

/// The fields an update sets; the others come from the group as it is.
#[derive(Clone, Debug, Default)]
struct Changes {
    name: Option<types::UpdateGroupRequestName>,
    /// `Some(None)`: known to have no description, so none is sent and no read is needed.
    description: Option<Option<types::UpdateGroupRequestDescription>>,
    members: Option<Vec<i64>>,
    guests: Option<Vec<String>>,
}

impl Changes {
    fn complete(&self) -> bool {
        self.name.is_some()
            && self.description.is_some()
            && self.members.is_some()
            && self.guests.is_some()
    }

    /// The fields set, for messages: `name, members`, or `no field`.
    fn set_fields(&self) -> String {
        let set = [
            ("name", self.name.is_some()),
            ("description", self.description.is_some()),
            ("members", self.members.is_some()),
            ("guests", self.guests.is_some()),
        ];
        let names: Vec<&str> = set.iter().filter(|(_, s)| *s).map(|(n, _)| *n).collect();
        if names.is_empty() {
            "no field".to_owned()
        } else {
            names.join(", ")
        }
    }

    /// The PUT body: these fields, the rest from `current`.
    fn merge(self, current: Option<Group>) -> Result<types::UpdateGroupRequest, Error> {
        let members = match (self.members, &current) {
            (Some(ids), _) => ids,
            (None, Some(group)) => group.member_ids()?,
            (None, None) => Vec::new(),
        };
        let (name, description, guests) = match current {
            Some(group) => (Some(group.name), group.description, Some(group.guests)),
            None => (None, None, None),
        };
        // The group's own description, unless it has none (null, or blank as no
        // server would store it): then the key is left out and it stays as it is.
        let description = match self.description {
            Some(d) => d,
            None => validate::description(description.unwrap_or_default())?,
        };
        let name = match self.name {
            Some(name) => name,
            None => validate::name(name.unwrap_or_default())?,
        };
        Ok(types::UpdateGroupRequest {
            name,
            description,
            members: validate::member_ids(&members)?,
            guests: self.guests.or(guests).unwrap_or_default(),
        })
    }
}

/// The PUT body that sets `members` and `guests` and keeps the other fields of
/// `current`, merged as [`UpdateGroup`] merges.
pub(crate) fn membership_body(
    current: &Group,
    members: Vec<i64>,
    guests: Vec<String>,
) -> Result<types::UpdateGroupRequest, Error> {
    let changes = Changes {
        members: Some(members),
        guests: Some(guests),
        ..Changes::default()
    };
    changes.merge(Some(current.clone()))
}

/// Updates a group; see [`Groups::update`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until `.send()` is awaited"]
pub struct UpdateGroup {
    groups: Groups,
    group_id: String,
    changes: Result<Changes, Rejected>,
}

impl UpdateGroup {
    /// The new name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        let name = validate::name(name.into());
        self.changes = self.changes.and_then(|c| {
            Ok(Changes {
                name: Some(name?),
                ..c
            })
        });
        self
    }

    /// The new description. It cannot be blank: the API has no way to clear a
    /// description (it turns `""` into null and rejects both), so a blank one is
    /// refused with [`Error::InvalidArgument`] before anything is sent.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        let description = validate::description(description.into()).and_then(|d| {
            d.ok_or_else(|| {
                Rejected::new(
                    "description",
                    "must not be blank: the API cannot clear a description",
                )
            })
        });
        self.changes = self.changes.and_then(|c| {
            Ok(Changes {
                description: Some(Some(description?)),
                ..c
            })
        });
        self
    }

    /// The complete new member list (it replaces the current one).
    pub fn members(mut self, ids: impl IntoIterator<Item = i64>) -> Self {
        let ids: Vec<i64> = ids.into_iter().collect();
        let checked = validate::member_ids(&ids).map(|_| ids);
        self.changes = self.changes.and_then(|c| {
            Ok(Changes {
                members: Some(checked?),
                ..c
            })
        });
        self
    }

    /// The complete new guest list (it replaces the current one).
    pub fn guests<S: Into<String>>(mut self, emails: impl IntoIterator<Item = S>) -> Self {
        self.changes = self.changes.map(|c| Changes {
            guests: Some(emails.into_iter().map(Into::into).collect()),
            ..c
        });
        self
    }

    /// Sends the request: one PUT when every field is set (still in turn with this
    /// client's other writes to the group). Otherwise a read-modify-write
    /// under the group's lock (see [`Groups::modify`]): a GET, the merge, a second GET
    /// just before the PUT, and the merge again on the fresh copy if the group changed
    /// (at most [`conflict_retries`](crate::ClientBuilder::conflict_retries) times, then
    /// [`Error::Conflict`]).
    pub async fn send(self) -> Result<Group, Error> {
        validate::group_id(&self.group_id)?;
        let changes = self.changes?;
        if changes.complete() {
            // No read, but under the lock, so it cannot land inside another
            // read-modify-write of this client and be overwritten by it.
            let body = changes.merge(None)?;
            let put = self.groups.put(&self.group_id, body);
            let writes = self.groups.client().writes();
            return (writes.serialized(self.groups.org_id_arc(), &self.group_id, put)).await;
        }
        let change = format!("update of {}", changes.set_fields());
        crate::write::read_modify_write(&self.groups, &self.group_id, |current| {
            let body = changes.clone().merge(Some(current.clone()))?;
            Ok(crate::write::Plan::Put {
                body,
                change: change.clone(),
            })
        })
        .await
    }
}

/// Deletes a group; see [`Groups::delete`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until `.send()` is awaited"]
pub struct DeleteGroup {
    groups: Groups,
    group_id: String,
}

impl DeleteGroup {
    /// Sends the request. A 204 or a 200 with a body both count as deleted.
    pub async fn send(self) -> Result<(), Error> {
        let group_id = validate::group_id(&self.group_id)?;
        let org_id = validate::org_id(&self.groups.org_id)?;
        let raw = self.groups.client.raw();
        let request = raw.delete_group().org_id(org_id).group_id(group_id);
        send(&DELETE_GROUP, request.send()).await
    }
}
