//! Paging tests of complete listings over httpmock: the walk follows the server's
//! `total_pages` re-read on every page (a listing that grows, a server that caps
//! `per_page`), a listing that ends short of `total` ends in `Error::Incomplete`
//! unless `allow_incomplete` is set, and an item seen twice is yielded once and
//! counted in the summary.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use httpmock::Mock;
use httpmock::prelude::*;
use serde_json::{Value, json};
use tallyfy_groups::{Error, Group, Items, ListGroups};

use crate::common::{client, list_body};
use crate::support::*;

/// The groups numbered `numbers`, in that order.
fn numbered(numbers: impl IntoIterator<Item = usize>) -> Vec<Value> {
    numbers
        .into_iter()
        .map(|n| json!({"id": id(n), "name": format!("Group {n}"), "members": [], "guests": []}))
        .collect()
}

/// Mocks answering page `n` of `per_page` with `body(n)`, for pages `1..=pages`.
async fn serve<'a>(
    server: &'a MockServer,
    per_page: u32,
    pages: u32,
    body: impl Fn(u32) -> Value,
) -> Vec<Mock<'a>> {
    let mut mocks = Vec::new();
    for n in 1..=pages {
        mocks.push(mock_page(server, n, per_page, body(n)).await);
    }
    mocks
}

/// Everything the stream yields until it ends (at most 10 s): the groups, and the
/// error it ended with, if any (which must be its last item).
async fn drain(stream: &mut Items<ListGroups>) -> (Vec<Group>, Option<Error>) {
    let all: Vec<_> = tokio::time::timeout(Duration::from_secs(10), stream.collect::<Vec<_>>())
        .await
        .expect("the stream ends");
    let mut groups = Vec::new();
    let mut error = None;
    for item in all {
        assert!(error.is_none(), "an item came after the error");
        match item {
            Ok(group) => groups.push(group),
            Err(e) => error = Some(e),
        }
    }
    (groups, error)
}

// Proves a listing that grows while it is walked is followed to its end, every group
// once, one page at a time and with concurrency(4): page 1 counts 6 groups in 3 pages,
// the later pages (answered after two groups were created) 8 in 4. Page 4 is not
// announced by the first page; it is fetched because page 2 and 3 announce it.
#[tokio::test]
async fn a_listing_that_grows_is_followed_to_its_end() {
    for concurrency in [1, 4] {
        let server = MockServer::start_async().await;
        let mocks = serve(&server, 2, 4, |n| {
            let (total, total_pages) = if n == 1 { (6, 3) } else { (8, 4) };
            list_body(groups(n, 2), meta(total, 2, n, Some(total_pages)))
        })
        .await;
        let mut stream = list(&server, 2)
            .into_paginator()
            .concurrency(concurrency)
            .items();
        let (items, error) = drain(&mut stream).await;
        assert!(error.is_none(), "concurrency {concurrency}: {error:?}");
        assert_eq!(ids_of(&items), (1..=8).map(id).collect::<Vec<_>>());
        for mock in &mocks {
            mock.assert_calls_async(1).await;
        }
        let summary = stream.summary();
        assert_eq!(summary.pages_fetched, 4);
        assert_eq!(summary.items_yielded, 8);
        assert_eq!(summary.expected_total, Some(8));
        assert_eq!(summary.shortfall, None);
    }
}

// Proves a server that applies 10 per page when 100 were asked (the stream's default),
// and says so with `per_page: 10` and `total_pages: 4`, is walked to the end: all 35
// groups, sequentially and with concurrency(4).
#[tokio::test]
async fn a_server_capping_per_page_is_walked_to_the_end() {
    for concurrency in [1, 4] {
        let server = MockServer::start_async().await;
        let mocks = serve(&server, 100, 4, |n| {
            let data: Vec<_> = groups(n, 10)
                .into_iter()
                .take(if n == 4 { 5 } else { 10 })
                .collect();
            list_body(data, meta(35, 10, n, Some(4)))
        })
        .await;
        let items: Vec<_> = client(&server)
            .groups()
            .list()
            .into_paginator()
            .concurrency(concurrency)
            .items()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(ids_of(&items), (1..=35).map(id).collect::<Vec<_>>());
        for mock in &mocks {
            mock.assert_calls_async(1).await;
        }
    }
}

// Proves a stream started at page 3 of a server that caps per_page (asked 100, gets
// 10) counts the two pages before as 20 groups, not 200: it is neither refused as
// "more items than total" nor reported short.
#[tokio::test]
async fn a_capped_listing_started_at_a_later_page_counts_the_applied_page_size() {
    let server = MockServer::start_async().await;
    serve(&server, 100, 4, |n| {
        let data: Vec<_> = groups(n, 10)
            .into_iter()
            .take(if n == 4 { 5 } else { 10 })
            .collect();
        list_body(data, meta(35, 10, n, Some(4)))
    })
    .await;
    let mut stream = client(&server).groups().list().page(3).items();
    let (items, error) = drain(&mut stream).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(ids_of(&items), (21..=35).map(id).collect::<Vec<_>>());
    let summary = stream.summary();
    assert_eq!((summary.items_before, summary.items_got()), (20, 35));
}

