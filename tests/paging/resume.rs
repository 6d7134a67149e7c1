//! Paging tests of continuing a listing from a page already fetched: `next_page`,
//! `Page::into_stream` and `Page::into_page_stream`.

use futures::TryStreamExt;
use httpmock::prelude::*;
use serde_json::json;

use crate::common::{client, groups_path, list_body};
use crate::support::*;

// Proves into_stream continues after a page fetched with send(): lazily, with the
// same q and per_page on every following page, without repeating the first page.
#[tokio::test]
async fn into_stream_continues_after_a_fetched_page() {
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
    let page = client(&server)
        .groups()
        .list()
        .q("ops")
        .per_page(2)
        .send()
        .await
        .unwrap();
    assert_eq!(ids_of(page.items()), [id(1), id(2)]);
    let stream = page.into_stream();
    mocks[1].assert_calls_async(0).await;
    let rest: Vec<_> = stream.try_collect().await.unwrap();
    assert_eq!(ids_of(&rest), (3..=6).map(id).collect::<Vec<_>>());
    for mock in &mocks {
        mock.assert_calls_async(1).await;
    }
}

// Proves a continuation of a page fetched without a page size keeps sending none
// (page numbers stay in pages of the API default), and that the last page's
// continuation is empty without a request.
#[tokio::test]
async fn into_stream_keeps_the_page_size_of_the_page() {
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
                .query_param_missing("per_page");
            let data: Vec<_> = groups(2, 10).into_iter().take(5).collect();
            then.status(200)
                .json_body(list_body(data, meta(15, 10, 2, Some(2))));
        })
        .await;
    let page = client(&server).groups().list().send().await.unwrap();
    let mut pages: Vec<_> = page.into_page_stream().try_collect().await.unwrap();
    assert_eq!(pages.len(), 1);
    let last = pages.pop().unwrap();
    assert_eq!(ids_of(last.items()), (11..=15).map(id).collect::<Vec<_>>());
    let after_last: Vec<_> = last.into_stream().try_collect().await.unwrap();
    assert!(after_last.is_empty());
    first.assert_calls_async(1).await;
    second.assert_calls_async(1).await;
}

// Proves a continuation takes concurrency and a cap: pages 2..=4 are fetched, page 4
// is cut to reach 5 items, and page 5 is never requested.
#[tokio::test]
async fn into_page_stream_with_concurrency_and_cap() {
    let server = MockServer::start_async().await;
    let mocks = serve_pages(&server, 2, 5, 5).await;
    let page = list(&server, 2).send().await.unwrap();
    let pages: Vec<_> = page
        .into_page_stream()
        .concurrency(2)
        .max_items(5)
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

// Proves next_page fetches the following page with the same query, and refuses a
// server that answers with the same page again.
#[tokio::test]
async fn next_page_follows_and_checks_the_page_number() {
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
    let second = first.next_page().await.unwrap().expect("a second page");
    assert_eq!(ids_of(second.items()), [id(3), id(4)]);
    let error = second.next_page().await.unwrap_err();
    assert_paging_error(
        &error,
        "asked for page 3, the server answered with page 2 again",
    );
    let _ = json!(null);
}
