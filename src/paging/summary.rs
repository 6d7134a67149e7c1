//! What a listing stream has done ([`ListingSummary`], plain data) and the bookkeeping
//! behind it: the ids already yielded (a repeated id is dropped and counted), the
//! freshest `total` and `total_pages` the server sent, and whether a listing that
//! ended came up short of that `total`.

use super::ids::{Ids, PageIds};
use super::{Page, PageRequest};

/// What a listing stream has done so far, from
/// [`Pages::summary`](super::Pages::summary) or [`Items::summary`](super::Items::summary).
/// Plain data; final once the stream has ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListingSummary {
    /// Pages received and accepted (a page refused by the paging checks, or an error
    /// in its place, is not counted).
    pub pages_fetched: u64,
    /// Items handed to the consumer, duplicates not included.
    pub items_yielded: u64,
    /// Items dropped because an item with the same id was already yielded (an item
    /// that moved to a later page while the listing ran).
    pub duplicates_dropped: u64,
    /// Items in the pages before the first one this stream fetched: 0 from page 1;
    /// `(n - 1) × per_page` for a stream started at page `n` (those pages counted as
    /// full); the continued page's own position and items after
    /// [`Paginator::after`](super::Paginator::after).
    pub items_before: u64,
    /// The `total` of the freshest page the server answered (the one received last),
    /// where it sends one. Items created or deleted while the listing runs move it.
    pub expected_total: Option<u64>,
    /// How many items the listing came up short of `expected_total`
    /// (`expected_total − items_before − items_yielded`), once it has ended by itself
    /// with fewer. Not set for a listing stopped by `max_items` or by an error.
    pub shortfall: Option<u64>,
}

impl ListingSummary {
    /// The items the listing got: those before the stream's first page and those it yielded.
    pub fn items_got(&self) -> u64 {
        self.items_before + self.items_yielded
    }
}

/// The counts of the pages a stream received, in page order.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    summary: ListingSummary,
    /// The ids seen so far: one copy per distinct item of the listing.
    ids: Ids,
    /// The page the stream starts at, until its first page says its `per_page`.
    first_page: Option<u32>,
    /// The answer received last, in time (not page order).
    freshest: Option<Fresh>,
}

/// What the freshest answer said, and when it came (a stamp from the stream's clock).
#[derive(Clone, Copy, Debug)]
struct Fresh {
    stamp: u64,
    total_pages: Option<u64>,
    total: Option<u64>,
}

impl Tally {
    /// The tally of a listing whose first page is `first_page`.
    pub(crate) fn starting_at(first_page: u32) -> Self {
        Tally {
            first_page: Some(first_page),
            ..Tally::default()
        }
    }

    /// The tally of a listing that continues after `page`, answered before any page
    /// the stream fetches (stamp 0), and the ids of `page`'s items (now seen).
    pub(crate) fn after<R: PageRequest>(page: &Page<R::Item>) -> (Self, PageIds) {
        let pages_before = u64::from(page.current_page().saturating_sub(1));
        let mut tally = Tally::default();
        tally.summary.items_before =
            pages_before * u64::from(page.per_page()) + page.items().len() as u64;
        let ids = tally.number::<R>(page);
        tally.freshen(0, page);
        (tally, ids)
    }

    /// The ids of `page`'s items, the next page in order (each id is copied once,
    /// the first time it is seen): for the guard, and for [`accept`](Tally::accept).
    pub(crate) fn number<R: PageRequest>(&mut self, page: &Page<R::Item>) -> PageIds {
        self.ids.number::<R>(page)
    }

    /// Takes the next page in order, answered at `stamp`, whose items carry an id not
    /// seen before where `fresh` says so: drops the others (already yielded), and
    /// notes what the page says if it is the freshest answer yet.
    pub(crate) fn accept<T>(&mut self, stamp: u64, page: &mut Page<T>, fresh: &[bool]) {
        if let Some(first) = self.first_page.take() {
            // Counted with the page size the server applies, which may be below the
            // one asked for.
            self.summary.items_before =
                u64::from(first.saturating_sub(1)) * u64::from(page.per_page());
        }
        self.freshen(stamp, page);
        let before = page.items().len();
        let mut fresh = fresh.iter();
        page.retain(|_| fresh.next().copied().unwrap_or(true));
        self.summary.duplicates_dropped += (before - page.items().len()) as u64;
        self.summary.pages_fetched += 1;
    }

    /// Counts `n` items handed out (after the item cap).
    pub(crate) fn yielded(&mut self, n: usize) {
        self.summary.items_yielded += n as u64;
    }

    fn freshen<T>(&mut self, stamp: u64, page: &Page<T>) {
        if self.freshest.is_some_and(|f| f.stamp > stamp) {
            return;
        }
        self.freshest = Some(Fresh {
            stamp,
            total_pages: page.total_pages(),
            total: page.total(),
        });
        self.summary.expected_total = page.total();
    }

    /// The last page as the freshest answer says, where it sends `total_pages`.
    pub(crate) fn last_page(&self) -> Option<u64> {
        self.freshest.and_then(|f| f.total_pages)
    }

    /// Whether another page follows `page` (just accepted): by the freshest
    /// `total_pages`, else by the page itself (a `next` link, `total`, a full page).
    pub(crate) fn more_after<T>(&self, page: &Page<T>) -> bool {
        match self.last_page() {
            Some(last) => u64::from(page.current_page()) < last,
            None => page.has_next(),
        }
    }

    /// At the listing's own end: `(expected, got)` if it got fewer items than the
    /// freshest `total`, which is then recorded as the shortfall.
    pub(crate) fn shortfall(&mut self) -> Option<(u64, u64)> {
        let expected = self.freshest.and_then(|f| f.total)?;
        let got = self.summary.items_got();
        if got >= expected {
            return None;
        }
        self.summary.shortfall = Some(expected - got);
        Some((expected, got))
    }

    pub(crate) fn summary(&self) -> ListingSummary {
        self.summary
    }
}
