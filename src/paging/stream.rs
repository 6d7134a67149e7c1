//! `Pages`: a listing as a lazy stream of pages, and the state machine behind it (and
//! behind `Items`). Owns the order of requests (sequential, or up to `concurrency`
//! pages at once once `total_pages` is known), the item cap, and the end of the
//! listing (by the freshest `total_pages`, re-read on every page); each page passes the
//! `guard` checks and the `summary` tally (duplicates dropped), in page order, before
//! it is yielded, and a listing that ends short of its `total` ends in
//! [`Error::Incomplete`] unless the paginator allows it.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use futures::stream::{FusedStream, FuturesOrdered, Stream, StreamExt};

use super::guard::Guard;
use super::ids::PageIds;
use super::summary::{ListingSummary, Tally};
use super::{Page, PageRequest, StreamOptions};
use crate::error::Error;

/// A page request in flight; it resolves to the stamp of the moment its answer was
/// taken in (from the stream's clock) and the answer.
type Fetch<T> = BoxFuture<'static, (u64, Result<Page<T>, Error>)>;

/// What the stream knows from the last page it received (in page order).
#[derive(Clone, Copy, Debug)]
struct Last {
    total_pages: Option<u64>,
    has_next: bool,
}

/// The state machine behind both streams.
struct Engine<R: PageRequest> {
    request: R,
    options: StreamOptions,
    /// The page number the next request asks for.
    next_request: u32,
    /// The page size in effect, for estimating how many items requests will bring.
    per_page: u32,
    last: Option<Last>,
    in_flight: FuturesOrdered<Fetch<R::Item>>,
    /// Pages (or the final error) received in order and not yet yielded.
    ready: VecDeque<Result<Page<R::Item>, Error>>,
    guard: Guard,
    /// Duplicates dropped, the freshest `total`/`total_pages`, the counts of the summary.
    tally: Tally,
    /// Stamps answers in the order they are taken in (from 1; 0 is a continued page).
    clock: Arc<AtomicU64>,
    /// Items received in order, after the cap.
    items_taken: usize,
    /// No request will be made any more; what is in `ready` is still yielded.
    finished: bool,
}

impl<R: PageRequest> Engine<R> {
    fn new(request: R, options: StreamOptions, after: Option<Page<R::Item>>) -> Self {
        let first = request.page_number();
        let per_page = request
            .page_size()
            .unwrap_or(crate::generated::spec::PER_PAGE_DEFAULT);
        let mut engine = Engine {
            request,
            options,
            next_request: first,
            per_page,
            last: None,
            in_flight: FuturesOrdered::new(),
            ready: VecDeque::new(),
            guard: Guard::starting_at(first),
            tally: Tally::starting_at(first),
            clock: Arc::new(AtomicU64::new(1)),
            items_taken: 0,
            finished: false,
        };
        if options.max_items == Some(0) {
            engine.finish();
            return engine;
        }
        if let Some(page) = after {
            engine.per_page = page.per_page();
            let (tally, ids) = Tally::after::<R>(&page);
            engine.guard = Guard::after(&page, ids.numbers);
            engine.tally = tally;
            engine.next_request = page.current_page().saturating_add(1);
            let has_next = engine.tally.more_after(&page);
            engine.last = Some(Last {
                total_pages: engine.tally.last_page(),
                has_next,
            });
            if !has_next {
                engine.end();
            }
        }
        engine
    }

