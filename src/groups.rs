//! `client.groups()`: get, create, update and delete, each a small request builder
//! that validates its arguments before anything is sent. Listing lives in `list`.

use crate::client::Client;
use crate::error::Error;
use crate::generated::types;
use crate::list::ListGroups;
use crate::model::Group;
use crate::response::send;
use crate::validate;

/// The groups of one organisation. Get it from [`Client::groups`].
#[derive(Clone, Debug)]
pub struct Groups {
    client: Client,
    org_id: std::sync::Arc<str>,
}

impl Groups {
    pub(crate) fn new(client: &Client, org_id: std::sync::Arc<str>) -> Self {
        Groups {
            client: client.clone(),
            org_id,
        }
    }

    /// The organisation these groups belong to.
    pub fn org_id(&self) -> &str {
        &self.org_id
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
            with_assets: false,
        }
    }

    /// Creates a group; `name` must be unique in the organisation, `description` may be empty.
    pub fn create(&self, name: impl Into<String>, description: impl Into<String>) -> CreateGroup {
        CreateGroup {
            groups: self.clone(),
            name: name.into(),
            description: description.into(),
            members: Vec::new(),
            guests: Vec::new(),
        }
    }

    /// Updates a group. Fields left unset keep their current values: the group is read
    /// first and every field is sent, because the API replaces `members` and `guests`
    /// whole and requires `name` and `description`.
    pub fn update(&self, group_id: impl Into<String>) -> UpdateGroup {
        UpdateGroup {
            groups: self.clone(),
            group_id: group_id.into(),
            name: None,
            description: None,
            members: None,
            guests: None,
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
    with_assets: bool,
}

impl GetGroup {
    /// Includes the logo file as `assets` (`with=assets`).
    pub fn with_assets(mut self) -> Self {
        self.with_assets = true;
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<Group, Error> {
        validate::id("group_id", &self.group_id)?;
        let raw = self.groups.client.raw();
        let mut request = raw
            .get_group()
            .org_id(&*self.groups.org_id)
            .group_id(self.group_id.as_str());
        if self.with_assets {
            request = request.with(types::GetGroupWith::Assets);
        }
        Ok(send(request.send()).await?.data)
    }
}

/// Creates a group; see [`Groups::create`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until `.send()` is awaited"]
pub struct CreateGroup {
    groups: Groups,
    name: String,
    description: String,
    members: Vec<i64>,
    guests: Vec<String>,
}

impl CreateGroup {
    /// The members' user ids.
    pub fn members(mut self, ids: impl IntoIterator<Item = i64>) -> Self {
        self.members = ids.into_iter().collect();
        self
    }

    /// The guests' email addresses.
    pub fn guests<S: Into<String>>(mut self, emails: impl IntoIterator<Item = S>) -> Self {
        self.guests = emails.into_iter().map(Into::into).collect();
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<Group, Error> {
        validate::name(&self.name)?;
        let body = types::CreateGroupRequest {
            name: self
                .name
                .parse()
                .map_err(|e| Error::invalid("name", format!("{e}")))?,
            description: self.description,
            members: self.members,
            guests: self.guests,
        };
        let raw = self.groups.client.raw();
        let reply = send(
            raw.create_group()
                .org_id(&*self.groups.org_id)
                .body(body)
                .send(),
        )
        .await?;
        Ok(reply.data)
    }
}

/// Updates a group; see [`Groups::update`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until `.send()` is awaited"]
pub struct UpdateGroup {
    groups: Groups,
    group_id: String,
    name: Option<String>,
    description: Option<String>,
    members: Option<Vec<i64>>,
    guests: Option<Vec<String>>,
}

impl UpdateGroup {
    /// The new name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The new description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The complete new member list (it replaces the current one).
    pub fn members(mut self, ids: impl IntoIterator<Item = i64>) -> Self {
        self.members = Some(ids.into_iter().collect());
        self
    }

    /// The complete new guest list (it replaces the current one).
    pub fn guests<S: Into<String>>(mut self, emails: impl IntoIterator<Item = S>) -> Self {
        self.guests = Some(emails.into_iter().map(Into::into).collect());
        self
    }

    /// Sends the request: a GET first when any field is unset, then the PUT.
    pub async fn send(self) -> Result<Group, Error> {
        validate::id("group_id", &self.group_id)?;
        if let Some(name) = &self.name {
            validate::name(name)?;
        }
        let complete = self.name.is_some()
            && self.description.is_some()
            && self.members.is_some()
            && self.guests.is_some();
        let current = if complete {
            None
        } else {
            Some(self.groups.get(self.group_id.clone()).send().await?)
        };
        let body = merge(
            current,
            self.name,
            self.description,
            self.members,
            self.guests,
        )?;
        let raw = self.groups.client.raw();
        let reply = send(
            raw.update_group()
                .org_id(&*self.groups.org_id)
                .group_id(self.group_id.as_str())
                .body(body)
                .send(),
        )
        .await?;
        Ok(reply.data)
    }
}

/// The PUT body: the given fields, the rest from the current group.
fn merge(
    current: Option<Group>,
    name: Option<String>,
    description: Option<String>,
    members: Option<Vec<i64>>,
    guests: Option<Vec<String>>,
) -> Result<types::UpdateGroupRequest, Error> {
    let members = match (members, &current) {
        (Some(ids), _) => ids,
        (None, Some(group)) => group.member_ids()?,
        (None, None) => Vec::new(),
    };
    let (cur_name, cur_description, cur_guests) = match current {
        Some(group) => (Some(group.name), group.description, Some(group.guests)),
        None => (None, None, None),
    };
    let name = name.or(cur_name).unwrap_or_default();
    validate::name(&name)?;
    Ok(types::UpdateGroupRequest {
        name: name
            .parse()
            .map_err(|e| Error::invalid("name", format!("{e}")))?,
        description: description.or(cur_description).unwrap_or_default(),
        members,
        guests: guests.or(cur_guests).unwrap_or_default(),
    })
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
        validate::id("group_id", &self.group_id)?;
        let raw = self.groups.client.raw();
        send(
            raw.delete_group()
                .org_id(&*self.groups.org_id)
                .group_id(self.group_id.as_str())
                .send(),
        )
        .await?;
        Ok(())
    }
}
