//! Removal safety, decided before anything is sent: how many members, guests and
//! groups an apply may remove (`--max-removals`, by default 25 % of what the file
//! manages or 10, whichever is larger), and the add-only plan that removes nothing.

use super::plan::{Change, Plan};

/// How many members, guests and groups an apply may remove.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MaxRemovals {
    /// At most this many.
    Count(usize),
    /// At most this share (0 to 100) of what the file manages: the members and guests
    /// of the managed groups as read, and the groups on the server when pruning.
    Percent(f64),
}

impl MaxRemovals {
    /// The default: 25 % of what is managed, or 10, whichever is larger.
    pub const DEFAULT_PERCENT: f64 = 25.0;
    /// The least the default allows.
    pub const DEFAULT_FLOOR: usize = 10;

    /// How many removals this allows out of `managed`.
    pub fn allowed(self, managed: usize) -> usize {
        match self {
            MaxRemovals::Count(n) => n,
            MaxRemovals::Percent(p) => {
                (managed as f64 * p.clamp(0.0, 100.0) / 100.0).floor() as usize
            }
        }
    }
}

impl std::str::FromStr for MaxRemovals {
    type Err = String;

    /// `10` or `25%`.
    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let bad = || format!("{text:?} is not a count (10) or a percentage (25%)");
        match text.strip_suffix('%') {
            Some(p) => {
                let p: f64 = p.trim().parse().map_err(|_| bad())?;
                if !(0.0..=100.0).contains(&p) {
                    return Err(bad());
                }
                Ok(MaxRemovals::Percent(p))
            }
            None => text.parse().map(MaxRemovals::Count).map_err(|_| bad()),
        }
    }
}

impl Plan {
    /// The plan without anything that removes: no member or guest removed, no group
    /// deleted (`--add-only`).
    pub fn add_only(mut self) -> Plan {
        self.changes.retain_mut(|change| match change {
            Change::Delete { .. } => false,
            Change::Update {
                members_remove,
                guests_remove,
                ..
            } => {
                members_remove.clear();
                guests_remove.clear();
                !change.is_noop()
            }
            _ => true,
        });
        self.add_only = true;
        self.recount();
        self
    }

    /// Members, guests and groups this plan removes.
    pub fn removals(&self) -> usize {
        self.changes.iter().map(Change::removals).sum()
    }

    /// Refuses the plan, before anything is sent, when it removes more than `limit`
    /// allows (default [`MaxRemovals::DEFAULT_PERCENT`] of what is managed, at least
    /// [`MaxRemovals::DEFAULT_FLOOR`]).
    pub fn check_removals(&self, limit: Option<MaxRemovals>) -> Result<(), String> {
        let allowed = match limit {
            Some(limit) => limit.allowed(self.managed),
            None => MaxRemovals::Percent(MaxRemovals::DEFAULT_PERCENT)
                .allowed(self.managed)
                .max(MaxRemovals::DEFAULT_FLOOR),
        };
        let removals = self.removals();
        if removals > allowed {
            return Err(format!(
                "the plan removes {removals} members, guests and groups, more than the {allowed} \
                 allowed (of {} managed); nothing was sent. Check the file, or raise --max-removals",
                self.managed
            ));
        }
        Ok(())
    }
}