// Proves a listing that ends with fewer groups than its last `total` ends in
// Error::Incomplete after every group that did arrive, sequentially and with
// concurrency(4). The total drops from 12 to 10 on the later pages (groups deleted
// while it ran); 9 arrive, so the error names the last total, 10, not the first.
#[tokio::test]
async fn a_short_listing_ends_in_the_typed_error() {
    for concurrency in [1, 4] {
        let server = MockServer::start_async().await;
        serve(&server, 4, 3, |n| {
            let total = if n == 1 { 12 } else { 10 };
            let data = if n == 3 { numbered([9]) } else { groups(n, 4) };
            list_body(data, meta(total, 4, n, Some(3)))
        })
        .await;
        let mut stream = list(&server, 4)
            .into_paginator()
            .concurrency(concurrency)
            .items();
        let (items, error) = drain(&mut stream).await;
        assert_eq!(ids_of(&items), (1..=9).map(id).collect::<Vec<_>>());
        match error {
            Some(Error::Incomplete {
                expected,
                got,
                pages,
                ..
            }) => assert_eq!((expected, got, pages), (10, 9, 3)),
            other => panic!("expected Error::Incomplete, got {other:?}"),
        }
        assert_eq!(stream.summary().shortfall, Some(1));
    }
}

// Proves the typed error's message says what was expected and got, and how to go on.
#[tokio::test]
async fn the_incomplete_error_says_expected_and_got() {
    let server = MockServer::start_async().await;
    mock_page(
        &server,
        1,
        4,
        list_body(groups(1, 3), meta(4, 4, 1, Some(1))),
    )
    .await;
    let error = list(&server, 4)
        .items()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "incomplete listing: got 3 of the 4 items the server last counted \
         (pages fetched: 1); list again, or allow an incomplete listing"
    );
}

/// The server of a group created at the front of the listing after page 1 was read:
/// page 1 holds groups 1-2 of 6; then every group shifts one place back, so page 2
/// repeats group 2, the total is 7 in 4 pages, and the new group (on page 1) is missed.
async fn serve_insert_at_front(server: &MockServer) -> Vec<Mock<'_>> {
    let mut mocks = vec![
        mock_page(
            server,
            1,
            2,
            list_body(groups(1, 2), meta(6, 2, 1, Some(3))),
        )
        .await,
    ];
    for (n, data) in [
        (2, numbered([2, 3])),
        (3, numbered([4, 5])),
        (4, numbered([6])),
    ] {
        mocks.push(mock_page(server, n, 2, list_body(data, meta(7, 2, n, Some(4)))).await);
    }
    mocks
}

// Proves the opt-in: with allow_incomplete() the same short listing (a group created
// at the front while it ran) yields every group it saw, once, ends without an error,
// and the summary reports the duplicate dropped and the shortfall against total 7.
// Without the opt-in the same listing ends in Error::Incomplete { 7, 6 }.
#[tokio::test]
async fn allow_incomplete_yields_all_and_reports_the_shortfall() {
    let server = MockServer::start_async().await;
    let mocks = serve_insert_at_front(&server).await;
    let mut stream = list(&server, 2).into_paginator().allow_incomplete().items();
    let (items, error) = drain(&mut stream).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(ids_of(&items), (1..=6).map(id).collect::<Vec<_>>());
    let summary = stream.summary();
    assert_eq!(summary.duplicates_dropped, 1);
    assert_eq!(summary.items_yielded, 6);
    assert_eq!(summary.expected_total, Some(7));
    assert_eq!(summary.shortfall, Some(1));
    for mock in &mocks {
        mock.assert_calls_async(1).await;
    }

    let mut strict = list(&server, 2).items();
    let (items, error) = drain(&mut strict).await;
    assert_eq!(items.len(), 6);
    assert!(
        matches!(
            error,
            Some(Error::Incomplete {
                expected: 7,
                got: 6,
                ..
            })
        ),
        "{error:?}"
    );
}

// Proves a group seen on two pages (it moved back while the listing ran) is yielded
// once, by the item stream and by the page stream (whose page 2 then holds only group
// 3), and counted in both summaries; with the total matching, no error follows.
#[tokio::test]
async fn a_duplicate_across_pages_is_yielded_once_and_counted() {
    let server = MockServer::start_async().await;
    for (n, data) in [
        (1, numbered([1, 2])),
        (2, numbered([2, 3])),
        (3, numbered([4, 5])),
    ] {
        mock_page(&server, n, 2, list_body(data, meta(5, 2, n, Some(3)))).await;
    }
    let mut items = list(&server, 2).into_paginator().concurrency(4).items();
    let (groups, error) = drain(&mut items).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(ids_of(&groups), (1..=5).map(id).collect::<Vec<_>>());
    assert_eq!(items.summary().duplicates_dropped, 1);

    let mut pages = list(&server, 2).pages();
    let mut sizes = Vec::new();
    while let Some(page) = pages.try_next().await.unwrap() {
        sizes.push(page.items().len());
    }
    assert_eq!(sizes, [2, 1, 2]);
    let summary = pages.summary();
    assert_eq!((summary.duplicates_dropped, summary.items_yielded), (1, 5));
}

// Proves Items::summary counts only what the item stream has handed out: after the
// first group of a 2-group page, 1 item yielded, though the whole page has arrived.
#[tokio::test]
async fn items_summary_counts_items_handed_out() {
    let server = MockServer::start_async().await;
    mock_page(
        &server,
        1,
        2,
        list_body(groups(1, 2), meta(2, 2, 1, Some(1))),
    )
    .await;
    let mut stream = list(&server, 2).items();
    stream.try_next().await.unwrap().unwrap();
    let summary = stream.summary();
    assert_eq!((summary.pages_fetched, summary.items_yielded), (1, 1));
}
