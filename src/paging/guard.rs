//! The checks a stream applies to each page, in page order, so that a server whose
//! answers cannot end the listing (the same page again, an ever-growing page count,
//! more items than it said exist) stops the stream with [`Error::Paging`] instead of
//! making it loop or hang.

use crate::error::Error;

use super::Page;

/// The most pages a stream fetches, and the largest `total_pages` it accepts:
/// 10 million groups at the API's largest page size.
pub(crate) const MAX_PAGES: u64 = 100_000;

/// How much `total_pages` may grow from one page to the next (groups created
/// while the listing runs); more than this is taken as a runaway count.
pub(crate) const MAX_TOTAL_PAGES_GROWTH: u64 = 10;

/// How many items beyond `total` are tolerated, in pages of `per_page`: one page
/// absorbs the duplicates that inserts during the listing can cause.
const EXTRA_ITEMS_PAGES: u64 = 1;

/// The state the checks carry from page to page.
#[derive(Clone, Debug, Default)]
pub(crate) struct Guard {
    /// Items in the pages before the first one this stream saw (a continued listing).
    items_before: u64,
    /// The page the stream starts at, until its first page says its `per_page`.
    first_page: Option<u32>,
    /// Items seen so far by this stream, before any item cap.
    items_seen: u64,
    /// `total_pages` of the previous page.
    total_pages: Option<u64>,
    /// The ids of the previous page (their numbers, see `ids`), to spot a server
    /// that ignores `page`.
    previous_ids: Vec<usize>,
}

impl Guard {
    /// A guard for a listing whose first page is `first_page`; the pages before it
    /// are counted as full pages of the size the server applies to the first one
    /// (which may be below the size asked for).
    pub(crate) fn starting_at(first_page: u32) -> Self {
        Guard {
            first_page: Some(first_page),
            ..Guard::default()
        }
    }

    /// A guard for a listing that continues after `page`, whose items' ids are `ids`.
    pub(crate) fn after<T>(page: &Page<T>, ids: Vec<usize>) -> Self {
        let pages_before = u64::from(page.current_page().saturating_sub(1));
        Guard {
            items_before: pages_before * u64::from(page.per_page()),
            first_page: None,
            items_seen: page.items().len() as u64,
            total_pages: page.total_pages(),
            previous_ids: ids,
        }
    }

    /// Checks the next page in order, whose items' ids are `ids`; `Err` ends the stream.
    pub(crate) fn check<T>(&mut self, page: &Page<T>, ids: Vec<usize>) -> Result<(), Error> {
        check_page_number(page)?;
        let number = u64::from(page.requested_page());
        if let Some(first) = self.first_page.take() {
            self.items_before = u64::from(first.saturating_sub(1)) * u64::from(page.per_page());
        }

        if let Some(now) = page.total_pages() {
            if now > MAX_PAGES {
                return Err(paging(format!(
                    "the server reports {now} pages, more than the limit of {MAX_PAGES}"
                )));
            }
            if let Some(before) = self.total_pages
                && now > before + MAX_TOTAL_PAGES_GROWTH
            {
                return Err(paging(format!(
                    "total_pages grew from {before} to {now} between two pages \
                     (more than {MAX_TOTAL_PAGES_GROWTH}); the count looks unbounded"
                )));
            }
            self.total_pages = Some(now);
        }
        if number >= MAX_PAGES && page.has_next() {
            return Err(paging(format!(
                "page {number} claims more pages follow; refusing to fetch more than {MAX_PAGES} pages"
            )));
        }

        self.items_seen += page.items().len() as u64;
        if let Some(total) = page.total() {
            let per_page = u64::from(page.per_page());
            let seen = self.items_before + self.items_seen;
            if seen > total + EXTRA_ITEMS_PAGES * per_page {
                return Err(paging(format!(
                    "received {seen} items by page {number}, but the server says there are \
                     {total} (per_page {per_page})"
                )));
            }
        }

        // Without `current_page` the page number cannot be checked; a page identical to
        // the previous one means the server ignored `page` and would repeat it forever.
        if page.reported_page().is_none() && !ids.is_empty() && ids == self.previous_ids {
            return Err(paging(format!(
                "page {number} holds exactly the items of page {}; the server seems to \
                 ignore the page parameter",
                number - 1
            )));
        }
        self.previous_ids = ids;
        Ok(())
    }
}

/// A page whose `current_page` is not the one asked for (the same page again, or
/// another one) cannot be trusted to end the listing.
pub(crate) fn check_page_number<T>(page: &Page<T>) -> Result<(), Error> {
    let requested = page.requested_page();
    match page.reported_page() {
        Some(reported) if reported == requested.wrapping_sub(1) => Err(paging(format!(
            "asked for page {requested}, the server answered with page {reported} again"
        ))),
        Some(reported) if reported != requested => Err(paging(format!(
            "asked for page {requested}, the server answered with page {reported}"
        ))),
        _ => Ok(()),
    }
}

fn paging(message: String) -> Error {
    Error::Paging(message)
}
