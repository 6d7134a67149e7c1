//! `Page<T>`: one page of a listing with its pagination metadata, usable like a `Vec`,
//! and the rule for whether another page follows.

use std::sync::Arc;

use crate::client::Client;
use crate::error::Error;
use crate::list::{ListQuery, fetch_page};
use crate::model::{Group, Pagination};

/// One page of a listing.
#[derive(Clone, Debug)]
pub struct Page<T> {
    items: Vec<T>,
    pagination: Option<Pagination>,
    requested_page: u32,
    client: Client,
    org_id: Arc<str>,
    query: ListQuery,
}

impl<T> Page<T> {
    pub(crate) fn new(
        items: Vec<T>,
        pagination: Option<Pagination>,
        requested_page: u32,
        client: Client,
        org_id: Arc<str>,
        query: ListQuery,
    ) -> Self {
        Page {
            items,
            pagination,
            requested_page,
            client,
            org_id,
            query,
        }
    }

    /// The items of this page.
    pub fn items(&self) -> &[T] {
        &self.items
    }

    /// The items, taken out of the page.
    pub fn into_items(self) -> Vec<T> {
        self.items
    }

    /// `meta.pagination` as the API sent it, if it did.
    pub fn pagination(&self) -> Option<&Pagination> {
        self.pagination.as_ref()
    }

    /// The page number: the API's `current_page`, else the one requested.
    pub fn current_page(&self) -> u32 {
        self.pagination
            .as_ref()
            .and_then(|p| p.current_page)
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(self.requested_page)
    }

    /// The number of pages, where the API says.
    pub fn total_pages(&self) -> Option<u64> {
        self.pagination
            .as_ref()
            .and_then(|p| p.total_pages)
            .and_then(|n| u64::try_from(n).ok())
    }

    /// The number of items in all pages, where the API says.
    pub fn total(&self) -> Option<u64> {
        self.pagination
            .as_ref()
            .and_then(|p| p.total)
            .and_then(|n| u64::try_from(n).ok())
    }

    /// The query this page was fetched with.
    pub fn query(&self) -> &ListQuery {
        &self.query
    }

    /// Whether another page follows: `current_page < total_pages`; without
    /// `total_pages`, a `next` link; without either, a full page.
    pub fn has_next(&self) -> bool {
        let pagination = self.pagination.as_ref();
        if let Some(total_pages) = self.total_pages() {
            return u64::from(self.current_page()) < total_pages;
        }
        if pagination.is_some_and(|p| p.links.is_some()) {
            return pagination.and_then(Pagination::next_link).is_some();
        }
        let per_page = pagination
            .and_then(|p| p.per_page)
            .and_then(|n| usize::try_from(n).ok())
            .or(self.query.per_page.map(|n| n as usize))
            .unwrap_or(10);
        !self.items.is_empty() && self.items.len() >= per_page
    }

    /// The page number that follows this one.
    pub(crate) fn next_page_number(&self) -> u32 {
        self.current_page().saturating_add(1)
    }
}

impl Page<Group> {
    /// Fetches the page after this one with the same query, or `None` after the last.
    pub async fn next_page(&self) -> Result<Option<Page<Group>>, Error> {
        if !self.has_next() {
            return Ok(None);
        }
        fetch_page(
            &self.client,
            &self.org_id,
            &self.query,
            self.next_page_number(),
        )
        .await
        .map(Some)
    }
}

impl<T> IntoIterator for Page<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a Page<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}
