//! `PageStream`: a listing as a lazy stream of pages, and the state machine behind it
//! (and behind `GroupStream`). Owns the order of requests (sequential, or up to
//! `concurrency` pages at once once `total_pages` is known), the item cap, and the end
//! of the listing; each page passes the `guard` checks, in page order, before it is
//! yielded.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use futures::stream::{FusedStream, FuturesOrdered, Stream, StreamExt};

use super::Page;
use super::guard::Guard;
use crate::client::Client;
use crate::error::Error;
use crate::list::{ListQuery, fetch_page};
use crate::model::Group;

/// How a stream pages: the item cap and how many pages it may fetch at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct StreamOptions {
    pub(crate) max_items: Option<usize>,
    pub(crate) concurrency: usize,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions {
            max_items: None,
            concurrency: 1,
        }
    }
}

type Fetch = BoxFuture<'static, Result<Page<Group>, Error>>;

/// What the stream knows from the last page it received (in page order).
#[derive(Clone, Copy, Debug)]
struct Last {
    total_pages: Option<u64>,
    has_next: bool,
}

/// The state machine behind both streams.
struct Engine {
    client: Client,
    org_id: Arc<str>,
    query: ListQuery,
    options: StreamOptions,
    /// The page number the next request asks for.
    next_request: u32,
    /// The page size in effect, for estimating how many items requests will bring.
    per_page: u32,
    last: Option<Last>,
    in_flight: FuturesOrdered<Fetch>,
    /// Pages (or the final error) received in order and not yet yielded.
    ready: VecDeque<Result<Page<Group>, Error>>,
    guard: Guard,
    /// Items received in order, after the cap.
    items_taken: usize,
    /// No request will be made any more; what is in `ready` is still yielded.
    finished: bool,
}

impl Engine {
    fn new(client: Client, org_id: Arc<str>, query: ListQuery, first_page: u32) -> Self {
        Engine {
            per_page: query.per_page.unwrap_or(super::API_DEFAULT_PER_PAGE),
            client,
            org_id,
            query,
            options: StreamOptions::default(),
            next_request: first_page,
            last: None,
            in_flight: FuturesOrdered::new(),
            ready: VecDeque::new(),
            guard: Guard::default(),
            items_taken: 0,
            finished: false,
        }
    }

    fn set_options(&mut self, options: StreamOptions) {
        self.options = options;
        if options.concurrency == 0 {
            self.fail(Error::invalid("concurrency", "must be at least 1"));
        }
        if options.max_items.is_some_and(|cap| self.items_taken >= cap) {
            self.finish();
        }
    }

    /// Ends the stream after what is already received, with `error` as the last item.
    fn fail(&mut self, error: Error) {
        self.finish();
        self.ready.push_back(Err(error));
    }

    fn finish(&mut self) {
        self.finished = true;
        self.in_flight.clear();
    }

    /// Whether the next page may be requested now.
    fn may_request(&self) -> bool {
        if self.finished || self.in_flight.len() + self.ready.len() >= self.options.concurrency {
            return false;
        }
        if let Some(cap) = self.options.max_items {
            // Requests in flight are counted as full pages: no page is asked for
            // unless the items already on their way may fall short of the cap.
            let coming = self.in_flight.len() * self.per_page as usize;
            if self.items_taken + coming >= cap {
                return false;
            }
        }
        match self.last {
            // The first page: nothing is known yet, so one request only.
            None => self.in_flight.is_empty(),
            Some(Last {
                total_pages: Some(total),
                ..
            }) => u64::from(self.next_request) <= total,
            // Without total_pages only the page just received can say whether
            // another follows: one page at a time.
            Some(Last {
                total_pages: None,
                has_next,
            }) => has_next && self.in_flight.is_empty(),
        }
    }

    fn request(&mut self) {
        let (client, org_id, query) =
            (self.client.clone(), self.org_id.clone(), self.query.clone());
        let number = self.next_request;
        self.in_flight.push_back(Box::pin(async move {
            fetch_page(&client, &org_id, &query, number).await
        }));
        self.next_request = number.saturating_add(1);
    }

    /// Takes the next page, in order: checks it, applies the cap, and decides the end.
    fn receive(&mut self, result: Result<Page<Group>, Error>) {
        let mut page = match result.and_then(|page| self.guard.check(&page).map(|()| page)) {
            Ok(page) => page,
            Err(error) => return self.fail(error),
        };
        self.per_page = page.per_page();
        let has_next = page.has_next();
        if let Some(cap) = self.options.max_items {
            let room = cap.saturating_sub(self.items_taken);
            if room == 0 {
                return self.finish();
            }
            if page.items().len() >= room {
                page.truncate(room);
                self.finish();
            }
        }
        self.items_taken += page.items().len();
        if !has_next {
            self.finish();
        }
        self.last = Some(Last {
            total_pages: page.total_pages(),
            has_next,
        });
        self.ready.push_back(Ok(page));
    }

