//! The paging streams over httpmock: laziness, the parameters sent with every page,
//! the default stream page size, the item cap, concurrency in order, every way a
//! listing ends, complete listings (growth, capped page sizes, shortfalls, duplicates),
//! the guards against servers that would make it loop, errors in order, and
//! continuing from a page already fetched.

mod common;
#[path = "paging/complete.rs"]
mod complete;
#[path = "paging/guards.rs"]
mod guards;
#[path = "paging/resume.rs"]
mod resume;
#[path = "paging/support.rs"]
mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use futures::TryStreamExt;
use httpmock::prelude::*;
use serde_json::json;
use support::*;
use tallyfy_groups::{Items, ListGroups, Pages, SortBy};

// Proves the stream types can be moved into spawned tasks and used without pinning.
#[test]
fn streams_are_send_unpin_static() {
    fn check<T: Send + Unpin + 'static>() {}
    check::<Items<ListGroups>>();
    check::<Pages<ListGroups>>();
}

// Proves laziness (zero calls before the first poll) and that q, sort_by, sort, with
// and per_page are sent with every page: each page's mock requires all of them.
#[tokio::test]
async fn lazy_and_every_parameter_on_every_page() {
    let server = MockServer::start_async().await;
    let mut mocks = Vec::new();
    for page in 1..=3 {
        let body = list_body(groups(page, 2), meta(6, 2, page, Some(3)));
        let mock = server
            .mock_async(|when, then| {
                when.method(GET)
                    .path(groups_path())
                    .query_param("page", page.to_string())
                    .query_param("q", "sales")
                    .query_param("sort_by", "name")
                    .query_param("sort", "desc")
                    .query_param("with", "users")
                    .query_param("per_page", "2");
                then.status(200).json_body(body);
            })
            .await;
        mocks.push(mock);
    }
    let mut stream = client(&server)
        .groups()
        .list()
        .q("sales")
        .sort_by(SortBy::Name)
        .sort("desc")
        .with_users()
        .page_size(2)
        .items();
    tokio::time::sleep(Duration::from_millis(50)).await;
    for mock in &mocks {
        mock.assert_calls_async(0).await;
    }
    let first = stream.try_next().await.unwrap().unwrap();
    assert_eq!(first.id, id(1));
    let rest: Vec<_> = stream.try_collect().await.unwrap();
    assert_eq!(ids_of(&rest), (2..=6).map(id).collect::<Vec<_>>());
    for mock in &mocks {
        mock.assert_calls_async(1).await;
    }
}

// Proves streams ask for 100 per page when no page size is set, while a single
// send() sends no per_page (the API's default of 10 applies).
#[tokio::test]
async fn streams_default_to_100_per_page_send_keeps_api_default() {
    let server = MockServer::start_async().await;
    let stream_mock = server
        .mock_async(|when, then| {
            when.path(groups_path())
                .query_param("page", "1")
                .query_param("per_page", "100");
            then.status(200)
                .json_body(list_body(groups(1, 3), meta(3, 100, 1, Some(1))));
        })
        .await;
    let send_mock = server
        .mock_async(|when, then| {
            when.path(groups_path())
                .query_param("page", "1")
                .query_param_missing("per_page");
            then.status(200)
                .json_body(list_body(groups(1, 3), meta(3, 10, 1, Some(1))));
        })
        .await;
    let items: Vec<_> = client(&server)
        .groups()
        .list()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 3);
    client(&server).groups().list().send().await.unwrap();
    stream_mock.assert_calls_async(1).await;
    send_mock.assert_calls_async(1).await;
}

// Proves max_items stops mid-page without fetching the next page, stops on a page
// boundary without fetching the next page, and max_items(0) sends nothing.
#[tokio::test]
async fn max_items_requests_nothing_beyond_the_cap() {
    for (cap, pages_fetched) in [(15, 2), (10, 1), (0, 0)] {
        let server = MockServer::start_async().await;
        let mocks = serve_pages(&server, 10, 3, 3).await;
        let items: Vec<_> = client(&server)
            .groups()
            .list()
            .page_size(10)
            .into_paginator()
            .max_items(cap)
            .items()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(ids_of(&items), (1..=cap).map(id).collect::<Vec<_>>());
        for (n, mock) in mocks.iter().enumerate() {
            let expected = usize::from(n < pages_fetched);
            mock.assert_calls_async(expected).await;
        }
    }
}

// Proves pages() honours the cap too: the page reaching it is cut short and no
// further page is requested, even with concurrency.
#[tokio::test]
async fn max_items_cuts_the_last_page() {
    let server = MockServer::start_async().await;
    let mocks = serve_pages(&server, 10, 5, 5).await;
    let pages: Vec<_> = client(&server)
        .groups()
        .list()
        .page_size(10)
        .into_paginator()
        .max_items(25)
        .concurrency(4)
        .pages()
        .try_collect()
        .await
        .unwrap();
    let sizes: Vec<_> = pages.iter().map(|p| p.items().len()).collect();
    assert_eq!(sizes, [10, 10, 5]);
    assert_eq!(pages[2].total_pages(), Some(5));
    for (n, mock) in mocks.iter().enumerate() {
        mock.assert_calls_async(usize::from(n < 3)).await;
    }
}

