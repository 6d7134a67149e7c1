//! Paging tests of the guards (each ends the stream with `Error::Paging` instead of
//! looping), of errors yielded in page order, and of arguments rejected before any
//! request. Every stream is drained under a timeout, so a hang fails the test.

use std::time::Duration;

use futures::StreamExt;
use httpmock::prelude::*;
use serde_json::json;
use tallyfy_groups::{Error, Group, Items, ListGroups};

use crate::common::{groups_path, list_body};
use crate::support::*;

/// Everything the stream yields, errors included, until it ends (at most 10 s).
async fn drain(stream: Items<ListGroups>) -> (Vec<Group>, Vec<Error>) {
    let all: Vec<_> = tokio::time::timeout(Duration::from_secs(10), stream.collect::<Vec<_>>())
        .await
        .expect("the stream ends");
    let errors_at: Vec<_> = all.iter().positions_err();
    // Nothing follows an error: it is the last item, if any.
    assert!(
        errors_at.iter().all(|&i| i == all.len() - 1),
        "items after an error"
    );
    let (ok, err): (Vec<_>, Vec<_>) = all.into_iter().partition(Result::is_ok);
    (
        ok.into_iter().map(Result::unwrap).collect(),
        err.into_iter().map(|e| e.unwrap_err()).collect(),
    )
}

trait PositionsErr {
    fn positions_err(self) -> Vec<usize>;
}

impl<'a, I: Iterator<Item = &'a Result<Group, Error>>> PositionsErr for I {
    fn positions_err(self) -> Vec<usize> {
        self.enumerate()
            .filter(|(_, r)| r.is_err())
            .map(|(i, _)| i)
            .collect()
    }
}

// Proves a server answering page 2 with `current_page: 1` (the same page again) ends
// the stream with a paging error after page 1's items, and page 3 is never asked for.
#[tokio::test]
async fn repeated_page_is_a_paging_error() {
    let server = MockServer::start_async().await;
    mock_page(
        &server,
        1,
        2,
        list_body(groups(1, 2), meta(6, 2, 1, Some(3))),
    )
    .await;
    mock_page(
        &server,
        2,
        2,
        list_body(groups(1, 2), meta(6, 2, 1, Some(3))),
    )
    .await;
    let third = mock_page(
        &server,
        3,
        2,
        list_body(groups(3, 2), meta(6, 2, 3, Some(3))),
    )
    .await;
    let (items, errors) = drain(list(&server, 2).items()).await;
    assert_eq!(ids_of(&items), [id(1), id(2)]);
    assert_eq!(errors.len(), 1);
    assert_paging_error(
        &errors[0],
        "asked for page 2, the server answered with page 1 again",
    );
    third.assert_calls_async(0).await;
}

// Proves a page number other than the one requested ends the stream with a paging error.
#[tokio::test]
async fn other_page_number_is_a_paging_error() {
    let server = MockServer::start_async().await;
    mock_page(
        &server,
        1,
        2,
        list_body(groups(1, 2), meta(6, 2, 1, Some(3))),
    )
    .await;
    mock_page(
        &server,
        2,
        2,
        list_body(groups(5, 2), meta(6, 2, 5, Some(3))),
    )
    .await;
    let (items, errors) = drain(list(&server, 2).items()).await;
    assert_eq!(items.len(), 2);
    assert_paging_error(&errors[0], "answered with page 5");
}

// Proves total_pages growing by more than 10 between two pages ends the stream, and
// no page after the suspicious one is requested.
#[tokio::test]
async fn runaway_total_pages_is_a_paging_error() {
    let server = MockServer::start_async().await;
    mock_page(
        &server,
        1,
        2,
        list_body(groups(1, 2), meta(4, 2, 1, Some(2))),
    )
    .await;
    mock_page(
        &server,
        2,
        2,
        list_body(groups(2, 2), meta(100, 2, 2, Some(50))),
    )
    .await;
    let third = mock_page(
        &server,
        3,
        2,
        list_body(groups(3, 2), meta(100, 2, 3, Some(50))),
    )
    .await;
    let (items, errors) = drain(list(&server, 2).items()).await;
    assert_eq!(items.len(), 2);
    assert_paging_error(&errors[0], "total_pages grew from 2 to 50");
    third.assert_calls_async(0).await;
}

// Proves a total_pages above the hard cap of 100,000 pages is refused at once.
#[tokio::test]
async fn total_pages_beyond_the_hard_cap_is_a_paging_error() {
    let server = MockServer::start_async().await;
    let body = list_body(groups(1, 2), meta(200_002, 2, 1, Some(100_001)));
    mock_page(&server, 1, 2, body).await;
    let second = mock_page(&server, 2, 2, list_body(groups(2, 2), meta(4, 2, 2, None))).await;
    let (items, errors) = drain(list(&server, 2).items()).await;
    assert!(items.is_empty());
    assert_paging_error(&errors[0], "more than the limit of 100000");
    second.assert_calls_async(0).await;
}