    /// Sends what may be sent and moves finished requests, in page order, to `ready`.
    fn drive(&mut self, cx: &mut Context<'_>) {
        loop {
            while self.may_request() {
                self.request();
            }
            match self.in_flight.poll_next_unpin(cx) {
                Poll::Ready(Some(result)) => self.receive(result),
                Poll::Ready(None) | Poll::Pending => return,
            }
        }
    }

    fn poll_page(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Page<Group>, Error>>> {
        self.drive(cx);
        if let Some(next) = self.ready.pop_front() {
            if self.options.concurrency > 1 {
                // Refill the window at once rather than at the next poll.
                self.drive(cx);
            }
            return Poll::Ready(Some(next));
        }
        if self.in_flight.is_empty() {
            // Nothing on its way and nothing may be asked for: the listing is over.
            self.finish();
            return Poll::Ready(None);
        }
        Poll::Pending
    }

    fn is_terminated(&self) -> bool {
        self.finished && self.ready.is_empty()
    }
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageStream")
            .field("org_id", &self.org_id)
            .field("query", &self.query)
            .field("options", &self.options)
            .field("next_request", &self.next_request)
            .field("in_flight", &self.in_flight.len())
            .field("ready", &self.ready.len())
            .field("items_taken", &self.items_taken)
            .field("finished", &self.finished)
            .finish()
    }
}

/// A listing as a stream of [`Page`]s, from
/// [`ListGroups::pages`](crate::ListGroups::pages) or [`Page::into_page_stream`].
///
/// Lazy (nothing is sent before the first poll), `Send + Unpin + 'static`, and ends
/// after the first error it yields. With an item cap, the last page is cut to the cap.
#[must_use = "a stream does nothing until it is polled"]
pub struct PageStream {
    engine: Engine,
}

impl PageStream {
    /// The listing of `query` from page `first_page`; `invalid` is yielded instead, if set.
    pub(crate) fn new(
        client: Client,
        org_id: Arc<str>,
        query: ListQuery,
        first_page: u32,
        options: StreamOptions,
        invalid: Option<Error>,
    ) -> Self {
        let mut engine = Engine::new(client, org_id, query, first_page);
        engine.guard = Guard::starting_at(first_page, engine.per_page);
        engine.set_options(options);
        if let Some(error) = invalid {
            engine.fail(error);
        }
        PageStream { engine }
    }

    /// The pages after `page`, with its query.
    pub(crate) fn after(page: Page<Group>) -> Self {
        let mut engine = Engine::new(
            page.client().clone(),
            page.org_id().clone(),
            page.query().clone(),
            page.next_page_number(),
        );
        engine.per_page = page.per_page();
        engine.guard = Guard::after(&page);
        engine.last = Some(Last {
            total_pages: page.total_pages(),
            has_next: page.has_next(),
        });
        if !page.has_next() {
            engine.finish();
        }
        PageStream { engine }
    }

    /// Stops after `n` items (the page reaching the cap is cut short); no page beyond
    /// the cap is requested. Meant to be called before the first poll.
    pub fn max_items(mut self, n: usize) -> Self {
        let options = StreamOptions {
            max_items: Some(n),
            ..self.engine.options
        };
        self.engine.set_options(options);
        self
    }

    /// Fetches up to `n` pages at once once `total_pages` is known; see
    /// [`ListGroups::concurrency`](crate::ListGroups::concurrency). `0` makes the stream
    /// yield [`Error::InvalidArgument`]. Meant to be called before the first poll.
    pub fn concurrency(mut self, n: usize) -> Self {
        let options = StreamOptions {
            concurrency: n,
            ..self.engine.options
        };
        self.engine.set_options(options);
        self
    }
}

impl PageStream {
    /// Whether pages are fetched ahead of the consumer (`concurrency > 1`).
    pub(crate) fn prefetches(&self) -> bool {
        self.engine.options.concurrency > 1
    }

    /// Moves the requests in flight along without taking a page.
    pub(crate) fn drive(&mut self, cx: &mut Context<'_>) {
        self.engine.drive(cx);
    }
}

impl Stream for PageStream {
    type Item = Result<Page<Group>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.engine.poll_page(cx)
    }
}

impl FusedStream for PageStream {
    fn is_terminated(&self) -> bool {
        self.engine.is_terminated()
    }
}

impl fmt::Debug for PageStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.engine.fmt(f)
    }
}
