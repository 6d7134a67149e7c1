//! Every tolerant-decoding variant in the reference decodes: member ids as strings,
//! `updated_at`, timestamp precisions, nullable logo, unknown fields, and each form of
//! `meta.pagination.links`. Keys the spec does not name are kept, at every level of a
//! response, and written back out when a group is serialised (never sent in a write);
//! tests/unknown_keys.rs has more of those.

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

// Proves a group's unknown keys (issue #19: `is_system` on the live server, and a
// nested value) are kept in `Group::extra` exactly as sent, and serialising the group
// writes them back out beside the declared fields.
#[tokio::test]
async fn a_groups_unknown_keys_are_kept_and_written_back() {
    let mut sent = reference_group();
    sent["is_system"] = json!(true);
    sent["nested_new"] = json!({"a": [1, {"b": null}], "c": ""});
    let group = get_body(json!({ "data": sent })).await;
    assert_eq!(group.extra.get("is_system"), Some(&json!(true)));
    assert_eq!(
        group.extra.get("nested_new"),
        Some(&json!({"a": [1, {"b": null}], "c": ""}))
    );
    assert_eq!(group.extra.len(), 2, "declared fields are not in extra");
    let written = serde_json::to_value(&group).unwrap();
    assert_eq!(written["is_system"], json!(true));
    assert_eq!(written["nested_new"], sent["nested_new"]);
    assert_eq!(written["name"], sent["name"]);
}

// Proves the list envelope keeps its unknown keys at each level: the top level
// (`Page::extra`), `meta` (`Page::meta_extra`), `meta.pagination` (its `extra`) and
// each group's; and that a page without any has empty maps, not missing ones.
#[tokio::test]
async fn a_lists_unknown_keys_are_kept_at_every_level() {
    let server = MockServer::start_async().await;
    let mut group = reference_group();
    group["is_system"] = json!(false);
    server
        .mock_async(|when, then| {
            when.method(GET).path(groups_path());
            then.status(200).json_body(json!({
                "data": [group],
                "included": {"users": []},
                "meta": {
                    "pagination": {"total": 1, "count": 1, "per_page": 10,
                        "current_page": 1, "total_pages": 1, "cursor": null},
                    "took_ms": 3
                }
            }));
        })
        .await;
    let page = client(&server).groups().list().send().await.unwrap();
    assert_eq!(page.extra().get("included"), Some(&json!({"users": []})));
    assert_eq!(page.extra().len(), 1);
    assert_eq!(page.meta_extra().get("took_ms"), Some(&json!(3)));
    let pagination = page.pagination().unwrap();
    assert_eq!(pagination.extra.get("cursor"), Some(&Value::Null));
    assert_eq!(page.items()[0].extra.get("is_system"), Some(&json!(false)));

    let plain = list_with(json!({"total": 1, "count": 1, "per_page": 10, "current_page": 1})).await;
    assert!(plain.extra().is_empty() && plain.meta_extra().is_empty());
}

// Proves writes fail closed: a membership change on a group carrying unknown keys
// (and a null description) PUTs exactly the fields the update body declares, none
// of the unknown ones, and no description key.
#[tokio::test]
async fn unknown_keys_are_never_written_back_to_the_server() {
    let server = MockServer::start_async().await;
    let mut sent = reference_group();
    sent["description"] = Value::Null;
    sent["is_system"] = json!(true);
    let mut after = sent.clone();
    after["members"] = json!([1001, 1005, 7]);
    let puts = Puts::default();
    server
        .mock_async(|when, then| {
            when.method(GET).path(group_path()).is_true(puts.after(0));
            then.status(200).json_body(json!({ "data": sent }));
        })
        .await;
    let put = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(group_path())
                .json_body(json!({
                    "name": "Sales Team",
                    "members": [1001, 1005, 7],
                    "guests": ["client.a@example.com"]
                }))
                .is_true(puts.recording());
            then.status(201)
                .json_body(json!({ "data": reference_group() }));
        })
        .await;
    // The confirming read after the PUT.
    server
        .mock_async(|when, then| {
            when.method(GET).path(group_path());
            then.status(200).json_body(json!({ "data": after }));
        })
        .await;
    client(&server)
        .groups()
        .add_members(GROUP_ID, [7])
        .await
        .expect("the PUT body matched exactly");
    put.assert_async().await;
}
