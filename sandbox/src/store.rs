//! The sandbox's state: one list of groups per organisation id, with
//! deterministic ids and timestamps.
//!
//! Nothing here knows about HTTP or files; the routes validate input first and
//! then call these methods with the store locked, and [`crate::state_file`]
//! saves and loads the whole store.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The descriptions seeded groups cycle through (group `i` gets entry `(i - 1) % 4`).
pub const SEED_DESCRIPTIONS: [&str; 4] = [
    "Handles sales inquiries.",
    "Answers customer support tickets.",
    "Runs the engineering on-call rota.",
    "Looks after finance and billing.",
];

/// `created_at` of seeded group 1 (2023-01-15T09:00:00Z); group `i` is `i - 1` hours later.
const SEED_EPOCH: u64 = 1_673_773_200;

/// One group as the store keeps it (and as the state file holds it).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Group {
    pub(crate) id: String,
    pub(crate) name: String,
    /// `None` is the API's `null`: the group has no description.
    pub(crate) description: Option<String>,
    pub(crate) members: Vec<i64>,
    pub(crate) guests: Vec<String>,
    pub(crate) created_at: u64,
    pub(crate) last_updated: u64,
    /// Creation order, breaking ties between equal timestamps.
    pub(crate) created_seq: u64,
    /// Order of the last change, breaking ties between equal timestamps.
    pub(crate) updated_seq: u64,
}

impl Group {
    /// The group as the API serialises it; `with_assets` adds `"assets": []`. Like
    /// the live server, it includes fields the spec does not declare (`is_system`)
    /// and nulls (`logo`, `deleted_at`), so clients are tried on keeping them.
    pub(crate) fn to_json(&self, with_assets: bool) -> Value {
        let mut value = json!({
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "logo": null,
            "members": self.members,
            "guests": self.guests,
            "is_system": false,
            "created_at": iso8601(self.created_at),
            "last_updated": iso8601(self.last_updated),
            "deleted_at": null,
        });
        if with_assets {
            value["assets"] = json!([]);
        }
        value
    }
}

/// Validated fields of a create or update.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GroupInput {
    pub(crate) name: String,
    /// `None`: not given (create: null; update: unchanged).
    pub(crate) description: Option<String>,
    /// `None`: not given (create: empty; update: unchanged).
    pub(crate) members: Option<Vec<i64>>,
    /// `None`: not given (create: empty; update: unchanged).
    pub(crate) guests: Option<Vec<String>>,
}

/// All organisations' groups; serialised whole into a state file.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Store {
    orgs: BTreeMap<String, Vec<Group>>,
    /// Groups ever created (seeded ones included); drives ids.
    created: u64,
    /// Changes ever made; drives `created_seq` / `updated_seq`.
    seq: u64,
    /// The latest timestamp handed out, so timestamps never go backwards.
    clock: u64,
}

impl Store {
    /// A store whose organisation `org_id` holds `seed` seeded groups.
    pub(crate) fn seeded(org_id: &str, seed: usize) -> Self {
        let mut store = Store::default();
        let groups = (1..=seed as u64)
            .map(|i| {
                let created_at = SEED_EPOCH + (i - 1) * 3600;
                // A deterministic shuffle, so `updated_at` order differs from `created_at` order.
                let last_updated = created_at + (i * 7919 % 97) * 86_400;
                let members = (0..(i % 3) as i64)
                    .map(|k| 1000 + 10 * i as i64 + k)
                    .collect();
                let guests = if i % 5 == 0 {
                    vec![format!("guest{i:04}@example.com")]
                } else {
                    Vec::new()
                };
                let seq = store.next_seq();
                Group {
                    id: store.next_id(),
                    name: format!("Group {i:04}"),
                    description: Some(SEED_DESCRIPTIONS[((i - 1) % 4) as usize].to_owned()),
                    members,
                    guests,
                    created_at,
                    last_updated,
                    created_seq: seq,
                    updated_seq: seq,
                }
            })
            .collect();
        store.orgs.insert(org_id.to_owned(), groups);
        store
    }

