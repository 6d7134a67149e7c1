//! Paging tests of continuing a listing from a page already fetched:
//! `Paginator::after` and `Page::next_page_number`.

use futures::TryStreamExt;
use httpmock::prelude::*;

use crate::common::{client, groups_path, list_body};
use crate::support::*;

// Proves a paginator continues after a page fetched with send(): lazily, with the
// same q and per_page on every following page, without repeating the first page.
#[tokio::test]
async fn after_continues_after_a_fetched_page() {
    let server = MockServer::start_async().await;
    let mut mocks = Vec::new();
    for page in 1..=3u32 {
        let body = list_body(groups(page, 2), meta(6, 2, page, Some(3)));
        let mock = server
            .mock_async(|when, then| {
                when.path(groups_path())
                    .query_param("page", page.to_string())
                    .query_param("per_page", "2")
                    .query_param("q", "ops");
                then.status(200).json_body(body);
            })
            .await;
        mocks.push(mock);
    }
    let request = client(&server).groups().list().q("ops").page_size(2);
    let page = request.clone().send().await.unwrap();
    assert_eq!(ids_of(page.items()), [id(1), id(2)]);
    let stream = request.into_paginator().after(&page).items();
    mocks[1].assert_calls_async(0).await;
    let rest: Vec<_> = stream.try_collect().await.unwrap();
    assert_eq!(ids_of(&rest), (3..=6).map(id).collect::<Vec<_>>());
    for mock in &mocks {
        mock.assert_calls_async(1).await;
    }
}

// Proves a continuation of a page fetched without a page size asks for the size that
// page had (the API's default, 10), not the paginator's default of 100, so page
// numbers keep their meaning; and that the last page's continuation is empty
// without a request.
#[tokio::test]
async fn after_keeps_the_page_size_of_the_page() {
    let server = MockServer::start_async().await;
    let first = server
        .mock_async(|when, then| {
            when.path(groups_path())
                .query_param("page", "1")
                .query_param_missing("per_page");
            then.status(200)
                .json_body(list_body(groups(1, 10), meta(15, 10, 1, Some(2))));
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.path(groups_path())
                .query_param("page", "2")
                .query_param("per_page", "10");
            let data: Vec<_> = groups(2, 10).into_iter().take(5).collect();
            then.status(200)
                .json_body(list_body(data, meta(15, 10, 2, Some(2))));
        })
        .await;
    let request = client(&server).groups().list();
    let page = request.clone().send().await.unwrap();
    let mut pages: Vec<_> = request
        .clone()
        .into_paginator()
        .after(&page)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 1);
    let last = pages.pop().unwrap();
    assert_eq!(ids_of(last.items()), (11..=15).map(id).collect::<Vec<_>>());
    assert_eq!(last.next_page_number(), None);
    let after_last: Vec<_> = request
        .into_paginator()
        .after(&last)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert!(after_last.is_empty());
    first.assert_calls_async(1).await;
    second.assert_calls_async(1).await;
}

// Proves a continuation takes concurrency and a cap: pages 2..=4 are fetched, page 4
// is cut to reach 5 items, and page 5 is never requested.
#[tokio::test]
async fn after_with_concurrency_and_cap() {
    let server = MockServer::start_async().await;
    let mocks = serve_pages(&server, 2, 5, 5).await;
    let page = list(&server, 2).send().await.unwrap();
    let pages: Vec<_> = list(&server, 2)
        .into_paginator()
        .after(&page)
        .concurrency(2)
        .max_items(5)
        .pages()
        .try_collect()
        .await
        .unwrap();
    let numbers: Vec<_> = pages.iter().map(|p| p.current_page()).collect();
    assert_eq!(numbers, [2, 3, 4]);
    let items: Vec<_> = pages.into_iter().flatten().collect();
    assert_eq!(ids_of(&items), (3..=7).map(id).collect::<Vec<_>>());
    for (n, mock) in mocks.iter().enumerate() {
        mock.assert_calls_async(usize::from(n < 4)).await;
    }
}

// Proves a continuation fetches the following page with the same query, and stops
// with a paging error at a server that answers with the same page again.
#[tokio::test]
async fn after_follows_and_checks_the_page_number() {
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
        list_body(groups(2, 2), meta(6, 2, 2, Some(3))),
    )
    .await;
    mock_page(
        &server,
        3,
        2,
        list_body(groups(2, 2), meta(6, 2, 2, Some(3))),
    )
    .await;
    let first = list(&server, 2).send().await.unwrap();
    assert_eq!(first.next_page_number(), Some(2));
    let mut pages = list(&server, 2).into_paginator().after(&first).pages();
    let second = pages.try_next().await.unwrap().expect("a second page");
    assert_eq!(ids_of(second.items()), [id(3), id(4)]);
    let error = pages.try_next().await.unwrap_err();
    assert_paging_error(
        &error,
        "asked for page 3, the server answered with page 2 again",
    );
}
