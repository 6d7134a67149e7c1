//! Paging over page-numbered listings, the way aws-sdk-rust's paginators do it: a
//! [`Paginator`] holds the request (anything that is a [`PageRequest`]) and its stream
//! options, and sends `request.for_page(n)` for each page; [`Page<T>`] is plain data.
//! Submodules: `page` (the page and whether another follows), `stream` (the state
//! machine of the page stream), `items` (the item stream), `guard` (the checks that
//! stop a misbehaving server from making them loop), `summary` (duplicates dropped,
//! the counts a stream reports, and shortfalls), `ids` (each item's id, read once
//! for both). Knows no endpoint.

mod guard;
mod ids;
mod items;
mod page;
mod stream;
mod summary;
#[cfg(test)]
mod tests;

use std::fmt;
use std::future::Future;

use crate::error::Error;

pub use items::Items;
pub use page::Page;
pub use stream::Pages;
pub use summary::ListingSummary;

/// A request for one page of a listing, which a [`Paginator`] sends page after page.
/// [`ListGroups`](crate::ListGroups) is one.
pub trait PageRequest: Clone + fmt::Debug + Send + Sync + Unpin + 'static {
    /// What the pages hold.
    type Item: Clone + fmt::Debug + Send + Sync + Unpin + 'static;

    /// The page this request asks for (from 1).
    fn page_number(&self) -> u32;

    /// The page size this request sends, if any.
    fn page_size(&self) -> Option<u32>;

    /// The same request for page `n`.
    fn for_page(&self, n: u32) -> Self;

    /// The same request with page size `size`.
    fn with_page_size(&self, size: u32) -> Self;

    /// Sends the request.
    fn fetch(self) -> impl Future<Output = Result<Page<Self::Item>, Error>> + Send + 'static;

    /// An item's identity, for dropping an item already yielded and spotting a server
    /// that serves the same page again.
    fn item_id(item: &Self::Item) -> &str;
}

/// How a paginator's streams page: the item cap and how many pages they may fetch at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct StreamOptions {
    pub(crate) max_items: Option<usize>,
    pub(crate) concurrency: usize,
    /// A listing that ends short of its `total` ends without [`Error::Incomplete`].
    pub(crate) allow_incomplete: bool,
}

/// A listing to be streamed: the request, and the options of its streams, set here
/// and only here before a stream exists. Get one from
/// [`ListGroups::into_paginator`](crate::ListGroups::into_paginator).
#[derive(Clone, Debug)]
#[must_use = "a paginator does nothing until its stream is polled"]
pub struct Paginator<R: PageRequest> {
    request: R,
    options: StreamOptions,
    /// A page already fetched, after which the listing continues.
    after: Option<Page<R::Item>>,
    invalid: Option<(&'static str, String)>,
}

impl<R: PageRequest> Paginator<R> {
    pub(crate) fn new(request: R) -> Self {
        Paginator {
            request,
            options: StreamOptions {
                max_items: None,
                concurrency: 1,
                allow_incomplete: false,
            },
            after: None,
            invalid: None,
        }
    }

    /// Stops after `n` items. No page beyond the cap is requested: once the items
    /// received reach `n` (possibly in the middle of a page, which is then cut short),
    /// no further page is fetched. `max_items(0)` yields nothing and sends nothing.
    pub fn max_items(mut self, n: usize) -> Self {
        self.options.max_items = Some(n);
        self
    }

