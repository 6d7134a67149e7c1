//! Membership changes without loss. Tallyfy has no add-member endpoint: PUT replaces
//! `members` and `guests` whole, so each helper reads the group, applies the change,
//! and writes every field back, through the core's guarded read-modify-write.
//! Never sends a PUT when nothing changes.
//!
//! **What is guaranteed:** changes made through one [`Client`](crate::Client) and its
//! clones are serialized per group, so none of them is lost. Changes by another writer
//! (another process, the web app) are detected by a second read just before the PUT,
//! and ours is re-applied on top of theirs. After the PUT, a read taken after a short
//! wait (at least the longest read-to-write span this client has seen, plus jitter)
//! must show our change: if another writer that read before our PUT wrote after it,
//! the change is applied again to what that read shows, at most
//! [`conflict_retries`](crate::ClientBuilder::conflict_retries) times, then
//! [`Error::Unconfirmed`] names what is missing. A helper never returns `Ok` for a
//! change that the read after it does not show. **What is not:** the API has no
//! version check, so a writer that read before our PUT and writes only after our
//! confirming read still drops our change unseen; so does one whose read-to-write span
//! is longer than our wait. Writers that share a coordinator (a lock per group
//! across processes) close that gap.

use crate::core::Plan;
use crate::error::Error;
use crate::groups::Groups;
use crate::model::Group;
use crate::update::Changes;
use crate::validate;

/// The editable membership of a group, handed to [`Groups::modify_membership`]'s closure.
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

impl Membership {
    fn of(group: &Group) -> Result<Membership, Error> {
        Ok(Membership {
            members: group.member_ids()?,
            guests: group.guests.clone(),
        })
    }

    /// What `after` changes in `self`, for messages: `add members [7]; remove guests [..]`.
    fn describe_change(&self, after: &Membership) -> String {
        let mut parts = Vec::new();
        let added: Vec<i64> = (after.members.iter())
            .filter(|id| !self.members.contains(id))
            .copied()
            .collect();
        let removed: Vec<i64> = (self.members.iter())
            .filter(|id| !after.members.contains(id))
            .copied()
            .collect();
        let guests_added: Vec<&String> = (after.guests.iter())
            .filter(|g| !self.guests.contains(g))
            .collect();
        let guests_removed: Vec<&String> = (self.guests.iter())
            .filter(|g| !after.guests.contains(g))
            .collect();
        if !added.is_empty() {
            parts.push(format!("add members {added:?}"));
        }
        if !removed.is_empty() {
            parts.push(format!("remove members {removed:?}"));
        }
        if !guests_added.is_empty() {
            parts.push(format!("add {} guest(s)", guests_added.len()));
        }
        if !guests_removed.is_empty() {
            parts.push(format!("remove {} guest(s)", guests_removed.len()));
        }
        if parts.is_empty() {
            parts.push("reorder the membership".to_owned());
        }
        parts.join("; ")
    }
}

impl Groups {
    /// Reads the group, lets `change` edit its membership, and writes every field back
    /// if anything changed. Returns the group as the API last sent it.
    ///
    /// Any number of edits in one closure cost one read, one compare read, one PUT and
    /// one confirming read (e.g. 500 additions). While it runs, other read-modify-writes of this group
    /// through this client or its clones wait; other groups do not. Just before the PUT
    /// the group is read again; if someone else changed it, `change` runs again on the
    /// fresh copy (so it may run more than once and must only edit the `Membership`),
    /// at most [`conflict_retries`](crate::ClientBuilder::conflict_retries) times, then
    /// [`Error::Conflict`]. After the PUT the group is read again (see the module
    /// docs): a change that read does not show is applied again, at most as often,
    /// then [`Error::Unconfirmed`]. Returns that confirming read.
    pub async fn modify_membership(
        &self,
        group_id: &str,
        mut change: impl FnMut(&mut Membership),
    ) -> Result<Group, Error> {
        let group = validate::group_id(group_id)?;
        (self.org())
            .read_modify_write(&group, |current| {
                let before = Membership::of(current)?;
                let mut after = before.clone();
                change(&mut after);
                if after == before {
                    return Ok(Plan::Nothing);
                }
                let change = before.describe_change(&after);
                let body = Changes::membership(current, after.members, after.guests)?;
                Ok(Plan::Put { change, body })
            })
            .await
    }

    /// Adds members to a group, keeping everything else. Ids already present are
    /// skipped; if none is new, no PUT is sent. Any number of ids: one PUT.
    pub async fn add_members(
        &self,
        group_id: &str,
        ids: impl IntoIterator<Item = i64>,
    ) -> Result<Group, Error> {
        let ids: Vec<i64> = ids.into_iter().collect();
        // Refused before the read: nothing is sent for an id no request may carry.
        validate::member_ids(&ids)?;
        self.modify_membership(group_id, |m| m.add_members(ids.iter().copied()))
            .await
    }

    /// Removes members from a group, keeping everything else. Absent ids are
    /// skipped; if none is present, no PUT is sent.
    pub async fn remove_members(
        &self,
        group_id: &str,
        ids: impl IntoIterator<Item = i64>,
    ) -> Result<Group, Error> {
        let ids: Vec<i64> = ids.into_iter().collect();
        self.modify_membership(group_id, |m| m.remove_members(ids.iter().copied()))
            .await
    }

    /// Adds guests to a group, keeping everything else (emails compare
    /// case-insensitively; if none is new, no PUT is sent).
    pub async fn add_guests<S: Into<String>>(
        &self,
        group_id: &str,
        emails: impl IntoIterator<Item = S>,
    ) -> Result<Group, Error> {
        let emails: Vec<String> = emails.into_iter().map(Into::into).collect();
        self.modify_membership(group_id, |m| m.add_guests(emails.iter().cloned()))
            .await
    }

    /// Removes guests from a group, keeping everything else (emails compare
    /// case-insensitively; if none is present, no PUT is sent).
    pub async fn remove_guests<S: AsRef<str>>(
        &self,
        group_id: &str,
        emails: impl IntoIterator<Item = S>,
    ) -> Result<Group, Error> {
        let emails: Vec<S> = emails.into_iter().collect();
        self.modify_membership(group_id, |m| {
            m.remove_guests(emails.iter().map(AsRef::as_ref))
        })
        .await
    }
}
