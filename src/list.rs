//! The list request: its query parameters and stream options, validated once, the
//! single-page call, and the entry points to the streams (which live in `paging`).

use std::sync::Arc;

use crate::client::Client;
use crate::error::Error;
use crate::generated::types;
use crate::model::{Group, SortBy};
use crate::paging::{DEFAULT_STREAM_PAGE_SIZE, GroupStream, Page, PageStream, StreamOptions};
use crate::response::send;
use crate::validate;

/// The parameters of a list request, sent unchanged with every page.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListQuery {
    pub(crate) q: Option<String>,
    pub(crate) sort_by: Option<SortBy>,
    pub(crate) with: Option<String>,
    pub(crate) per_page: Option<u32>,
}

impl ListQuery {
    /// The page size sent, if any (the API's default is 10).
    pub fn per_page(&self) -> Option<u32> {
        self.per_page
    }
}

/// Lists groups; see [`crate::Groups::list`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until it is sent or streamed"]
pub struct ListGroups {
    pub(crate) client: Client,
    pub(crate) org_id: Arc<str>,
    pub(crate) query: ListQuery,
    pub(crate) page: u32,
    /// The item cap and concurrency of `items()` and `pages()`.
    pub(crate) stream: StreamOptions,
    /// The first rejected argument, reported when the request is sent.
    pub(crate) invalid: Option<(&'static str, String)>,
}

impl ListGroups {
    pub(crate) fn new(client: Client, org_id: Arc<str>) -> Self {
        ListGroups {
            client,
            org_id,
            query: ListQuery::default(),
            page: 1,
            stream: StreamOptions::default(),
            invalid: None,
        }
    }

    fn reject(mut self, error: Error) -> Self {
        if let Error::InvalidArgument { name, reason } = error {
            self.invalid.get_or_insert((name, reason));
        }
        self
    }

    /// The first argument error, if a builder method rejected its input.
    pub(crate) fn check(&self) -> Result<(), Error> {
        match &self.invalid {
            Some((name, reason)) => Err(Error::invalid(name, reason.clone())),
            None => Ok(()),
        }
    }

    /// Search text, matched against name and description.
    pub fn q(mut self, text: impl Into<String>) -> Self {
        self.query.q = Some(text.into());
        self
    }

    /// Sort field.
    pub fn sort_by(mut self, field: SortBy) -> Self {
        self.query.sort_by = Some(field);
        self
    }

    /// Related data to include: a comma-separated list of `assets`, `users`, `guests`.
    pub fn with(mut self, include: impl Into<String>) -> Self {
        let include = include.into();
        match types::ListGroupsWith::try_from(include.as_str()) {
            Ok(_) => {
                self.query.with = Some(include);
                self
            }
            Err(_) => self.reject(Error::invalid(
                "with",
                format!("{include:?} is not a comma-separated list of assets, users, guests"),
            )),
        }
    }

    /// Page size, 1 to 100. When unset, a single [`send`](ListGroups::send) gets the API's
    /// default (10) and the streams ask for [`DEFAULT_STREAM_PAGE_SIZE`] (100).
    pub fn page_size(mut self, size: u32) -> Self {
        match validate::per_page(size) {
            Ok(()) => {
                self.query.per_page = Some(size);
                self
            }
            Err(e) => self.reject(e),
        }
    }

    /// Same as [`ListGroups::page_size`], under the API's name.
    pub fn per_page(self, size: u32) -> Self {
        self.page_size(size)
    }

    /// The page to fetch (from 1); streams start here. Page numbers count pages of the
    /// page size in effect, which for streams is 100 unless set.
    pub fn page(mut self, page: u32) -> Self {
        match validate::page(page) {
            Ok(()) => {
                self.page = page;
                self
            }
            Err(e) => self.reject(e),
        }
    }

    /// Fetches one page.
    pub async fn send(self) -> Result<Page<Group>, Error> {
        self.check()?;
        fetch_page(&self.client, &self.org_id, &self.query, self.page).await
    }

    /// Makes [`items`](ListGroups::items) and [`pages`](ListGroups::pages) stop after `n`
    /// items. No page beyond the cap is requested: once the items received reach `n`
    /// (possibly in the middle of a page, which is then cut short), no further page is
    /// fetched. `max_items(0)` yields nothing and sends nothing.
    pub fn max_items(mut self, n: usize) -> Self {
        self.stream.max_items = Some(n);
        self
    }

