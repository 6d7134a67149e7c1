//! Each of the five operations over real HTTP: method, path, default headers, query
//! parameters, JSON body, and decoding of the reference's examples.

mod common;

use common::*;
use httpmock::prelude::*;
use serde_json::json;
use tallyfy_groups::{MemberId, SortBy};

// Proves list sends GET to the org's groups path with every default header and every
// query parameter, and decodes items plus pagination.
#[tokio::test]
async fn list_sends_headers_and_query_and_decodes_a_page() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(groups_path())
                .header("authorization", format!("Bearer {TOKEN}"))
                .header("accept", "application/json")
                .header("x-tallyfy-client", "APIClient")
                .header(
                    "user-agent",
                    concat!("tallyfy-groups/", env!("CARGO_PKG_VERSION")),
                )
                .query_param("q", "sales")
                .query_param("per_page", "25")
                .query_param("page", "2")
                .query_param("sort_by", "updated_at")
                .query_param("with", "assets,users");
            then.status(200).json_body(list_body(
                vec![reference_group()],
                json!({"total": 26, "count": 1, "per_page": 25, "current_page": 2,
                       "total_pages": 2, "links": {"previous": "https://x/?page=1"}}),
            ));
        })
        .await;
    let page = client(&server)
        .groups()
        .list()
        .q("sales")
        .page_size(25)
        .page(2)
        .sort_by(SortBy::UpdatedAt)
        .with_users()
        .with_assets()
        .send()
        .await
        .expect("list succeeds");
    mock.assert_async().await;
    assert_eq!(page.items().len(), 1);
    assert_eq!(page.items()[0].name, "Sales Team");
    assert_eq!(page.current_page(), 2);
    assert_eq!(page.total_pages(), Some(2));
    assert_eq!(page.total(), Some(26));
    assert!(!page.has_next());
}

// Proves get sends GET to the group's path, `with=assets` when asked, and decodes the
// documented get example whose member ids are strings.
#[tokio::test]
async fn get_with_assets_decodes_string_member_ids() {
    let server = MockServer::start_async().await;
    let mut group = reference_group();
    group["members"] = json!(["1001", "1005"]);
    group["assets"] = json!([{"id": "a1", "filename": "logo.png"}]);
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(group_path())
                .query_param("with", "assets")
                .header("authorization", format!("Bearer {TOKEN}"))
                .header("x-tallyfy-client", "APIClient");
            then.status(200).json_body(json!({ "data": group }));
        })
        .await;
    let group = client(&server)
        .groups()
        .get(GROUP_ID)
        .with_assets()
        .send()
        .await
        .expect("get succeeds");
    mock.assert_async().await;
    assert_eq!(
        group.members,
        vec![
            MemberId::String("1001".into()),
            MemberId::String("1005".into())
        ]
    );
    assert_eq!(group.member_ids().unwrap(), vec![1001, 1005]);
    assert!(group.assets.is_some());
}

// Proves get without `with_assets` sends no `with` parameter.
#[tokio::test]
async fn get_without_assets_sends_no_with() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(group_path())
                .query_param_missing("with");
            then.status(200)
                .json_body(json!({ "data": reference_group() }));
        })
        .await;
    client(&server).groups().get(GROUP_ID).send().await.unwrap();
    mock.assert_async().await;
}

// Proves create POSTs the JSON body with Content-Type and decodes the 201 answer.
#[tokio::test]
async fn create_posts_json_and_decodes_201() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(groups_path())
                .header("content-type", "application/json")
                .header("authorization", format!("Bearer {TOKEN}"))
                .json_body(json!({
                    "name": "Sales Team",
                    "description": "Handles all sales inquiries.",
                    "members": [1001, 1005],
                    "guests": ["client.a@example.com"]
                }));
            then.status(201)
                .json_body(json!({ "data": reference_group() }));
        })
        .await;
    let group = client(&server)
        .groups()
        .create("Sales Team")
        .description("Handles all sales inquiries.")
        .members([1001, 1005])
        .guests(["client.a@example.com"])
        .send()
        .await
        .expect("create succeeds");
    mock.assert_async().await;
    assert_eq!(group.id, "group_id_abc123");
    assert_eq!(group.guests, vec!["client.a@example.com".to_string()]);
}

// Proves an update with every field set sends one PUT with all four fields and no GET,
// and accepts the documented 201.
#[tokio::test]
async fn update_with_all_fields_sends_one_put_and_accepts_201() {
    let server = MockServer::start_async().await;
    let get = mock_reference_get(&server).await;
    let put = server
        .mock_async(|when, then| {
            when.method(PUT).path(group_path()).json_body(json!({
                "name": "Sales", "description": "New", "members": [7], "guests": []
            }));
            then.status(201)
                .json_body(json!({ "data": reference_group() }));
        })
        .await;
    let api = client(&server);
    let updated = api
        .groups()
        .update(GROUP_ID)
        .name("Sales")
        .description("New")
        .members([7])
        .guests(Vec::<String>::new())
        .send()
        .await
        .expect("update succeeds");
    put.assert_async().await;
    get.assert_calls_async(0).await;
    assert_eq!(updated.name, "Sales Team");
}

