//! Stateful flows against the sandbox (an independent fake of the API): what one
//! call changes, the next call sees.

mod common;

use common::{immediate, sandbox_builder};
use futures::TryStreamExt;
use tallyfy_groups::{Client, Error, SortBy};
use tallyfy_groups_sandbox::Sandbox;

fn client_for(sandbox: &Sandbox) -> Client {
    sandbox_builder(sandbox)
        .retry_policy(immediate())
        .build()
        .unwrap()
}

// Proves the whole lifecycle: create → list finds it → update → get shows the update →
// delete → get is 404.
#[tokio::test]
async fn create_list_update_get_delete() {
    let sandbox = Sandbox::start_seeded(5).await;
    let groups = client_for(&sandbox).groups();

    let created = groups
        .create("Sales Team")
        .description("Handles all sales inquiries.")
        .members([1001, 1005])
        .guests(["client.a@example.com"])
        .send()
        .await
        .unwrap();
    assert_eq!(created.id.len(), 32);

    let found = groups.list().q("sales team").send().await.unwrap();
    assert_eq!(
        found
            .items()
            .iter()
            .map(|g| g.id.as_str())
            .collect::<Vec<_>>(),
        vec![created.id.as_str()]
    );

    groups
        .update(&created.id)
        .description("Sales and renewals.")
        .send()
        .await
        .unwrap();
    let fetched = groups.get(&created.id).send().await.unwrap();
    assert_eq!(fetched.description.as_deref(), Some("Sales and renewals."));
    assert_eq!(fetched.name, "Sales Team");
    assert_eq!(fetched.member_ids().unwrap(), vec![1001, 1005]);
    assert_eq!(fetched.guests, vec!["client.a@example.com".to_string()]);

    groups.delete(&created.id).send().await.unwrap();
    let gone = groups.get(&created.id).send().await.unwrap_err();
    assert_eq!(gone.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(
        gone.api().unwrap().code.as_deref(),
        Some("RESOURCE_NOT_FOUND")
    );
}

// Proves membership helpers against a stateful server: the other fields survive.
#[tokio::test]
async fn membership_changes_are_kept_by_the_server() {
    let sandbox = Sandbox::start_seeded(0).await;
    let groups = client_for(&sandbox).groups();
    let group = groups
        .create("Ops")
        .description("On call.")
        .members([1])
        .guests(["a@x.io"])
        .send()
        .await
        .unwrap();
    groups.add_members(&group.id, [2, 3]).await.unwrap();
    groups.remove_members(&group.id, [1]).await.unwrap();
    groups.add_guests(&group.id, ["b@x.io"]).await.unwrap();
    let now = groups.get(&group.id).send().await.unwrap();
    assert_eq!(now.member_ids().unwrap(), vec![2, 3]);
    assert_eq!(now.guests, vec!["a@x.io".to_string(), "b@x.io".to_string()]);
    assert_eq!(
        (now.name.as_str(), now.description.as_deref()),
        ("Ops", Some("On call."))
    );
}

// Proves a duplicate name comes back as a 422 with the field error.
#[tokio::test]
async fn duplicate_name_is_a_field_error() {
    let sandbox = Sandbox::start_seeded(0).await;
    let groups = client_for(&sandbox).groups();
    groups
        .create("Same")
        .description("first")
        .send()
        .await
        .unwrap();
    let err = groups
        .create("Same")
        .description("second")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(422));
    assert!(err.field_errors().contains_key("name"), "{err}");
}

// Proves streaming every group of a seeded server yields each exactly once, in order,
// sequentially and with concurrency.
#[tokio::test]
async fn streaming_all_groups_sequential_and_concurrent() {
    let sandbox = Sandbox::start_seeded(250).await;
    let groups = client_for(&sandbox).groups();
    let sequential: Vec<String> = groups
        .list()
        .sort_by(SortBy::Name)
        .page_size(30)
        .items()
        .map_ok(|g| g.name)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(sequential.len(), 250);
    assert_eq!(sequential.first().map(String::as_str), Some("Group 0001"));
    let concurrent: Vec<String> = groups
        .list()
        .sort_by(SortBy::Name)
        .page_size(30)
        .into_paginator()
        .concurrency(4)
        .items()
        .map_ok(|g| g.name)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(sequential, concurrent);
}

// Proves the client rides out injected 429s and 503s with retries.
#[tokio::test]
async fn retries_ride_out_injected_faults() {
    let sandbox = Sandbox::builder()
        .seed(3)
        .rate_limit_first(1)
        .fail_first(2)
        .retry_after_secs(0)
        .start()
        .await;
    let page = client_for(&sandbox).groups().list().send().await.unwrap();
    assert_eq!(page.items().len(), 3);
    assert!(sandbox.request_count() >= 3, "{}", sandbox.request_count());
}

// Proves a wrong token is a 401 from the sandbox, mapped to an API error.
#[tokio::test]
async fn wrong_token_is_401() {
    let sandbox = Sandbox::builder().token(Some("right".into())).start().await;
    let err: Error = client_for(&sandbox)
        .groups()
        .list()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(
        err.api().unwrap().message.as_deref(),
        Some("invalid_client")
    );
}
