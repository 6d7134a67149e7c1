//! Paging: `Page<T>` (one page of a listing with its pagination metadata, usable like
//! a `Vec`), the rule for whether another page follows, and — in the submodules — the
//! streams over many pages (`stream` for pages, `items` for groups) and the checks
//! that stop a misbehaving server from making them loop (`guard`).

mod guard;
mod items;
mod stream;

use std::sync::Arc;

use crate::client::Client;
use crate::error::Error;
use crate::list::{ListQuery, fetch_page};
use crate::model::{Group, Pagination};

pub use items::GroupStream;
pub use stream::PageStream;
pub(crate) use stream::StreamOptions;

/// The page size streams ask for when none was set with
/// [`ListGroups::page_size`](crate::ListGroups::page_size): the API's maximum, so a
/// listing takes as few round trips as possible. A single
/// [`send`](crate::ListGroups::send) keeps the API's own default (10).
pub const DEFAULT_STREAM_PAGE_SIZE: u32 = 100;

/// The page size the API uses when none is sent.
const API_DEFAULT_PER_PAGE: u32 = 10;

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
        self.reported_page().unwrap_or(self.requested_page)
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

    /// Whether another page follows. In order of preference:
    /// - `current_page < total_pages`, when the API sends `total_pages`;
    /// - else a `next` link, when the API sends `links` (an object with a null or
    ///   missing `next`, or `[]`, means this is the last page);
    /// - else `current_page × per_page < total`, when the API sends `total`;
    /// - else a full page (one holding `per_page` items) — a shorter one is the last.
    ///
    /// An empty page is not the last one if `total_pages` or a `next` link says more follow.
    pub fn has_next(&self) -> bool {
        let pagination = self.pagination.as_ref();
        if let Some(total_pages) = self.total_pages() {
            return u64::from(self.current_page()) < total_pages;
        }
        if pagination.is_some_and(|p| p.links.is_some()) {
            return pagination.and_then(Pagination::next_link).is_some();
        }
        if let Some(total) = self.total() {
            return u64::from(self.current_page()) * u64::from(self.per_page()) < total;
        }
        !self.items.is_empty() && self.items.len() >= self.per_page() as usize
    }

    /// The page size in effect: the API's `per_page`, else the one sent, else the API default.
    pub(crate) fn per_page(&self) -> u32 {
        self.pagination
            .as_ref()
            .and_then(|p| p.per_page)
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n > 0)
            .or(self.query.per_page)
            .unwrap_or(API_DEFAULT_PER_PAGE)
    }

    /// The API's `current_page`, when it sent one.
    pub(crate) fn reported_page(&self) -> Option<u32> {
        self.pagination
            .as_ref()
            .and_then(|p| p.current_page)
            .and_then(|n| u32::try_from(n).ok())
    }

    /// The page number that was asked for.
    pub(crate) fn requested_page(&self) -> u32 {
        self.requested_page
    }

    /// The page number that follows this one.
    pub(crate) fn next_page_number(&self) -> u32 {
        self.current_page().saturating_add(1)
    }

    /// Keeps only the first `len` items (the item cap of a stream).
    pub(crate) fn truncate(&mut self, len: usize) {
        self.items.truncate(len);
    }
}

impl Page<Group> {
    /// Fetches the page after this one with the same query, or `None` after the last.
    ///
    /// Fails with [`Error::Paging`] if the server answers with a page number other
    /// than the one asked for (it would otherwise hand back the same page forever).
    pub async fn next_page(&self) -> Result<Option<Page<Group>>, Error> {
        if !self.has_next() {
            return Ok(None);
        }
        let page = fetch_page(
            &self.client,
            &self.org_id,
            &self.query,
            self.next_page_number(),
        )
        .await?;
        guard::check_page_number(&page)?;
        Ok(Some(page))
    }

    /// The items of the pages after this one, as a stream: the listing continued with
    /// the same query (page size included, so page numbers keep their meaning).
    /// Empty, without a request, if this is the last page. This page's own items are
    /// not repeated; take them with [`Page::items`] first if you need them.
    ///
    /// Sequential and uncapped unless [`GroupStream::concurrency`] or
    /// [`GroupStream::max_items`] say otherwise. Nothing is sent until it is polled.
    pub fn into_stream(self) -> GroupStream {
        GroupStream::new(self.into_page_stream())
    }

    /// The pages after this one, as a stream; see [`Page::into_stream`].
    pub fn into_page_stream(self) -> PageStream {
        PageStream::after(self)
    }

    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    pub(crate) fn org_id(&self) -> &Arc<str> {
        &self.org_id
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