    /// Ends the listing at its own end (not at the cap, not after an error): a
    /// shortfall against the freshest `total` becomes the last item, unless allowed.
    fn end(&mut self) {
        self.finish();
        if let Some((expected, got)) = self.tally.shortfall()
            && !self.options.allow_incomplete
        {
            let pages = self.tally.summary().pages_fetched;
            self.ready.push_back(Err(Error::Incomplete {
                expected,
                got,
                pages,
            }));
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
        let number = self.next_request;
        let fetch = self.request.for_page(number).fetch();
        let clock = Arc::clone(&self.clock);
        self.in_flight.push_back(Box::pin(async move {
            let answer = fetch.await;
            (clock.fetch_add(1, Ordering::Relaxed), answer)
        }));
        self.next_request = number.saturating_add(1);
    }

    /// Takes the next page, in order: checks it, drops the duplicates, applies the
    /// cap, and decides the end by the freshest `total_pages` (with concurrency, a page
    /// answered earlier than the one before it may carry an older count).
    fn receive(&mut self, stamp: u64, result: Result<Page<R::Item>, Error>) {
        // Each item's id is read and copied once, for both the guard and the tally.
        let checked = result.and_then(|page| {
            let PageIds { numbers, fresh } = self.tally.number::<R>(&page);
            self.guard.check(&page, numbers).map(|()| (page, fresh))
        });
        let (mut page, fresh) = match checked {
            Ok(checked) => checked,
            Err(error) => return self.fail(error),
        };
        self.tally.accept(stamp, &mut page, &fresh);
        self.per_page = page.per_page();
        let has_next = self.tally.more_after(&page);
        let mut capped = false;
        if let Some(cap) = self.options.max_items {
            let room = cap.saturating_sub(self.items_taken);
            if room == 0 {
                return self.finish();
            }
            if page.items().len() >= room {
                page.truncate(room);
                capped = true;
                self.finish();
            }
        }
        self.items_taken += page.items().len();
        self.tally.yielded(page.items().len());
        self.last = Some(Last {
            total_pages: self.tally.last_page(),
            has_next,
        });
        self.ready.push_back(Ok(page));
        if !has_next && !capped {
            self.end();
        }
    }

    /// Sends what may be sent and moves finished requests, in page order, to `ready`.
    fn drive(&mut self, cx: &mut Context<'_>) {
        loop {
            while self.may_request() {
                self.request();
            }
            match self.in_flight.poll_next_unpin(cx) {
                Poll::Ready(Some((stamp, result))) => self.receive(stamp, result),
                Poll::Ready(None) | Poll::Pending => return,
            }
        }
    }

    fn poll_page(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Page<R::Item>, Error>>> {
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
            if !self.finished {
                self.end();
            }
            return Poll::Ready(self.ready.pop_front());
        }
        Poll::Pending
    }

    fn is_terminated(&self) -> bool {
        self.finished && self.ready.is_empty()
    }
}

/// A listing as a stream of [`Page`]s, from [`Paginator::pages`](super::Paginator::pages).
///
/// Lazy (nothing is sent before the first poll), `Send + Unpin + 'static`, and ends
/// after the first error it yields. With an item cap, the last page is cut to the cap.
#[must_use = "a stream does nothing until it is polled"]
pub struct Pages<R: PageRequest> {
    engine: Engine<R>,
}

impl<R: PageRequest> Pages<R> {
    pub(crate) fn new(
        request: R,
        options: StreamOptions,
        after: Option<Page<R::Item>>,
        invalid: Option<Error>,
    ) -> Self {
        let mut engine = Engine::new(request, options, after);
        if let Some(error) = invalid {
            engine.fail(error);
        }
        Pages { engine }
    }

    /// Whether pages are fetched ahead of the consumer (`concurrency > 1`).
    pub(crate) fn prefetches(&self) -> bool {
        self.engine.options.concurrency > 1
    }

    /// Moves the requests in flight along without taking a page.
    pub(crate) fn drive(&mut self, cx: &mut Context<'_>) {
        self.engine.drive(cx);
    }

    /// What the stream has done so far: pages fetched, items yielded (counting every
    /// page yielded so far), duplicates dropped, the expected total and, once the
    /// listing has ended by itself, its shortfall. Final once the stream has ended.
    pub fn summary(&self) -> ListingSummary {
        self.engine.tally.summary()
    }
}

impl<R: PageRequest> Stream for Pages<R> {
    type Item = Result<Page<R::Item>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.engine.poll_page(cx)
    }
}

impl<R: PageRequest> FusedStream for Pages<R> {
    fn is_terminated(&self) -> bool {
        self.engine.is_terminated()
    }
}

impl<R: PageRequest> fmt::Debug for Pages<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.engine;
        f.debug_struct("Pages")
            .field("request", &e.request)
            .field("options", &e.options)
            .field("next_request", &e.next_request)
            .field("in_flight", &e.in_flight.len())
            .field("ready", &e.ready.len())
            .field("items_taken", &e.items_taken)
            .field("summary", &e.tally.summary())
            .field("finished", &e.finished)
            .finish()
    }
}
