//! `Items`: a listing as a stream of items, handed out one by one from the pages of a
//! [`Pages`] stream, which it keeps moving while it hands them out.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::stream::{FusedStream, Stream, StreamExt};

use super::{ListingSummary, PageRequest, Pages};
use crate::error::Error;

/// A listing as a stream of items, from [`Paginator::items`](super::Paginator::items).
///
/// Lazy (nothing is sent before the first poll), `Send + Unpin + 'static`, and ends
/// after the first error it yields.
#[must_use = "a stream does nothing until it is polled"]
pub struct Items<R: PageRequest> {
    pages: Pages<R>,
    current: std::vec::IntoIter<R::Item>,
}

impl<R: PageRequest> Items<R> {
    pub(crate) fn new(pages: Pages<R>) -> Self {
        Items {
            pages,
            current: Vec::new().into_iter(),
        }
    }

    /// What the stream has done so far (see [`Pages::summary`]); `items_yielded`
    /// counts the items this stream has handed out. Final once the stream has ended.
    pub fn summary(&self) -> ListingSummary {
        let mut summary = self.pages.summary();
        summary.items_yielded -= self.current.len() as u64;
        summary
    }
}

impl<R: PageRequest> Stream for Items<R> {
    type Item = Result<R::Item, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(item) = this.current.next() {
                if this.pages.prefetches() {
                    // Keep the pages in flight moving while this one is handed out.
                    this.pages.drive(cx);
                }
                return Poll::Ready(Some(Ok(item)));
            }
            match futures::ready!(this.pages.poll_next_unpin(cx)) {
                Some(Ok(page)) => this.current = page.into_items().into_iter(),
                Some(Err(error)) => return Poll::Ready(Some(Err(error))),
                None => return Poll::Ready(None),
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let upper = self.pages.is_terminated().then_some(self.current.len());
        (self.current.len(), upper)
    }
}

impl<R: PageRequest> FusedStream for Items<R> {
    fn is_terminated(&self) -> bool {
        self.current.len() == 0 && self.pages.is_terminated()
    }
}

impl<R: PageRequest> fmt::Debug for Items<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items")
            .field("pages", &self.pages)
            .field("buffered", &self.current.len())
            .finish()
    }
}