    /// How many pages the streams may fetch at once (default 1: one after the other,
    /// each requested only when the previous one's items are used up).
    ///
    /// With `n > 1`, once the first page reports `total_pages`, the following pages are
    /// requested up to `n` at a time while earlier ones are handed out; items still come
    /// strictly in page order, each page once, and at most `n` pages are held beyond
    /// the one being consumed. Requests progress while the stream is polled. When the
    /// API does not send `total_pages`, the stream falls back to one page at a time
    /// (only the page just received can tell whether another follows). An error on any
    /// page is yielded in its place in the order and ends the stream; pages requested
    /// after it are dropped. `0` is rejected with [`Error::InvalidArgument`].
    ///
    /// # Consistency
    ///
    /// The API pages by page number, so a listing is not a snapshot: a group created
    /// or deleted while the listing runs shifts the groups behind it by one place, and
    /// a group can then cross a page boundary between two requests — and be returned
    /// twice (insertions before it) or not at all (deletions before it). This holds at
    /// any concurrency, but fetching pages at once spreads the requests for the later
    /// pages over the time the earlier ones are in flight, and may request a page
    /// before a change that affects an earlier one, so concurrency widens the window.
    /// Where it matters, deduplicate by `id`, list with `sort_by(SortBy::CreatedAt)`
    /// (new groups go last), or list again.
    pub fn concurrency(mut self, n: usize) -> Self {
        if n == 0 {
            return self.reject(Error::invalid("concurrency", "must be at least 1"));
        }
        self.stream.concurrency = n;
        self
    }

    /// All groups of the listing, page after page, as a stream, starting at
    /// [`page`](ListGroups::page) (default 1).
    ///
    /// Every query parameter (`q`, `sort_by`, `with`, `per_page`) is sent with every
    /// page. Without [`page_size`](ListGroups::page_size), pages of
    /// [`DEFAULT_STREAM_PAGE_SIZE`] (100, the API's maximum) are requested, for the
    /// fewest round trips. Lazy: nothing is sent before the stream is first polled.
    /// See [`max_items`](ListGroups::max_items) and
    /// [`concurrency`](ListGroups::concurrency).
    ///
    /// The listing ends when `current_page >= total_pages`; without `total_pages`,
    /// at a page without a `next` link; without either, at a page shorter than
    /// `per_page`. An empty page does not end it when more pages are announced.
    /// A server that cannot be trusted to end the listing stops the stream with
    /// [`Error::Paging`]: a `current_page` other than the one asked for (the same
    /// page again); `total_pages` above 100,000 or growing by more than 10 between two
    /// pages; more items than `total` plus one page; a page without `current_page`
    /// holding exactly the previous page's groups.
    ///
    /// ```no_run
    /// # async fn demo(client: tallyfy_groups::Client) -> Result<(), tallyfy_groups::Error> {
    /// use futures::TryStreamExt;
    ///
    /// let groups: Vec<_> = client.groups().list().q("sales").items().try_collect().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn items(self) -> GroupStream {
        GroupStream::new(self.pages())
    }

    /// The listing as a stream of pages, each with its items and pagination metadata;
    /// everything said of [`items`](ListGroups::items) applies.
    pub fn pages(mut self) -> PageStream {
        let invalid = self.check().err();
        self.query.per_page.get_or_insert(DEFAULT_STREAM_PAGE_SIZE);
        PageStream::new(
            self.client,
            self.org_id,
            self.query,
            self.page,
            self.stream,
            invalid,
        )
    }
}

/// Fetches page `page` of the listing described by `query`.
pub(crate) async fn fetch_page(
    client: &Client,
    org_id: &Arc<str>,
    query: &ListQuery,
    page: u32,
) -> Result<Page<Group>, Error> {
    validate::id("org_id", org_id)?;
    let mut request = client.raw().list_groups().org_id(&**org_id).page(page);
    if let Some(q) = &query.q {
        request = request.q(q.as_str());
    }
    if let Some(sort_by) = query.sort_by {
        request = request.sort_by(sort_by);
    }
    if let Some(with) = &query.with {
        request = request.with(with.as_str());
    }
    if let Some(per_page) = query.per_page {
        request = request.per_page(per_page);
    }
    let list = send(request.send())
        .await
        .map_err(|error| error.on_page(page))?;
    Ok(Page::new(
        list.data,
        list.meta.and_then(|m| m.pagination),
        page,
        client.clone(),
        org_id.clone(),
        query.clone(),
    ))
}
