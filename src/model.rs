//! The domain types users handle: re-exports of the generated types, plus small
//! helpers that smooth over the API's documented variants. Declares no fields.

use chrono::{DateTime, Utc};

use crate::Timestamp;

pub use crate::generated::types::{ErrorBody, Group, MemberId, Pagination, SortBy};
use crate::generated::types::{PageLinks, PaginationLinks};

impl Group {
    /// The time of the last change, whichever name the API used (`last_updated` or `updated_at`).
    pub fn last_changed(&self) -> Option<DateTime<Utc>> {
        self.last_updated.or(self.updated_at).map(Timestamp::get)
    }

    /// Member ids as integers. Fails, naming the id, if one is not a number — so a
    /// rewrite of the member list never silently drops a member.
    pub fn member_ids(&self) -> Result<Vec<i64>, crate::Error> {
        self.members
            .iter()
            .map(|m| {
                m.as_i64().ok_or_else(|| {
                    crate::Error::invalid("members", format!("member id {m} is not an integer"))
                })
            })
            .collect()
    }
}

impl MemberId {
    /// The id as an integer, whether the API sent `1001` or `"1001"`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            MemberId::Int64(id) => Some(*id),
            MemberId::String(text) => text.trim().parse().ok(),
        }
    }
}

impl Pagination {
    /// The URL of the next page, where the API sent one (`links` may be an object,
    /// `[]`, null or missing).
    pub fn next_link(&self) -> Option<&str> {
        match &self.links {
            Some(PaginationLinks::PageLinks(PageLinks(Some(links)))) => links.next.as_deref(),
            _ => None,
        }
    }
}