    /// Whether a store read from a file can be used: group ids unique, and the
    /// counters that make new ids and orders not behind what the store holds.
    pub(crate) fn check(&self) -> Result<(), String> {
        let mut ids = std::collections::BTreeSet::new();
        let mut count = 0u64;
        for (org, groups) in &self.orgs {
            for group in groups {
                count += 1;
                if !ids.insert(group.id.as_str()) {
                    return Err(format!(
                        "group id {} appears twice (organisation {org})",
                        group.id
                    ));
                }
                if group.created_seq > self.seq || group.updated_seq > self.seq {
                    return Err(format!(
                        "group {} is newer than the store's change counter",
                        group.id
                    ));
                }
            }
        }
        if count > self.created {
            return Err(format!(
                "{count} groups but only {} were ever created",
                self.created
            ));
        }
        Ok(())
    }

    /// The organisation's groups in creation order (empty for an unknown organisation).
    pub(crate) fn groups(&self, org_id: &str) -> &[Group] {
        self.orgs.get(org_id).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn get(&self, org_id: &str, group_id: &str) -> Option<&Group> {
        self.groups(org_id).iter().find(|g| g.id == group_id)
    }

    /// Whether another group of the organisation (not `except_id`) has this
    /// name, compared case-insensitively like a MySQL `_ci` collation.
    pub(crate) fn name_taken(&self, org_id: &str, name: &str, except_id: Option<&str>) -> bool {
        let name = name.to_lowercase();
        self.groups(org_id)
            .iter()
            .any(|g| Some(g.id.as_str()) != except_id && g.name.to_lowercase() == name)
    }

    pub(crate) fn create(&mut self, org_id: &str, input: GroupInput) -> Group {
        let now = self.now();
        let seq = self.next_seq();
        let group = Group {
            id: self.next_id(),
            name: input.name,
            description: input.description,
            members: input.members.unwrap_or_default(),
            guests: input.guests.unwrap_or_default(),
            created_at: now,
            last_updated: now,
            created_seq: seq,
            updated_seq: seq,
        };
        self.orgs
            .entry(org_id.to_owned())
            .or_default()
            .push(group.clone());
        group
    }

    /// Replaces the name, and description / members / guests where given.
    pub(crate) fn update(
        &mut self,
        org_id: &str,
        group_id: &str,
        input: GroupInput,
    ) -> Option<Group> {
        let now = self.now();
        let seq = self.next_seq();
        let group = self
            .orgs
            .get_mut(org_id)?
            .iter_mut()
            .find(|g| g.id == group_id)?;
        group.name = input.name;
        if let Some(description) = input.description {
            group.description = Some(description);
        }
        if let Some(members) = input.members {
            group.members = members;
        }
        if let Some(guests) = input.guests {
            group.guests = guests;
        }
        group.last_updated = now;
        group.updated_seq = seq;
        Some(group.clone())
    }

    /// Deletes for good; `false` if there was no such group.
    pub(crate) fn delete(&mut self, org_id: &str, group_id: &str) -> bool {
        let Some(groups) = self.orgs.get_mut(org_id) else {
            return false;
        };
        let before = groups.len();
        groups.retain(|g| g.id != group_id);
        groups.len() != before
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// The id of the next group: 32 lowercase hex digits, the same on every run.
    fn next_id(&mut self) -> String {
        self.created += 1;
        let n = self.created;
        format!(
            "{:016x}{:016x}",
            splitmix64(n),
            splitmix64(n ^ 0x5bd1_e995_7f4a_7c15)
        )
    }

    /// Wall-clock seconds, never earlier than a timestamp already handed out.
    fn now(&mut self) -> u64 {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.clock = self.clock.max(wall);
        self.clock
    }
}

/// SplitMix64: a fixed, well-mixed map from a counter to 64 bits.
fn splitmix64(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Unix seconds as ISO 8601 UTC, `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn iso8601(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_timestamps() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(SEED_EPOCH), "2023-01-15T09:00:00Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601(1_709_251_199), "2024-02-29T23:59:59Z");
    }

    #[test]
    fn ids_are_deterministic_hex() {
        let a = Store::seeded("org", 3);
        let b = Store::seeded("org", 3);
        let ids = |s: &Store| {
            s.groups("org")
                .iter()
                .map(|g| g.id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&a), ids(&b));
        for id in ids(&a) {
            assert_eq!(id.len(), 32);
            assert!(id.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')));
        }
    }
}
