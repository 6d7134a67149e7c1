//! `GroupStream`: a listing as a stream of groups, handed out one by one from the
//! pages of a [`PageStream`], which it keeps moving while it hands them out.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::stream::{FusedStream, Stream, StreamExt};

use super::PageStream;
use crate::error::Error;
use crate::model::Group;

/// A listing as a stream of [`Group`]s, from
/// [`ListGroups::items`](crate::ListGroups::items) or [`Page::into_stream`](super::Page::into_stream).
///
/// Lazy (nothing is sent before the first poll), `Send + Unpin + 'static`, and ends
/// after the first error it yields.
#[must_use = "a stream does nothing until it is polled"]
pub struct GroupStream {
    pages: PageStream,
    current: std::vec::IntoIter<Group>,
}

impl GroupStream {
    pub(crate) fn new(pages: PageStream) -> Self {
        GroupStream {
            pages,
            current: Vec::new().into_iter(),
        }
    }

    /// Stops after `n` items; see [`PageStream::max_items`].
    pub fn max_items(self, n: usize) -> Self {
        GroupStream {
            pages: self.pages.max_items(n),
            ..self
        }
    }

    /// Fetches up to `n` pages at once; see [`PageStream::concurrency`].
    pub fn concurrency(self, n: usize) -> Self {
        GroupStream {
            pages: self.pages.concurrency(n),
            ..self
        }
    }
}

impl Stream for GroupStream {
    type Item = Result<Group, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(group) = this.current.next() {
                if this.pages.prefetches() {
                    // Keep the pages in flight moving while this one is handed out.
                    this.pages.drive(cx);
                }
                return Poll::Ready(Some(Ok(group)));
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

impl FusedStream for GroupStream {
    fn is_terminated(&self) -> bool {
        self.current.len() == 0 && self.pages.is_terminated()
    }
}

impl fmt::Debug for GroupStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupStream")
            .field("pages", &self.pages)
            .field("buffered", &self.current.len())
            .finish()
    }
}
