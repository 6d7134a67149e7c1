//! `Page<T>`: one page of a listing as plain data — its items, the pagination the API
//! sent, the keys of the response the spec does not name, and the page number and
//! size that were asked for — and the rule for whether another page follows. Holds
//! no client and sends nothing.

use serde_json::{Map, Value};

use crate::extra::Extra;

use crate::generated::spec::PER_PAGE_DEFAULT;
use crate::model::Pagination;

/// One page of a listing. Use it like a `Vec` (`for group in &page`), or read the
/// pagination the API sent with it.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    items: Vec<T>,
    pagination: Option<Pagination>,
    requested_page: u32,
    requested_per_page: Option<u32>,
    extra: Extra,
    meta_extra: Extra,
}

impl<T> Page<T> {
    /// A page of `items` with the API's `pagination`, fetched as page
    /// `requested_page` with the page size `requested_per_page` (if one was sent).
    pub(crate) fn new(
        items: Vec<T>,
        pagination: Option<Pagination>,
        requested_page: u32,
        requested_per_page: Option<u32>,
    ) -> Self {
        Page {
            items,
            pagination,
            requested_page,
            requested_per_page,
            extra: Extra::default(),
            meta_extra: Extra::default(),
        }
    }

    /// The page with the keys of the response the spec does not name: `extra` at
    /// its top level (beside `data` and `meta`), `meta_extra` in `meta` (beside
    /// `pagination`).
    pub(crate) fn with_unknown_keys(mut self, extra: Extra, meta_extra: Extra) -> Self {
        self.extra = extra;
        self.meta_extra = meta_extra;
        self
    }

    /// Keys at the top level of the list response that the spec does not name, as
    /// the API sent them (empty when there were none). Unknown keys of a group are in
    /// its own `extra`, those of `meta.pagination` in [`Pagination`]'s.
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }

    /// Keys of the response's `meta` that the spec does not name, as sent.
    pub fn meta_extra(&self) -> &Map<String, Value> {
        &self.meta_extra
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

    /// The page number that was asked for.
    pub fn requested_page(&self) -> u32 {
        self.requested_page
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

    /// The page size in effect: the API's `per_page`, else the one sent, else the
    /// API's default.
    pub fn per_page(&self) -> u32 {
        self.pagination
            .as_ref()
            .and_then(|p| p.per_page)
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n > 0)
            .or(self.requested_per_page)
            .unwrap_or(PER_PAGE_DEFAULT)
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

    /// The number of the page after this one, if [`has_next`](Page::has_next) says
    /// there is one.
    pub fn next_page_number(&self) -> Option<u32> {
        self.has_next()
            .then(|| self.current_page().saturating_add(1))
    }

    /// The API's `current_page`, when it sent one.
    pub(crate) fn reported_page(&self) -> Option<u32> {
        self.pagination
            .as_ref()
            .and_then(|p| p.current_page)
            .and_then(|n| u32::try_from(n).ok())
    }

    /// Keeps only the first `len` items (the item cap of a stream).
    pub(crate) fn truncate(&mut self, len: usize) {
        self.items.truncate(len);
    }

    /// Keeps only the items `keep` says yes to, in order (a stream dropping duplicates).
    pub(crate) fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.items.retain(keep);
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
