//! Membership changes by read-modify-write: every other field survives, an empty
//! change sends no PUT, a change by another writer seen just before the PUT is kept,
//! a write another writer overwrites just after it is applied again, one no read
//! shows ends in `Error::Unconfirmed`, and a group that keeps changing ends in
//! `Error::Conflict`. The mocked group is stateful (`Puts`): reads after a PUT show it.

mod common;

use common::*;
use httpmock::prelude::*;
use serde_json::{Value, json};
use tallyfy_groups::Error;

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

/// `group` as a PUT of `body` leaves it: its members and guests, a later timestamp.
fn written(mut group: Value, body: &Value) -> Value {
    group["data"]["members"] = body["members"].clone();
    group["data"]["guests"] = body["guests"].clone();
    group["data"]["last_updated"] = json!("2023-06-20T10:10:00Z");
    group
}

/// Serves the current group on GET until a PUT came, expects exactly `put_body` on
/// PUT, and then serves the group as that PUT left it (so the confirming read sees
/// it). Returns the GET mock before the PUT, the PUT's and the GET mock after it.
async fn expect_put(
    server: &MockServer,
    put_body: Value,
) -> (httpmock::Mock<'_>, httpmock::Mock<'_>, httpmock::Mock<'_>) {
    let after = written(current_group(), &put_body);
    let puts = Puts::default();
    let get = server
        .mock_async(|when, then| {
            when.method(GET).path(group_path()).is_true(puts.after(0));
            then.status(200).json_body(current_group());
        })
        .await;
    let put = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(group_path())
                .json_body(put_body)
                .is_true(puts.recording());
            then.status(201).json_body(after.clone());
        })
        .await;
    let confirm = server
        .mock_async(|when, then| {
            when.method(GET).path(group_path());
            then.status(200).json_body(after);
        })
        .await;
    (get, put, confirm)
}

// Proves add_members keeps name, description, the other members (string ids included)
// and the guests, and adds only what is new.
#[tokio::test]
async fn add_members_preserves_everything_else() {
    let server = MockServer::start_async().await;
    let (get, put, confirm) = expect_put(
        &server,
        json!({
            "name": "Sales Team", "description": "Handles all sales inquiries.",
            "members": [1001, 1005, 2002], "guests": ["client.a@example.com"]
        }),
    )
    .await;
    let group = client(&server)
        .groups()
        .add_members(GROUP_ID, [1005, 2002])
        .await
        .unwrap();
    // The read, and the compare read just before the PUT; then one read to confirm.
    get.assert_calls_async(2).await;
    put.assert_calls_async(1).await;
    confirm.assert_calls_async(1).await;
    assert_eq!(
        group.member_ids().unwrap(),
        [1001, 1005, 2002],
        "the confirming read"
    );
}

// Proves remove_members removes only the named members.
#[tokio::test]
async fn remove_members_preserves_everything_else() {
    let server = MockServer::start_async().await;
    let (_, put, _) = expect_put(
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
    let (_, put, _) = expect_put(
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
    let (_, put, _) = expect_put(
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

// Proves a change that changes nothing sends no PUT at all (and no compare read):
// adding a present member, one the API sent as the string "1005" included, removing
// an absent one, adding no guests, an empty closure.
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
    groups.add_members(GROUP_ID, [1005, 1001]).await.unwrap();
    groups.remove_members(GROUP_ID, [999]).await.unwrap();
    groups
        .add_guests(GROUP_ID, Vec::<String>::new())
        .await
        .unwrap();
    groups.modify_membership(GROUP_ID, |_| {}).await.unwrap();
    get.assert_calls_async(5).await;
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

/// The current group as another writer left it: member 9001 added, a later timestamp.
fn changed_group() -> Value {
    let mut group = current_group();
    group["data"]["members"] = json!([1001, "1005", 9001]);
    group["data"]["last_updated"] = json!("2023-06-20T10:05:00Z");
    group
}

// Proves a change by another writer between our read and our PUT is not overwritten:
// the compare read sees it, our addition is re-applied to the fresh copy, which is
// read once more before the PUT, and the PUT carries both changes.
#[tokio::test]
async fn change_between_read_and_put_is_kept() {
    let server = MockServer::start_async().await;
    let both = json!({
        "name": "Sales Team", "description": "Handles all sales inquiries.",
        "members": [1001, 1005, 9001, 2002], "guests": ["client.a@example.com"]
    });
    let puts = Puts::default();
    let first = server
        .mock_async(|when, then| {
            when.method(GET).path(group_path()).is_true(first_n(1));
            then.status(200).json_body(current_group());
        })
        .await;
    let later = server
        .mock_async(|when, then| {
            when.method(GET).path(group_path()).is_true(puts.after(0));
            then.status(200).json_body(changed_group());
        })
        .await;
    let put = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(group_path())
                .json_body(both.clone())
                .is_true(puts.recording());
            then.status(201).json_body(written(changed_group(), &both));
        })
        .await;
    let confirm = server
        .mock_async(|when, then| {
            when.method(GET).path(group_path());
            then.status(200).json_body(written(changed_group(), &both));
        })
        .await;
    client(&server)
        .groups()
        .add_members(GROUP_ID, [2002])
        .await
        .unwrap();
    first.assert_calls_async(1).await;
    later.assert_calls_async(2).await;
    put.assert_calls_async(1).await;
    confirm.assert_calls_async(1).await;
}

// Proves a write that another writer overwrites right after it (they read before our
// PUT and wrote after it) is caught by the confirming read and applied again on top
// of theirs: the second PUT carries their 9001 and our 2002, and the call returns
// only once a read shows 2002.
#[tokio::test]
async fn write_overwritten_after_the_put_is_applied_again() {
    let server = MockServer::start_async().await;
    let ours = json!({
        "name": "Sales Team", "description": "Handles all sales inquiries.",
        "members": [1001, 1005, 2002], "guests": ["client.a@example.com"]
    });
    let again = json!({
        "name": "Sales Team", "description": "Handles all sales inquiries.",
        "members": [1001, 1005, 9001, 2002], "guests": ["client.a@example.com"]
    });
    let puts = Puts::default();
    for (n, state) in [(0, current_group()), (1, changed_group())] {
        server
            .mock_async(|when, then| {
                when.method(GET).path(group_path()).is_true(puts.after(n));
                then.status(200).json_body(state);
            })
            .await;
    }
    let put = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(group_path())
                .is_true(puts.recording());
            then.status(201).json_body(written(current_group(), &ours));
        })
        .await;
    let last = server
        .mock_async(|when, then| {
            when.method(GET).path(group_path()).is_true(puts.after(2));
            then.status(200).json_body(written(changed_group(), &again));
        })
        .await;
    let group = client(&server)
        .groups()
        .add_members(GROUP_ID, [2002])
        .await
        .unwrap();
    put.assert_calls_async(2).await;
    assert_eq!(puts.bodies(), [ours, again]);
    last.assert_calls_async(1).await;
    assert_eq!(group.member_ids().unwrap(), [1001, 1005, 9001, 2002]);
}

