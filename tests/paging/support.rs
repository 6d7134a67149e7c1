//! Helpers for the paging tests: numbered groups, pagination meta, and mocks that
//! answer one page each (matching its `page` and `per_page`).

use httpmock::Mock;
use httpmock::prelude::*;
use serde_json::{Value, json};
use tallyfy_groups::{Group, ListGroups};

use crate::common::{client, groups_path, list_body};

/// The id of the `n`th group of a listing (from 1).
pub fn id(n: usize) -> String {
    format!("g{n:06}")
}

/// The groups of page `page` when every page holds `per_page`, numbered across pages.
pub fn groups(page: u32, per_page: usize) -> Vec<Value> {
    let first = (page as usize - 1) * per_page + 1;
    (first..first + per_page)
        .map(|n| json!({"id": id(n), "name": format!("Group {n}"), "members": [], "guests": []}))
        .collect()
}

/// `meta.pagination` with the given counts and no links.
pub fn meta(total: u64, per_page: u64, current_page: u32, total_pages: Option<u64>) -> Value {
    let mut pagination = json!({"total": total, "per_page": per_page,
        "current_page": current_page, "links": {"previous": null, "next": null}});
    if let Some(total_pages) = total_pages {
        pagination["total_pages"] = json!(total_pages);
    }
    pagination
}

/// A mock answering page `page` (asked for with `per_page`) with `body`.
pub async fn mock_page<'a>(
    server: &'a MockServer,
    page: u32,
    per_page: u32,
    body: Value,
) -> Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path(groups_path())
                .query_param("page", page.to_string())
                .query_param("per_page", per_page.to_string());
            then.status(200).json_body(body);
        })
        .await
}

/// Mocks for pages 1..=`served`, each full, all announcing `total_pages`.
pub async fn serve_pages(
    server: &MockServer,
    per_page: u32,
    served: u32,
    total_pages: u64,
) -> Vec<Mock<'_>> {
    let total = total_pages * u64::from(per_page);
    let mut mocks = Vec::new();
    for page in 1..=served {
        let body = list_body(
            groups(page, per_page as usize),
            meta(total, per_page.into(), page, Some(total_pages)),
        );
        mocks.push(mock_page(server, page, per_page, body).await);
    }
    mocks
}

/// A listing of the test organisation with `per_page` set.
pub fn list(server: &MockServer, per_page: u32) -> ListGroups {
    client(server).groups().list().page_size(per_page)
}

/// The ids of `groups`, in order.
pub fn ids_of(groups: &[Group]) -> Vec<String> {
    groups.iter().map(|g| g.id.clone()).collect()
}

/// Expects a paging error whose message contains `words`.
pub fn assert_paging_error(error: &tallyfy_groups::Error, words: &str) {
    match error {
        tallyfy_groups::Error::Paging(message) => {
            assert!(message.contains(words), "{message:?} lacks {words:?}")
        }
        other => panic!("expected Error::Paging, got {other:?}"),
    }
}
