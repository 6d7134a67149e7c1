//! Descriptions as the live server wants them (issue #19): its rule is
//! `sometimes|required|string` after empty strings become null, so the client never
//! sends `description` as `""` or null, and leaves the key out when there is none.
//! Over httpmock (what goes on the wire) and the sandbox (which enforces the rule).

mod common;

use common::*;
use httpmock::prelude::*;
use serde_json::{Value, json};
use tallyfy_groups::{Client, Error};
use tallyfy_groups_sandbox::Sandbox;

/// Whether a request's JSON body is an object without a `description` key.
fn has_no_description(request: &httpmock::HttpMockRequest) -> bool {
    serde_json::from_slice::<Value>(request.body().as_ref())
        .ok()
        .and_then(|body| body.as_object().map(|o| !o.contains_key("description")))
        .unwrap_or(false)
}

fn null_description_group() -> Value {
    json!({"data": {
        "id": GROUP_ID, "name": "Sales Team", "description": null, "logo": null,
        "members": [1001], "guests": [],
        "created_at": "2023-01-15T09:00:00Z", "last_updated": "2023-06-20T10:00:00Z"
    }})
}

fn sandbox_client(sandbox: &Sandbox) -> Client {
    sandbox_builder(sandbox)
        .retry_policy(immediate())
        .build()
        .unwrap()
}

// Proves a create without a description, and one with a blank description, send a
// body with no `description` key at all (exact body match plus a key check).
#[tokio::test]
async fn create_without_description_sends_no_key() {
    let server = MockServer::start_async().await;
    let created = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(groups_path())
                .json_body(json!({"name": "Sales Team", "members": [1001]}))
                .is_true(has_no_description);
            then.status(201).json_body(null_description_group());
        })
        .await;
    let groups = client(&server).groups();
    let group = groups.create("Sales Team").members([1001]).send().await;
    assert_eq!(group.unwrap().description, None);
    groups
        .create("Sales Team")
        .description("  ")
        .members([1001])
        .send()
        .await
        .unwrap();
    created.assert_calls_async(2).await;
}

// Proves a given description is sent as is on create.
#[tokio::test]
async fn create_with_description_sends_it() {
    let server = MockServer::start_async().await;
    let created = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(groups_path())
                .json_body(json!({"name": "Sales Team", "description": "Deals."}));
            then.status(201)
                .json_body(json!({"data": reference_group()}));
        })
        .await;
    client(&server)
        .groups()
        .create("Sales Team")
        .description("Deals.")
        .send()
        .await
        .unwrap();
    created.assert_calls_async(1).await;
}

// Proves an update that leaves the description unset, on a group whose description is
// null, reads the group and sends name, members and guests but no `description` key.
#[tokio::test]
async fn update_of_null_description_group_sends_no_description() {
    let server = MockServer::start_async().await;
    let puts = Puts::default();
    let get = server
        .mock_async(|when, then| {
            when.method(GET).path(group_path()).is_true(puts.after(0));
            then.status(200).json_body(null_description_group());
        })
        .await;
    let mut renamed = null_description_group();
    renamed["data"]["name"] = json!("Renamed");
    let put = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(group_path())
                .json_body(json!({"name": "Renamed", "members": [1001], "guests": []}))
                .is_true(has_no_description)
                .is_true(puts.recording());
            then.status(201).json_body(renamed.clone());
        })
        .await;
    let confirm = server
        .mock_async(|when, then| {
            when.method(GET).path(group_path());
            then.status(200).json_body(renamed);
        })
        .await;
    client(&server)
        .groups()
        .update(GROUP_ID)
        .name("Renamed")
        .send()
        .await
        .unwrap();
    // The read, and the compare read just before the PUT (see tests/membership.rs);
    // then the read that confirms the new name.
    get.assert_calls_async(2).await;
    put.assert_calls_async(1).await;
    confirm.assert_calls_async(1).await;
}

// Proves a blank new description is refused before anything is sent (the API cannot
// clear a description), as an InvalidArgument naming the field.
#[tokio::test]
async fn blank_update_description_is_refused_locally() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await;
    let err = client(&server)
        .groups()
        .update(GROUP_ID)
        .description("")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidArgument {
                name: "description",
                ..
            }
        ),
        "{err:?}"
    );
    any.assert_calls_async(0).await;
}

// Proves, against the sandbox (which answers null or "" descriptions with 422 "The
// description field is required." as the live server does: sandbox/tests/errors.rs
// `missing_fields_are_422` and validate.rs `description_is_sometimes_required` prove
// that rule), that a group created
// without a description has a null one, that adding and removing members on it
// succeeds, and that its description is still null afterwards.
#[tokio::test]
async fn membership_change_on_null_description_group_keeps_it_null() {
    let sandbox = Sandbox::start_seeded(0).await;
    let groups = sandbox_client(&sandbox).groups();
    let created = groups.create("No description").send().await.unwrap();
    assert_eq!(created.description, None);

    let added = groups.add_members(&created.id, [4242]).await.unwrap();
    assert_eq!(added.member_ids().unwrap(), [4242]);
    assert_eq!(added.description, None);
    let removed = groups.remove_members(&created.id, [4242]).await.unwrap();
    assert!(removed.member_ids().unwrap().is_empty());
    let renamed = groups
        .update(&created.id)
        .name("Still none")
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.description, None);
    let got = groups.get(&created.id).send().await.unwrap();
    assert_eq!(got.description, None);
    assert_eq!(got.name, "Still none");
}
