//! `client.groups()`: get, create, update and delete, each a small request builder
//! that checks its arguments as they are set and sends through the core. Listing
//! lives in `list`, membership changes in `membership`, the update body in `update`.

use crate::core::{Org, Plan};
use crate::error::Error;
use crate::generated::types::{self, GroupId};
use crate::list::ListGroups;
use crate::model::Group;
use crate::update::Changes;
use crate::validate::{self, Rejected};

/// The groups of one organisation. Get it from [`Client::groups`](crate::Client::groups).
#[derive(Clone, Debug)]
pub struct Groups {
    org: Org,
}

impl Groups {
    pub(crate) fn new(org: Org) -> Self {
        Groups { org }
    }

    pub(crate) fn org(&self) -> &Org {
        &self.org
    }

    /// The organisation these groups belong to.
    pub fn org_id(&self) -> &str {
        self.org.name()
    }

    /// Lists groups, one page at a time or as a stream.
    pub fn list(&self) -> ListGroups {
        ListGroups::new(self.org.clone())
    }

    /// Gets one group.
    pub fn get(&self, group_id: impl AsRef<str>) -> GetGroup {
        GetGroup {
            org: self.org.clone(),
            group_id: validate::group_id(group_id.as_ref()),
            with: None,
        }
    }

    /// Creates a group; `name` must be unique in the organisation. Add a description
    /// with [`CreateGroup::description`]; without one, no `description` key is sent.
    pub fn create(&self, name: impl Into<String>) -> CreateGroup {
        let body = validate::name::<types::CreateGroupRequestName>(name.into())
            .map(|name| types::CreateGroupRequest::builder().name(name));
        CreateGroup {
            org: self.org.clone(),
            body,
        }
    }

    /// Updates a group. Fields left unset keep their current values: the group is read
    /// first and `name`, `members` and `guests` are always sent, because the API
    /// replaces `members` and `guests` whole and requires `name`. `description` is
    /// sent only when there is one: the server rejects a null or empty description,
    /// so a group without one keeps none.
    pub fn update(&self, group_id: impl AsRef<str>) -> UpdateGroup {
        UpdateGroup {
            org: self.org.clone(),
            changes: validate::group_id(group_id.as_ref()).map(|id| (id, Changes::default())),
        }
    }

    /// Deletes a group for good.
    pub fn delete(&self, group_id: impl AsRef<str>) -> DeleteGroup {
        DeleteGroup {
            org: self.org.clone(),
            group_id: validate::group_id(group_id.as_ref()),
        }
    }
}

/// Gets one group; see [`Groups::get`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until `.send()` is awaited"]
pub struct GetGroup {
    org: Org,
    group_id: Result<GroupId, Rejected>,
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
        self.org.get(self.group_id?, self.with).await
    }
}

/// Creates a group; see [`Groups::create`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until `.send()` is awaited"]
pub struct CreateGroup {
    org: Org,
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
        let body = types::CreateGroupRequest::try_from(self.body?)
            .map_err(|e| Error::invalid("body", e.to_string()))?;
        self.org.create(body).await
    }
}

/// Updates a group; see [`Groups::update`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until `.send()` is awaited"]
pub struct UpdateGroup {
    org: Org,
    /// The group and the fields set so far, or the first argument refused.
    changes: Result<(GroupId, Changes), Rejected>,
}

impl UpdateGroup {
    fn set(mut self, change: impl FnOnce(&mut Changes) -> Result<(), Rejected>) -> Self {
        self.changes = self.changes.and_then(|(id, mut c)| {
            change(&mut c)?;
            Ok((id, c))
        });
        self
    }

    /// The new name.
    pub fn name(self, name: impl Into<String>) -> Self {
        let name = validate::name(name.into());
        self.set(|c| {
            c.name = Some(name?);
            Ok(())
        })
    }

    /// The new description. It cannot be blank: the API has no way to clear a
    /// description (it turns `""` into null and rejects both), so a blank one is
    /// refused with [`Error::InvalidArgument`] before anything is sent.
    pub fn description(self, description: impl Into<String>) -> Self {
        let description = validate::description(description.into()).and_then(|d| {
            d.ok_or_else(|| {
                Rejected::new(
                    "description",
                    "must not be blank: the API cannot clear a description",
                )
            })
        });
        self.set(|c| {
            c.description = Some(Some(description?));
            Ok(())
        })
    }

    /// The complete new member list (it replaces the current one).
    pub fn members(self, ids: impl IntoIterator<Item = i64>) -> Self {
        let ids: Vec<i64> = ids.into_iter().collect();
        let checked = validate::member_ids(&ids).map(|_| ids);
        self.set(|c| {
            c.members = Some(checked?);
            Ok(())
        })
    }

    /// The complete new guest list (it replaces the current one).
    pub fn guests<S: Into<String>>(self, emails: impl IntoIterator<Item = S>) -> Self {
        let emails = emails.into_iter().map(Into::into).collect();
        self.set(|c| {
            c.guests = Some(emails);
            Ok(())
        })
    }

    /// Sends the request: one PUT when every field is set (still in turn with this
    /// client's other writes to the group). Otherwise a read-modify-write
    /// under the group's lock (see [`Groups::modify_membership`]): a GET, the merge, a
    /// second GET just before the PUT, and the merge again on the fresh copy if the
    /// group changed (at most
    /// [`conflict_retries`](crate::ClientBuilder::conflict_retries) times, then
    /// [`Error::Conflict`]); then a read that confirms the fields set (see
    /// [`Groups::modify_membership`]; [`Error::Unconfirmed`] when none shows them).
    /// A complete update replaces the group whole and is not confirmed.
    pub async fn send(self) -> Result<Group, Error> {
        let (group, changes) = self.changes?;
        if changes.complete() {
            return self.org.put(&group, changes.merge(None)?).await;
        }
        let change = format!("update of {}", changes.set_fields());
        (self.org)
            .read_modify_write(&group, |current| {
                let body = changes.clone().merge(Some(current))?;
                let change = change.clone();
                Ok(Plan::Put { body, change })
            })
            .await
    }
}

/// Deletes a group; see [`Groups::delete`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until `.send()` is awaited"]
pub struct DeleteGroup {
    org: Org,
    group_id: Result<GroupId, Rejected>,
}

impl DeleteGroup {
    /// Sends the request. A 204 or a 200 with a body both count as deleted.
    pub async fn send(self) -> Result<(), Error> {
        self.org.delete(self.group_id?).await
    }
}