// Proves a server that keeps sending `next` links past `total` items is stopped once
// the items exceed total + per_page (total 4, per_page 2: at the 8th item, page 4).
#[tokio::test]
async fn more_items_than_total_is_a_paging_error() {
    let server = MockServer::start_async().await;
    let mut mocks = Vec::new();
    for page in 1..=6u32 {
        let pagination = json!({"total": 4, "per_page": 2, "current_page": page,
            "links": {"next": format!("https://x/groups?page={}", page + 1)}});
        mocks.push(mock_page(&server, page, 2, list_body(groups(page, 2), pagination)).await);
    }
    let (items, errors) = drain(list(&server, 2).items()).await;
    assert_eq!(items.len(), 6);
    assert_paging_error(
        &errors[0],
        "received 8 items by page 4, but the server says there are 4",
    );
    for (n, mock) in mocks.iter().enumerate() {
        mock.assert_calls_async(usize::from(n < 4)).await;
    }
}

// Proves a server without meta that ignores `page` (the same full page every time)
// is caught at page 2 instead of being paged forever.
#[tokio::test]
async fn server_ignoring_page_is_a_paging_error() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.path(groups_path()).query_param("per_page", "2");
            then.status(200).json_body(json!({"data": groups(1, 2)}));
        })
        .await;
    let (items, errors) = drain(list(&server, 2).items()).await;
    assert_eq!(items.len(), 2);
    assert_paging_error(&errors[0], "ignore the page parameter");
    mock.assert_calls_async(2).await;
}

// Proves an error on page 3 comes after the items of pages 1 and 2, ends the stream,
// and page 4 is never requested.
#[tokio::test]
async fn error_page_is_yielded_in_order_and_ends_the_stream() {
    let server = MockServer::start_async().await;
    mock_page(
        &server,
        1,
        2,
        list_body(groups(1, 2), meta(8, 2, 1, Some(4))),
    )
    .await;
    mock_page(
        &server,
        2,
        2,
        list_body(groups(2, 2), meta(8, 2, 2, Some(4))),
    )
    .await;
    server
        .mock_async(|when, then| {
            when.path(groups_path()).query_param("page", "3");
            then.status(500)
                .json_body(json!({"error": true, "message": "boom"}));
        })
        .await;
    let fourth = mock_page(
        &server,
        4,
        2,
        list_body(groups(4, 2), meta(8, 2, 4, Some(4))),
    )
    .await;
    let (items, errors) = drain(list(&server, 2).items()).await;
    assert_eq!(ids_of(&items), (1..=4).map(id).collect::<Vec<_>>());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].status().map(|s| s.as_u16()), Some(500));
    fourth.assert_calls_async(0).await;
}

// Proves that with concurrency an error on page 3, answered before the slower pages 1
// and 2, is still yielded after their items, and nothing comes after it.
#[tokio::test]
async fn error_page_with_concurrency_keeps_page_order() {
    let server = MockServer::start_async().await;
    for page in [1u32, 2, 4, 5, 6] {
        let body = list_body(groups(page, 2), meta(12, 2, page, Some(6)));
        server
            .mock_async(|when, then| {
                when.path(groups_path())
                    .query_param("page", page.to_string());
                then.status(200)
                    .delay(Duration::from_millis(150))
                    .json_body(body);
            })
            .await;
    }
    server
        .mock_async(|when, then| {
            when.path(groups_path()).query_param("page", "3");
            then.status(404)
                .json_body(json!({"error": true, "message": "gone"}));
        })
        .await;
    let (items, errors) = drain(list(&server, 2).into_paginator().concurrency(3).items()).await;
    assert_eq!(ids_of(&items), (1..=4).map(id).collect::<Vec<_>>());
    assert_eq!(errors[0].status().map(|s| s.as_u16()), Some(404));
}

// Proves rejected arguments (concurrency 0, page size 0) are yielded as the only item,
// and no request is sent.
#[tokio::test]
async fn invalid_arguments_are_yielded_without_a_request() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.path(groups_path());
            then.status(200)
                .json_body(list_body(vec![], meta(0, 2, 1, Some(0))));
        })
        .await;
    let (items, errors) = drain(list(&server, 2).into_paginator().concurrency(0).items()).await;
    assert!(items.is_empty());
    assert!(matches!(
        errors[..],
        [Error::InvalidArgument {
            name: "concurrency",
            ..
        }]
    ));
    let (_, errors) = drain(list(&server, 2).page_size(0).items()).await;
    assert!(matches!(
        errors[..],
        [Error::InvalidArgument {
            name: "per_page",
            ..
        }]
    ));
    any.assert_calls_async(0).await;
}