// Proves concurrency(4) over 10 pages yields exactly the items of pages 1..=10 in
// order, each page requested once, although later pages answer sooner; and that the
// pages really overlap: one after the other they would take at least 1.65 s.
#[tokio::test]
async fn concurrency_yields_pages_in_order() {
    let server = MockServer::start_async().await;
    let arrivals = Arc::new(Mutex::new(Vec::<(u32, Instant)>::new()));
    let mut mocks = Vec::new();
    for page in 1..=10u32 {
        let body = list_body(groups(page, 5), meta(50, 5, page, Some(10)));
        // Later pages are faster, so responses arrive out of order; page 2 is slow.
        let delay = if page == 2 {
            PAGE_TWO_DELAY
        } else {
            Duration::from_millis(u64::from(11 - page) * 30)
        };
        let seen = arrivals.clone();
        let mock = server
            .mock_async(|when, then| {
                when.path(groups_path())
                    .query_param("page", page.to_string())
                    .query_param("per_page", "5")
                    .query_param("q", "x")
                    .is_true(move |_| {
                        seen.lock().unwrap().push((page, Instant::now()));
                        true
                    });
                then.status(200).delay(delay).json_body(body);
            })
            .await;
        mocks.push(mock);
    }
    let items: Vec<_> = client(&server)
        .groups()
        .list()
        .q("x")
        .page_size(5)
        .into_paginator()
        .concurrency(4)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids_of(&items), (1..=50).map(id).collect::<Vec<_>>());
    for mock in &mocks {
        mock.assert_calls_async(1).await;
    }
    // One page at a time, page 3 could only be asked for after page 2's answer, which
    // the server holds back for PAGE_TWO_DELAY. Pages 3 to 5 arriving before then
    // proves they were in flight together with page 2.
    let arrivals = arrivals.lock().unwrap().clone();
    let at = |page: u32| {
        arrivals
            .iter()
            .find(|(p, _)| *p == page)
            .map(|(_, t)| *t)
            .unwrap()
    };
    for page in 3..=5 {
        assert!(
            at(page) < at(2) + PAGE_TWO_DELAY,
            "page {page} was requested only after page 2 was answered"
        );
    }
}

/// How long the server holds back page 2 in the concurrency test.
const PAGE_TWO_DELAY: Duration = Duration::from_secs(2);

// Proves that without total_pages, concurrency falls back to one page at a time:
// the listing ends at the page without a `next` link and nothing past it is asked for.
#[tokio::test]
async fn concurrency_without_total_pages_is_sequential() {
    let server = MockServer::start_async().await;
    let mut mocks = Vec::new();
    for page in 1..=4u32 {
        let next = (page < 3).then(|| format!("https://x/groups?page={}", page + 1));
        let pagination = json!({"per_page": 2, "current_page": page,
            "links": {"previous": null, "next": next}});
        let mock = mock_page(&server, page, 2, list_body(groups(page, 2), pagination)).await;
        mocks.push(mock);
    }
    let items: Vec<_> = client(&server)
        .groups()
        .list()
        .page_size(2)
        .into_paginator()
        .concurrency(4)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids_of(&items), (1..=6).map(id).collect::<Vec<_>>());
    for (n, mock) in mocks.iter().enumerate() {
        mock.assert_calls_async(usize::from(n < 3)).await;
    }
}

// Proves the listing ends at `current_page >= total_pages`: page 4 exists on the
// server but is never requested.
#[tokio::test]
async fn ends_at_total_pages() {
    let server = MockServer::start_async().await;
    // Four pages are served, but total_pages says 3.
    let mocks = serve_pages(&server, 3, 4, 3).await;
    let beyond = &mocks[3];
    let pages: Vec<_> = client(&server)
        .groups()
        .list()
        .page_size(3)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 3);
    beyond.assert_calls_async(0).await;
}

// Proves that without any meta the listing ends at a short page, and after a full
// last page at the empty page that follows.
#[tokio::test]
async fn ends_on_short_or_empty_page_without_meta() {
    for (sizes, expected) in [(vec![3, 3, 1], 7), (vec![3, 3, 0], 6)] {
        let server = MockServer::start_async().await;
        let mut mocks = Vec::new();
        for (n, size) in sizes.iter().enumerate() {
            let page = n as u32 + 1;
            let data: Vec<_> = groups(page, 3).into_iter().take(*size).collect();
            let body = json!({ "data": data });
            mocks.push(mock_page(&server, page, 3, body).await);
        }
        let after = mock_page(&server, 4, 3, json!({"data": groups(4, 3)})).await;
        let items: Vec<_> = client(&server)
            .groups()
            .list()
            .page_size(3)
            .items()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(items.len(), expected);
        for mock in &mocks {
            mock.assert_calls_async(1).await;
        }
        after.assert_calls_async(0).await;
    }
}

// Proves an empty page in the middle does not end the listing when total_pages says
// more follow.
#[tokio::test]
async fn empty_middle_page_does_not_end_the_listing() {
    let server = MockServer::start_async().await;
    mock_page(
        &server,
        1,
        2,
        list_body(groups(1, 2), meta(4, 2, 1, Some(3))),
    )
    .await;
    mock_page(&server, 2, 2, list_body(vec![], meta(4, 2, 2, Some(3)))).await;
    mock_page(
        &server,
        3,
        2,
        list_body(groups(3, 2), meta(4, 2, 3, Some(3))),
    )
    .await;
    let items: Vec<_> = list(&server, 2).items().try_collect().await.unwrap();
    assert_eq!(ids_of(&items), [id(1), id(2), id(5), id(6)]);
}

// Proves a stream starts at the page set with page(): pages 1 and 2 are never asked for.
#[tokio::test]
async fn stream_starts_at_the_given_page() {
    let server = MockServer::start_async().await;
    let mocks = serve_pages(&server, 2, 4, 4).await;
    let items: Vec<_> = list(&server, 2)
        .page(3)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids_of(&items), (5..=8).map(id).collect::<Vec<_>>());
    for (n, mock) in mocks.iter().enumerate() {
        mock.assert_calls_async(usize::from(n >= 2)).await;
    }
}