// Proves a write that no later read shows ends in Error::Unconfirmed (not Ok) after
// 1 + conflict_retries writes, naming the group and the missing member.
#[tokio::test]
async fn write_never_seen_is_unconfirmed() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(group_path());
            then.status(200).json_body(current_group());
        })
        .await;
    let put = server
        .mock_async(|when, then| {
            when.method(PUT);
            then.status(201).json_body(current_group());
        })
        .await;
    let client = builder(server.base_url())
        .retry_policy(immediate())
        .conflict_retries(1)
        .build()
        .unwrap();
    let err = client
        .groups()
        .add_members(GROUP_ID, [2002])
        .await
        .unwrap_err();
    match &err {
        Error::Unconfirmed {
            group_id,
            missing,
            attempts,
            ..
        } => {
            assert_eq!(group_id, GROUP_ID);
            assert_eq!(missing, "members [2002] missing");
            assert_eq!(*attempts, 2);
        }
        other => panic!("expected Unconfirmed, got {other:?}"),
    }
    assert!(err.to_string().contains("2002"), "{err}");
    put.assert_calls_async(2).await;
}

/// A matcher true on every other request it sees (1st, 3rd, …).
fn every_other() -> impl Fn(&httpmock::HttpMockRequest) -> bool + Send + Sync + 'static {
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    move |_| {
        seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            .is_multiple_of(2)
    }
}

// Proves a group that another writer changes before every one of our PUTs ends in
// Error::Conflict after the configured attempts (1 + conflict_retries), naming the
// group and the change, with no PUT sent and no endless loop.
#[tokio::test]
async fn group_that_keeps_changing_ends_in_conflict() {
    let server = MockServer::start_async().await;
    let odd = server
        .mock_async(|when, then| {
            when.method(GET).path(group_path()).is_true(every_other());
            then.status(200).json_body(current_group());
        })
        .await;
    let even = server
        .mock_async(|when, then| {
            when.method(GET).path(group_path());
            then.status(200).json_body(changed_group());
        })
        .await;
    let put = server
        .mock_async(|when, then| {
            when.method(PUT);
            then.status(500);
        })
        .await;
    let client = builder(server.base_url())
        .conflict_retries(2)
        .build()
        .unwrap();
    let err = client
        .groups()
        .add_members(GROUP_ID, [7])
        .await
        .unwrap_err();
    match &err {
        Error::Conflict {
            group_id,
            change,
            attempts,
        } => {
            assert_eq!(group_id, GROUP_ID);
            assert_eq!(change, "add members [7]");
            assert_eq!(*attempts, 3);
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(err.to_string().contains(GROUP_ID), "{err}");
    // The first read and one compare read per attempt.
    assert_eq!(odd.calls_async().await + even.calls_async().await, 4);
    put.assert_calls_async(0).await;
}
