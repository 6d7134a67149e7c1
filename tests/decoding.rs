//! Every tolerant-decoding variant in the reference decodes: member ids as strings,
//! `updated_at`, timestamp precisions, nullable logo, unknown fields, and each form of
//! `meta.pagination.links`.

mod common;

use chrono::{TimeZone, Utc};
use common::*;
use httpmock::prelude::*;
use serde_json::{Value, json};
use tallyfy_groups::{Group, Page};

async fn get_body(body: Value) -> Group {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(group_path());
            then.status(200).json_body(body);
        })
        .await;
    client(&server)
        .groups()
        .get(GROUP_ID)
        .send()
        .await
        .expect("decodes")
}

async fn list_with(pagination: Value) -> Page<Group> {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(groups_path());
            then.status(200)
                .json_body(list_body(vec![reference_group()], pagination));
        })
        .await;
    client(&server)
        .groups()
        .list()
        .send()
        .await
        .expect("decodes")
}

// Proves `updated_at` (Python SDK's name) is read, and last_changed() prefers whichever is present.
#[tokio::test]
async fn updated_at_instead_of_last_updated() {
    let mut group = reference_group();
    group.as_object_mut().unwrap().remove("last_updated");
    group["updated_at"] = json!("2023-06-20T10:00:00+00:00");
    let group = get_body(json!({ "data": group })).await;
    assert_eq!(group.last_updated, None);
    assert_eq!(
        group.last_changed(),
        Some(Utc.with_ymd_and_hms(2023, 6, 20, 10, 0, 0).unwrap())
    );
}

// Proves timestamps of every precision and offset decode to the same instant.
#[tokio::test]
async fn timestamps_of_any_precision() {
    for stamp in [
        "2023-01-15T09:00:00Z",
        "2023-01-15T09:00:00.000Z",
        "2023-01-15T09:00:00.000000Z",
        "2023-01-15T09:00:00+00:00",
    ] {
        let mut group = reference_group();
        group["created_at"] = json!(stamp);
        let group = get_body(json!({ "data": group })).await;
        assert_eq!(
            group.created_at.map(|t| t.get()),
            Some(Utc.with_ymd_and_hms(2023, 1, 15, 9, 0, 0).unwrap()),
            "{stamp}"
        );
    }
}

// Proves unknown fields, a non-null logo, mixed member id kinds and deleted_at decode.
#[tokio::test]
async fn unknown_fields_logo_and_mixed_member_ids() {
    let mut group = reference_group();
    group["logo"] = json!("https://example.com/logo.png");
    group["members"] = json!([1001, "1005"]);
    group["deleted_at"] = Value::Null;
    group["brand_new_field"] = json!({"nested": [1, 2, 3]});
    let group = get_body(json!({ "data": group, "also_new": true })).await;
    assert_eq!(group.logo.as_deref(), Some("https://example.com/logo.png"));
    assert_eq!(group.member_ids().unwrap(), vec![1001, 1005]);
}

// Proves a minimal group (only id and name) decodes with empty lists.
#[tokio::test]
async fn minimal_group() {
    let group = get_body(json!({ "data": {"id": "x", "name": "Only"} })).await;
    assert!(group.members.is_empty() && group.guests.is_empty() && group.description.is_none());
}

// Proves `links` as an object with a next URL drives has_next without total_pages.
#[tokio::test]
async fn links_object_with_next() {
    let page = list_with(
        json!({"total": 30, "count": 1, "per_page": 10, "current_page": 1,
        "links": {"next": "https://go.tallyfy.com/api/organizations/org123/groups?page=2"}}),
    )
    .await;
    assert_eq!(page.total_pages(), None);
    assert!(page.has_next());
}

// Proves `links` with null values, `[]`, null and missing all decode, and end the
// listing when total_pages says so.
#[tokio::test]
async fn links_in_every_form() {
    for links in [
        json!({"previous": null, "next": null}),
        json!([]),
        Value::Null,
    ] {
        let page = list_with(
            json!({"total": 1, "count": 1, "per_page": 10, "current_page": 1,
            "total_pages": 1, "links": links.clone()}),
        )
        .await;
        assert!(!page.has_next(), "{links}");
        assert_eq!(page.items().len(), 1);
    }
    let page = list_with(
        json!({"total": 1, "count": 1, "per_page": 10, "current_page": 1, "total_pages": 1}),
    )
    .await;
    assert!(!page.has_next());
}

// Proves `links: {next: null}` without total_pages ends the listing.
#[tokio::test]
async fn null_next_without_total_pages_ends() {
    let page =
        list_with(json!({"count": 1, "per_page": 1, "current_page": 1, "links": {"next": null}}))
            .await;
    assert!(!page.has_next());
}

// Proves a list with no meta at all decodes (and a short page ends the listing).
#[tokio::test]
async fn list_without_meta() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(groups_path());
            then.status(200)
                .json_body(json!({"data": [reference_group()]}));
        })
        .await;
    let page = client(&server).groups().list().send().await.unwrap();
    assert!(page.pagination().is_none());
    assert!(!page.has_next());
}