// Proves a partial update reads the group first and keeps every field it was not
// told to change; and that the older 200 answer is accepted too.
#[tokio::test]
async fn partial_update_merges_current_fields_and_accepts_200() {
    let server = MockServer::start_async().await;
    let puts = Puts::default();
    let get = server
        .mock_async(|when, then| {
            when.method(GET).path(group_path()).is_true(puts.after(0));
            then.status(200)
                .json_body(json!({ "data": reference_group() }));
        })
        .await;
    let mut after = reference_group();
    after["description"] = json!("Renewals too.");
    let put = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(group_path())
                .json_body(json!({
                    "name": "Sales Team",
                    "description": "Renewals too.",
                    "members": [1001, 1005],
                    "guests": ["client.a@example.com"]
                }))
                .is_true(puts.recording());
            then.status(200).json_body(json!({ "data": after }));
        })
        .await;
    let confirm = server
        .mock_async(|when, then| {
            when.method(GET).path(group_path());
            then.status(200).json_body(json!({ "data": after }));
        })
        .await;
    client(&server)
        .groups()
        .update(GROUP_ID)
        .description("Renewals too.")
        .send()
        .await
        .expect("update succeeds");
    // The read, and the compare read just before the PUT (#13); then the read that
    // confirms the new description (#28).
    get.assert_calls_async(2).await;
    put.assert_async().await;
    confirm.assert_calls_async(1).await;
}

// Proves delete sends DELETE and accepts both 204 (documented) and 200 with a body.
#[tokio::test]
async fn delete_accepts_204_and_200_with_body() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path(group_path())
                .header("authorization", format!("Bearer {TOKEN}"));
            then.status(204);
        })
        .await;
    client(&server)
        .groups()
        .delete(GROUP_ID)
        .send()
        .await
        .expect("204 is success");
    mock.assert_async().await;

    let other = MockServer::start_async().await;
    let mock = other
        .mock_async(|when, then| {
            when.method(DELETE).path(group_path());
            then.status(200)
                .json_body(json!({ "data": reference_group() }));
        })
        .await;
    client(&other)
        .groups()
        .delete(GROUP_ID)
        .send()
        .await
        .expect("200 is success");
    mock.assert_async().await;
}

// Proves the overridable headers really change: user agent and X-Tallyfy-Client.
#[tokio::test]
async fn user_agent_and_client_header_can_be_overridden() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(group_path())
                .header("user-agent", "my-sync/2.0")
                .header("x-tallyfy-client", "SyncJob");
            then.status(200)
                .json_body(json!({ "data": reference_group() }));
        })
        .await;
    let api = builder(server.base_url())
        .user_agent("my-sync/2.0")
        .tallyfy_client("SyncJob")
        .build()
        .unwrap();
    api.groups().get(GROUP_ID).send().await.unwrap();
    mock.assert_async().await;
}

// Proves the generated client stays reachable and carries the same default headers.
#[tokio::test]
async fn raw_client_is_an_escape_hatch_with_the_same_headers() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(group_path())
                .header("authorization", format!("Bearer {TOKEN}"))
                .header("x-tallyfy-client", "APIClient");
            then.status(200)
                .json_body(json!({ "data": reference_group() }));
        })
        .await;
    let api = client(&server);
    let raw = api
        .raw()
        .get_group()
        .org_id(ORG)
        .group_id(GROUP_ID)
        .send()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(raw.into_inner().data.name, "Sales Team");
}

// Proves a Capture given to the builder hands back the raw body and status of every
// response a typed call received (a partial update makes four: three GETs and the PUT),
// and that a client without one records nothing.
#[tokio::test]
async fn capture_returns_raw_bodies() {
    let server = MockServer::start_async().await;
    let puts = Puts::default();
    server
        .mock_async(|when, then| {
            when.method(GET).path(group_path()).is_true(puts.after(0));
            then.status(200)
                .json_body(json!({ "data": reference_group(), "extra": 1 }));
        })
        .await;
    let mut renamed = reference_group();
    renamed["name"] = json!("New");
    server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(group_path())
                .is_true(puts.recording());
            then.status(201).json_body(json!({ "data": renamed }));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(group_path());
            then.status(200).json_body(json!({ "data": renamed }));
        })
        .await;
    let capture = tallyfy_groups::Capture::new();
    let api = builder(server.base_url())
        .capture(capture.clone())
        .build()
        .unwrap();
    api.groups()
        .update(GROUP_ID)
        .name("New")
        .send()
        .await
        .unwrap();
    let raw = capture.take();
    // The read, the compare read just before the PUT (#13), the PUT, the confirming
    // read (#28).
    let seen: Vec<_> = (raw.iter())
        .map(|r| (r.operation, r.status.as_u16()))
        .collect();
    assert_eq!(
        seen,
        [
            ("get_group", 200),
            ("get_group", 200),
            ("update_group", 201),
            ("get_group", 200)
        ]
    );
    assert!(capture.is_empty(), "take() empties the record");
    let first: serde_json::Value = serde_json::from_slice(&raw[0].body).unwrap();
    assert_eq!(first["extra"], 1);
}

// Proves extra headers are sent, and that Authorization cannot be replaced through them.
#[tokio::test]
async fn extra_headers_are_sent_but_cannot_replace_authorization() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(group_path())
                .header("prefer", "code=200");
            then.status(200)
                .json_body(json!({ "data": reference_group() }));
        })
        .await;
    let builder = || builder(server.base_url());
    let api = builder().header("Prefer", "code=200").build().unwrap();
    api.groups().get(GROUP_ID).send().await.unwrap();
    mock.assert_async().await;
    let refused = builder().header("authorization", "Bearer other").build();
    assert!(matches!(
        refused,
        Err(tallyfy_groups::Error::InvalidArgument { name: "header", .. })
    ));
}
