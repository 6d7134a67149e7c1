//! Confirming a write on a later read. The API has no version check, so a writer that
//! read the group before our PUT and writes after it drops our change without anyone
//! noticing; the read-modify-write (`rmw`) therefore reads the group again after its
//! PUT and checks that its own change is there. This module owns what "its own
//! change" is ([`Intent`]: what the PUT body changed in the group as read just before
//! it), how it is checked on a later read, how it is applied again to a fresh copy,
//! and how long to wait before that read ([`ConfirmWait`]). Sends nothing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::error::Error;
use crate::generated::types::UpdateGroupRequest;
use crate::model::Group;
use crate::update::Changes;
use crate::validate;

/// What one PUT changes in the group as read before it: the members and guests it
/// adds and removes, and the name and description when it changes them. Fields the
/// PUT only wrote back as they were are not part of it: another writer may change
/// them without undoing this write.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Intent {
    add_members: Vec<i64>,
    remove_members: Vec<i64>,
    add_guests: Vec<String>,
    remove_guests: Vec<String>,
    name: Option<String>,
    description: Option<Option<String>>,
}

impl Intent {
    /// What `body` changes in `before`.
    pub(crate) fn between(before: &Group, body: &UpdateGroupRequest) -> Result<Intent, Error> {
        let old = before.member_ids()?;
        // The crate sends integers; the string form is read the same way.
        let new: Vec<i64> = (body.members.iter())
            .filter_map(|m| m.to_string().trim().parse().ok())
            .collect();
        let has_guest = |list: &[String], g: &str| list.iter().any(|x| x.eq_ignore_ascii_case(g));
        let name = body.name.to_string();
        let description = body.description.as_ref().map(|d| d.to_string());
        Ok(Intent {
            add_members: new.iter().filter(|id| !old.contains(id)).copied().collect(),
            remove_members: old.iter().filter(|id| !new.contains(id)).copied().collect(),
            add_guests: (body.guests.iter())
                .filter(|g| !has_guest(&before.guests, g))
                .cloned()
                .collect(),
            remove_guests: (before.guests.iter())
                .filter(|g| !has_guest(&body.guests, g))
                .cloned()
                .collect(),
            name: (name != before.name).then_some(name),
            // A body without a description leaves it as it is.
            description: (description.is_some() && description != before.description)
                .then_some(description),
        })
    }

    /// What of this change `seen` does not show, for messages (`members [7] missing;
    /// members [9] back`), or `None` when all of it is there.
    pub(crate) fn missing(&self, seen: &Group) -> Result<Option<String>, Error> {
        let members = seen.member_ids()?;
        let has_guest = |g: &String| seen.guests.iter().any(|x| x.eq_ignore_ascii_case(g));
        let mut parts = Vec::new();
        let absent: Vec<i64> = (self.add_members.iter())
            .filter(|id| !members.contains(id))
            .copied()
            .collect();
        let back: Vec<i64> = (self.remove_members.iter())
            .filter(|id| members.contains(id))
            .copied()
            .collect();
        if !absent.is_empty() {
            parts.push(format!("members {absent:?} missing"));
        }
        if !back.is_empty() {
            parts.push(format!("removed members {back:?} back"));
        }
        let guests_absent = self.add_guests.iter().filter(|g| !has_guest(g)).count();
        if guests_absent > 0 {
            parts.push(format!("{guests_absent} added guest(s) missing"));
        }
        let guests_back = self.remove_guests.iter().filter(|g| has_guest(g)).count();
        if guests_back > 0 {
            parts.push(format!("{guests_back} removed guest(s) back"));
        }
        if self.name.as_ref().is_some_and(|name| *name != seen.name) {
            parts.push("the new name is not there".to_owned());
        }
        if (self.description.as_ref()).is_some_and(|d| *d != seen.description) {
            parts.push("the new description is not there".to_owned());
        }
        Ok((!parts.is_empty()).then(|| parts.join("; ")))
    }

    /// The PUT body that applies this change again to `fresh`, keeping everything
    /// else `fresh` shows (another writer's changes included).
    pub(crate) fn reapply(&self, fresh: &Group) -> Result<UpdateGroupRequest, Error> {
        let mut members = fresh.member_ids()?;
        members.retain(|id| !self.remove_members.contains(id));
        for id in &self.add_members {
            if !members.contains(id) {
                members.push(*id);
            }
        }
        let mut guests = fresh.guests.clone();
        guests.retain(|g| !self.remove_guests.iter().any(|r| r.eq_ignore_ascii_case(g)));
        for guest in &self.add_guests {
            if !guests.iter().any(|g| g.eq_ignore_ascii_case(guest)) {
                guests.push(guest.clone());
            }
        }
        let changes = Changes {
            name: self.name.clone().map(validate::name).transpose()?,
            description: match &self.description {
                Some(d) => Some(validate::description(d.clone().unwrap_or_default())?),
                None => None,
            },
            members: Some(members),
            guests: Some(guests),
        };
        changes.merge(Some(fresh))
    }
}

