//! Membership changes without loss. Tallyfy has no add-member endpoint: PUT replaces
//! `members` and `guests` whole, so each helper reads the group, applies the change,
//! and writes every field back. Never sends a PUT when nothing changes.
//!
//! **Race with concurrent editors:** the read and the write are two requests. If
//! someone else changes the group in between, their change to any field is
//! overwritten by this write (last writer wins); the API offers no version check to
//! prevent it. Keep one writer per group, or re-read and compare afterwards.

use crate::error::Error;
use crate::groups::Groups;
use crate::model::Group;
use crate::validate;

/// The editable membership of a group, handed to [`Groups::modify`]'s closure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Membership {
    /// Member user ids, in the group's order.
    pub members: Vec<i64>,
    /// Guest email addresses, in the group's order.
    pub guests: Vec<String>,
}

impl Membership {
    /// Adds members not already present, keeping order.
    pub fn add_members(&mut self, ids: impl IntoIterator<Item = i64>) {
        for id in ids {
            if !self.members.contains(&id) {
                self.members.push(id);
            }
        }
    }

    /// Removes the given members.
    pub fn remove_members(&mut self, ids: impl IntoIterator<Item = i64>) {
        let gone: Vec<i64> = ids.into_iter().collect();
        self.members.retain(|id| !gone.contains(id));
    }

    /// Adds guests not already present (emails compare case-insensitively).
    pub fn add_guests<S: Into<String>>(&mut self, emails: impl IntoIterator<Item = S>) {
        for email in emails {
            let email = email.into();
            if !self.guests.iter().any(|g| g.eq_ignore_ascii_case(&email)) {
                self.guests.push(email);
            }
        }
    }

    /// Removes the given guests (emails compare case-insensitively).
    pub fn remove_guests<S: AsRef<str>>(&mut self, emails: impl IntoIterator<Item = S>) {
        let gone: Vec<S> = emails.into_iter().collect();
        self.guests
            .retain(|g| !gone.iter().any(|e| e.as_ref().eq_ignore_ascii_case(g)));
    }
}

impl Groups {
    /// Reads the group, lets `change` edit its membership, and writes every field back
    /// if anything changed. Returns the group as the API last sent it.
    pub async fn modify(
        &self,
        group_id: &str,
        change: impl FnOnce(&mut Membership),
    ) -> Result<Group, Error> {
        validate::group_id(group_id)?;
        let current = self.get(group_id).send().await?;
        let before = Membership {
            members: current.member_ids()?,
            guests: current.guests.clone(),
        };
        let mut after = before.clone();
        change(&mut after);
        if after == before {
            return Ok(current);
        }
        // Every field is set, so the update sends one PUT and reads nothing more; a
        // null description stays null (no `description` key), never becomes "".
        self.update(group_id)
            .name(current.name)
            .keep_description(current.description)
            .members(after.members)
            .guests(after.guests)
            .send()
            .await
    }

    /// Adds members to a group, keeping everything else.
    pub async fn add_members(
        &self,
        group_id: &str,
        ids: impl IntoIterator<Item = i64>,
    ) -> Result<Group, Error> {
        self.modify(group_id, |m| m.add_members(ids)).await
    }

    /// Removes members from a group, keeping everything else.
    pub async fn remove_members(
        &self,
        group_id: &str,
        ids: impl IntoIterator<Item = i64>,
    ) -> Result<Group, Error> {
        self.modify(group_id, |m| m.remove_members(ids)).await
    }

    /// Adds guests to a group, keeping everything else.
    pub async fn add_guests<S: Into<String>>(
        &self,
        group_id: &str,
        emails: impl IntoIterator<Item = S>,
    ) -> Result<Group, Error> {
        self.modify(group_id, |m| m.add_guests(emails)).await
    }

    /// Removes guests from a group, keeping everything else.
    pub async fn remove_guests<S: AsRef<str>>(
        &self,
        group_id: &str,
        emails: impl IntoIterator<Item = S>,
    ) -> Result<Group, Error> {
        self.modify(group_id, |m| m.remove_guests(emails)).await
    }
}
