//! Membership changes by read-modify-write: every other field survives, and an empty
//! change sends no PUT.

mod common;

use common::*;
use httpmock::prelude::*;
use serde_json::{Value, json};

fn current_group() -> Value {
    json!({"data": {
        "id": GROUP_ID,
        "name": "Sales Team",
        "description": "Handles all sales inquiries.",
        "logo": null,
        "members": [1001, "1005"],
        "guests": ["client.a@example.com"],
        "created_at": "2023-01-15T09:00:00Z",
        "last_updated": "2023-06-20T10:00:00Z"
    }})
}

/// Serves the current group on GET and expects exactly `put_body` on PUT.
async fn expect_put(
    server: &MockServer,
    put_body: Value,
) -> (httpmock::Mock<'_>, httpmock::Mock<'_>) {
    let get = server
        .mock_async(|when, then| {
            when.method(GET).path(group_path());
            then.status(200).json_body(current_group());
        })
        .await;
    let put = server
        .mock_async(|when, then| {
            when.method(PUT).path(group_path()).json_body(put_body);
            then.status(201).json_body(current_group());
        })
        .await;
    (get, put)
}

// Proves add_members keeps name, description, the other members (string ids included)
// and the guests, and adds only what is new.
#[tokio::test]
async fn add_members_preserves_everything_else() {
    let server = MockServer::start_async().await;
    let (get, put) = expect_put(
        &server,
        json!({
            "name": "Sales Team", "description": "Handles all sales inquiries.",
            "members": [1001, 1005, 2002], "guests": ["client.a@example.com"]
        }),
    )
    .await;
    client(&server)
        .groups()
        .add_members(GROUP_ID, [1005, 2002])
        .await
        .unwrap();
    get.assert_calls_async(1).await;
    put.assert_calls_async(1).await;
}

// Proves remove_members removes only the named members.
#[tokio::test]
async fn remove_members_preserves_everything_else() {
    let server = MockServer::start_async().await;
    let (_, put) = expect_put(
        &server,
        json!({
            "name": "Sales Team", "description": "Handles all sales inquiries.",
            "members": [1005], "guests": ["client.a@example.com"]
        }),
    )
    .await;
    client(&server)
        .groups()
        .remove_members(GROUP_ID, [1001])
        .await
        .unwrap();
    put.assert_calls_async(1).await;
}

// Proves add_guests and remove_guests keep members and compare emails case-insensitively.
#[tokio::test]
async fn guests_change_preserves_members() {
    let server = MockServer::start_async().await;
    let (_, put) = expect_put(
        &server,
        json!({
            "name": "Sales Team", "description": "Handles all sales inquiries.",
            "members": [1001, 1005], "guests": ["client.a@example.com", "b@example.com"]
        }),
    )
    .await;
    client(&server)
        .groups()
        .add_guests(GROUP_ID, ["CLIENT.A@example.com", "b@example.com"])
        .await
        .unwrap();
    put.assert_calls_async(1).await;

    let other = MockServer::start_async().await;
    let (_, put) = expect_put(
        &other,
        json!({
            "name": "Sales Team", "description": "Handles all sales inquiries.",
            "members": [1001, 1005], "guests": []
        }),
    )
    .await;
    client(&other)
        .groups()
        .remove_guests(GROUP_ID, ["Client.A@example.com"])
        .await
        .unwrap();
    put.assert_calls_async(1).await;
}

// Proves a change that changes nothing sends no PUT at all.
#[tokio::test]
async fn empty_change_sends_no_put() {
    let server = MockServer::start_async().await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET).path(group_path());
            then.status(200).json_body(current_group());
        })
        .await;
    let put = server
        .mock_async(|when, then| {
            when.method(PUT);
            then.status(500);
        })
        .await;
    let groups = client(&server).groups();
    groups.add_members(GROUP_ID, [1001]).await.unwrap();
    groups.remove_members(GROUP_ID, [999]).await.unwrap();
    groups
        .add_guests(GROUP_ID, Vec::<String>::new())
        .await
        .unwrap();
    groups.modify(GROUP_ID, |_| {}).await.unwrap();
    get.assert_calls_async(4).await;
    put.assert_calls_async(0).await;
}

// Proves a member id that is not a number stops the change instead of dropping it.
#[tokio::test]
async fn unparseable_member_id_is_not_dropped() {
    let server = MockServer::start_async().await;
    let mut group = current_group();
    group["data"]["members"] = json!([1001, "not-a-number"]);
    server
        .mock_async(|when, then| {
            when.method(GET).path(group_path());
            then.status(200).json_body(group);
        })
        .await;
    let put = server
        .mock_async(|when, then| {
            when.method(PUT);
            then.status(500);
        })
        .await;
    let err = client(&server)
        .groups()
        .add_members(GROUP_ID, [7])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not-a-number"), "{err}");
    put.assert_calls_async(0).await;
}