    /// How many pages may be fetched at once (default 1: one after the other, each
    /// requested only when the previous one's items are used up).
    ///
    /// With `n > 1`, once the first page reports `total_pages`, the following pages are
    /// requested up to `n` at a time, never beyond the last page the freshest answer
    /// announces, while earlier ones are handed out; items still come strictly in page
    /// order, each page once, and at most `n` pages are held beyond the one being
    /// consumed. Requests progress while the stream is polled. The end is decided as
    /// sequentially: by the `total_pages` of the answer received last (in time), so a
    /// page answered before a page ahead of it, with an older count, neither ends the
    /// listing early nor lets it request past the newer count. When the API does not
    /// send `total_pages`, the stream falls back to one page at a time (only the page
    /// just received can tell whether another follows). An error on any page is
    /// yielded in its place in the order and ends the stream; pages requested after it
    /// are dropped. `0` makes the stream yield [`Error::InvalidArgument`].
    ///
    /// # Consistency
    ///
    /// The API pages by page number, so a listing is not a snapshot: a group created
    /// or deleted while the listing runs shifts the groups behind it by one place, and
    /// a group can then cross a page boundary between two requests — and come twice
    /// (insertions before it) or not at all (deletions before it). The streams drop
    /// the second copy (by id; see [`ListingSummary::duplicates_dropped`]) and end a
    /// listing that got fewer items than the last `total` in [`Error::Incomplete`]
    /// (see [`allow_incomplete`](Paginator::allow_incomplete)). This holds at any
    /// concurrency, but fetching pages at once spreads the requests for the later pages
    /// over the time the earlier ones are in flight, so concurrency widens the window.
    /// Where it matters, list with `sort_by(SortBy::CreatedAt)` (new groups go last),
    /// or list again.
    pub fn concurrency(mut self, n: usize) -> Self {
        if n == 0 {
            self.invalid
                .get_or_insert(("concurrency", "must be at least 1".into()));
        }
        self.options.concurrency = n.max(1);
        self
    }

    /// Lets a listing that ends with fewer items than the server's last `total` end
    /// normally, with what there was, instead of with [`Error::Incomplete`] as its last
    /// item; the shortfall is then in the stream's summary
    /// ([`ListingSummary::shortfall`], from [`Pages::summary`] or [`Items::summary`]).
    pub fn allow_incomplete(mut self) -> Self {
        self.options.allow_incomplete = true;
        self
    }

    /// Continues the listing after `page`, a page of this same request already
    /// fetched (with [`send`](crate::ListGroups::send), or the last one a stream
    /// yielded): the streams start at the page that follows it, with its page size
    /// (so page numbers keep their meaning), without repeating its items, and end at
    /// once, sending nothing, if it was the last page.
    pub fn after(mut self, page: &Page<R::Item>) -> Self {
        self.request = self.request.with_page_size(page.per_page());
        self.after = Some(page.clone());
        self
    }

    /// The listing as a stream of pages, each with its items and pagination.
    ///
    /// Lazy (nothing is sent before the first poll), `Send + Unpin + 'static`, ends
    /// after the first error it yields. With an item cap, the last page is cut to the cap.
    ///
    /// The listing follows the server's own `total_pages`, re-read on every page: it
    /// ends when `current_page >= total_pages` of the freshest answer, so a listing
    /// that grows while it runs is followed to its end, and a server that applies a
    /// smaller `per_page` than asked (and more pages) is walked to the end. Without
    /// `total_pages` it ends at a page without a `next` link; without either, at a page
    /// shorter than `per_page`. An empty page does not end it when more pages are
    /// announced.
    ///
    /// An item whose id was already yielded (it moved to a later page while the listing
    /// ran) is dropped and counted in the [`summary`](Pages::summary). For that, the
    /// stream keeps the id of every item it has received (one copy of each distinct
    /// id, in a `HashMap`, held until the stream is dropped).
    ///
    /// A listing that ends by itself with fewer items than the freshest `total`
    /// (counting the pages before its first one as full) yields [`Error::Incomplete`]
    /// as its last item, unless [`allow_incomplete`](Paginator::allow_incomplete) was
    /// set; stopping at `max_items` is not a shortfall.
    ///
    /// A server that cannot be trusted to end the listing stops the stream with
    /// [`Error::Paging`]: a `current_page` other than the one asked for (the same page
    /// again); `total_pages` above 100,000 or growing by more than 10 between two
    /// pages; a `next` link on page 100,000; more items than `total` plus one page; a
    /// page without `current_page` holding exactly the previous page's items.
    pub fn pages(self) -> Pages<R> {
        let invalid = self
            .invalid
            .map(|(name, reason)| Error::invalid(name, reason));
        Pages::new(self.request, self.options, self.after, invalid)
    }

    /// The listing as a stream of items, in page order; everything said of
    /// [`pages`](Paginator::pages) applies.
    pub fn items(self) -> Items<R> {
        Items::new(self.pages())
    }
}