/// How long a writer waits after its PUT before the read that confirms it: at least
/// the longest read-to-write span this client has seen (from the read just before a
/// PUT to the PUT's answer), so a writer with a similar span that read before our PUT
/// has written by then, plus up to as much again of jitter, doubling per re-apply.
#[derive(Debug, Default)]
pub(crate) struct ConfirmWait {
    /// The longest read-to-write span seen so far, in nanoseconds.
    span_ns: AtomicU64,
}

/// The shortest wait before a confirming read, whatever the spans seen.
const MIN_WAIT: Duration = Duration::from_millis(5);
/// The longest, however slow the server was once.
const MAX_WAIT: Duration = Duration::from_secs(10);

impl ConfirmWait {
    /// Records one read-to-write span.
    pub(crate) fn saw(&self, span: Duration) {
        let nanos = u64::try_from(span.as_nanos()).unwrap_or(u64::MAX);
        self.span_ns.fetch_max(nanos, Ordering::Relaxed);
    }

    /// The wait before the confirming read after the `reapplied`-th re-apply (0: after
    /// the first PUT), with `jitter` in `[0, 1)`.
    pub(crate) fn before_confirm(&self, reapplied: u32, jitter: f64) -> Duration {
        let span = Duration::from_nanos(self.span_ns.load(Ordering::Relaxed)).max(MIN_WAIT);
        let doubled = span.saturating_mul(1 << reapplied.min(6));
        doubled.mul_f64(1.0 + jitter.clamp(0.0, 1.0)).min(MAX_WAIT)
    }
}

/// A number in `[0, 1)` that differs between calls and processes (std's random hash
/// keys, mixed with the time): enough to keep writers from confirming in lockstep.
pub(crate) fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(members: &[i64], guests: &[&str], name: &str) -> Group {
        serde_json::from_value(serde_json::json!({
            "id": "g", "name": name, "description": "Desk", "members": members,
            "guests": guests, "last_updated": "2026-01-01T00:00:00Z",
        }))
        .unwrap()
    }

    fn body(members: &[i64], guests: &[&str], name: &str) -> UpdateGroupRequest {
        serde_json::from_value(serde_json::json!({
            "name": name, "description": "Desk", "members": members, "guests": guests,
        }))
        .unwrap()
    }

    // Proves the intent is the difference only: fields written back unchanged are not
    // part of it, and guests compare case-insensitively.
    #[test]
    fn intent_is_what_the_put_changes() {
        let before = group(&[1, 2], &["a@x.io"], "Ops");
        let intent =
            Intent::between(&before, &body(&[2, 3], &["A@x.io", "b@x.io"], "Ops")).unwrap();
        assert_eq!(intent.add_members, [3]);
        assert_eq!(intent.remove_members, [1]);
        assert_eq!(intent.add_guests, ["b@x.io"]);
        assert!(intent.remove_guests.is_empty());
        assert_eq!((intent.name, intent.description), (None, None));
    }

    // Proves a later read is checked for exactly the change: another writer's extra
    // member is fine, a missing addition or a returned removal is named.
    #[test]
    fn missing_names_what_a_later_read_lacks() {
        let before = group(&[1], &[], "Ops");
        let intent = Intent::between(&before, &body(&[2], &[], "Ops")).unwrap();
        assert_eq!(intent.missing(&group(&[2, 9], &[], "Ops")).unwrap(), None);
        assert_eq!(
            intent
                .missing(&group(&[1, 9], &[], "Ops"))
                .unwrap()
                .as_deref(),
            Some("members [2] missing; removed members [1] back")
        );
        let renamed = Intent::between(&before, &body(&[1], &[], "Dev")).unwrap();
        assert!(renamed.missing(&before).unwrap().unwrap().contains("name"));
    }

    // Proves a re-apply keeps what another writer did meanwhile and redoes only ours.
    #[test]
    fn reapply_keeps_the_other_writers_change() {
        let before = group(&[1], &["a@x.io"], "Ops");
        let intent = Intent::between(&before, &body(&[1, 2], &[], "Ops")).unwrap();
        let theirs = group(&[1, 9], &["a@x.io", "c@x.io"], "Ops");
        let again = intent.reapply(&theirs).unwrap();
        assert_eq!(again, body(&[1, 9, 2], &["c@x.io"], "Ops"));
    }

    // Proves the wait is at least the longest span seen, doubles per re-apply, adds at
    // most as much again of jitter and is capped.
    #[test]
    fn wait_follows_the_longest_span() {
        let wait = ConfirmWait::default();
        assert_eq!(wait.before_confirm(0, 0.0), MIN_WAIT);
        wait.saw(Duration::from_millis(40));
        wait.saw(Duration::from_millis(30));
        assert_eq!(wait.before_confirm(0, 0.0), Duration::from_millis(40));
        assert_eq!(wait.before_confirm(0, 0.5), Duration::from_millis(60));
        assert_eq!(wait.before_confirm(2, 0.0), Duration::from_millis(160));
        wait.saw(Duration::from_secs(60));
        assert_eq!(wait.before_confirm(0, 0.9), MAX_WAIT);
        let j = jitter();
        assert!((0.0..1.0).contains(&j), "{j}");
    }
}
