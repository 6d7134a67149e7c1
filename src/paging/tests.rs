//! Unit tests of the page stream's end with concurrency, where the order in which
//! answers arrive matters: a fake [`PageRequest`] whose pages are released one by one
//! (through oneshot channels) and a stream polled by hand between releases, so the
//! arrival order is fixed by the test, not by timing.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use futures::Stream;
use serde_json::json;
use tokio::sync::oneshot;

use super::{Page, PageRequest, Pages, Paginator};
use crate::error::Error;
use crate::model::Pagination;

type Gates = Arc<Mutex<HashMap<u32, oneshot::Receiver<Page<String>>>>>;

/// A listing whose page `n` is answered when the test sends it on gate `n`; its
/// items are their own ids.
#[derive(Clone, Debug)]
pub(super) struct Gated {
    page: u32,
    gates: Gates,
}

impl PageRequest for Gated {
    type Item = String;

    fn page_number(&self) -> u32 {
        self.page
    }

    fn page_size(&self) -> Option<u32> {
        Some(2)
    }

    fn for_page(&self, n: u32) -> Self {
        Gated {
            page: n,
            gates: Arc::clone(&self.gates),
        }
    }

    fn with_page_size(&self, _size: u32) -> Self {
        self.clone()
    }

    fn fetch(self) -> impl Future<Output = Result<Page<String>, Error>> + Send + 'static {
        let gate = self.gates.lock().unwrap().remove(&self.page);
        async move {
            let gate =
                gate.ok_or_else(|| Error::Paging(format!("page {} asked twice", self.page)))?;
            gate.await
                .map_err(|_| Error::Paging(format!("page {} never answered", self.page)))
        }
    }

    fn item_id(item: &String) -> &str {
        item
    }
}

/// The gates of pages 1..=`pages`: the senders the test answers with, and the request.
fn gated(pages: u32) -> (HashMap<u32, oneshot::Sender<Page<String>>>, Gated) {
    let mut senders = HashMap::new();
    let mut receivers = HashMap::new();
    for n in 1..=pages {
        let (tx, rx) = oneshot::channel();
        senders.insert(n, tx);
        receivers.insert(n, rx);
    }
    let request = Gated {
        page: 1,
        gates: Arc::new(Mutex::new(receivers)),
    };
    (senders, request)
}

/// Page `n` of 2 items, saying the listing has `total` items in `total_pages` pages.
fn page(n: u32, total: u64, total_pages: u64) -> Page<String> {
    let pagination: Pagination = serde_json::from_value(json!({
        "total": total, "per_page": 2, "current_page": n, "total_pages": total_pages
    }))
    .unwrap();
    let items = vec![format!("g{}", 2 * n - 1), format!("g{}", 2 * n)];
    Page::new(items, Some(pagination), n, Some(2))
}

/// Polls once, with a waker that does nothing (the test polls again after each release).
fn poll(stream: &mut Pages<Gated>) -> Poll<Option<Result<Page<String>, Error>>> {
    let mut cx = Context::from_waker(Waker::noop());
    Pin::new(stream).poll_next(&mut cx)
}

/// The page number of a page the stream has yielded.
fn yielded(poll: Poll<Option<Result<Page<String>, Error>>>) -> u32 {
    match poll {
        Poll::Ready(Some(Ok(page))) => page.current_page(),
        other => panic!("expected a page, got {other:?}"),
    }
}

// Proves that with concurrency the end follows the freshest answer, not page order:
// page 3 is answered first, still counting 3 pages; page 2 is answered after the
// listing grew to 4 pages. Page 3's older count must not end the listing: page 4 is
// fetched and yielded. (Before, the stream stopped after page 3, silently short.)
#[test]
fn an_older_count_on_a_later_page_does_not_end_the_listing() {
    let (mut gates, request) = gated(4);
    let mut stream = Paginator::new(request).concurrency(4).pages();
    assert!(poll(&mut stream).is_pending());
    gates.remove(&1).unwrap().send(page(1, 6, 3)).unwrap();
    assert_eq!(yielded(poll(&mut stream)), 1);
    gates.remove(&3).unwrap().send(page(3, 6, 3)).unwrap();
    assert!(poll(&mut stream).is_pending(), "page 3 waits for page 2");
    gates.remove(&2).unwrap().send(page(2, 8, 4)).unwrap();
    assert_eq!(yielded(poll(&mut stream)), 2);
    assert_eq!(yielded(poll(&mut stream)), 3);
    assert!(poll(&mut stream).is_pending(), "page 4 is on its way");
    gates.remove(&4).unwrap().send(page(4, 8, 4)).unwrap();
    assert_eq!(yielded(poll(&mut stream)), 4);
    assert!(matches!(poll(&mut stream), Poll::Ready(None)));
    let summary = stream.summary();
    assert_eq!(
        (
            summary.pages_fetched,
            summary.items_yielded,
            summary.shortfall
        ),
        (4, 8, None)
    );
}

// Proves the other way round: page 2 announces 4 pages, then page 3, answered later,
// says the listing shrank to 3. The freshest count wins: the listing ends after page 3
// without waiting for page 4 (requested on page 2's word, never answered here).
#[test]
fn a_newer_smaller_count_ends_the_listing_without_waiting() {
    let (mut gates, request) = gated(4);
    let asked = Arc::clone(&request.gates);
    let mut stream = Paginator::new(request).concurrency(4).pages();
    assert!(poll(&mut stream).is_pending());
    gates.remove(&1).unwrap().send(page(1, 6, 3)).unwrap();
    assert_eq!(yielded(poll(&mut stream)), 1);
    gates.remove(&2).unwrap().send(page(2, 8, 4)).unwrap();
    assert_eq!(yielded(poll(&mut stream)), 2);
    gates.remove(&3).unwrap().send(page(3, 6, 3)).unwrap();
    assert_eq!(yielded(poll(&mut stream)), 3);
    assert!(matches!(poll(&mut stream), Poll::Ready(None)));
    // Page 4 was asked for (its gate was taken), its answer never came, and the
    // stream ended anyway.
    assert!(
        !asked.lock().unwrap().contains_key(&4),
        "page 4 was requested"
    );
    assert!(gates.contains_key(&4), "page 4 was never answered");
    assert_eq!(stream.summary().expected_total, Some(6));
}
