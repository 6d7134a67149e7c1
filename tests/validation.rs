//! Bad arguments and bad configuration are rejected before any request: the error is
//! `InvalidArgument` or `Config`, and the server sees zero calls.

mod common;

use common::*;
use httpmock::prelude::*;
use tallyfy_groups::{Client, Error};

/// Registers a mock that matches every request, to count what reaches the server.
async fn count_everything(server: &MockServer) -> httpmock::Mock<'_> {
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await
}

fn assert_invalid(result: Result<impl std::fmt::Debug, Error>, argument: &str) {
    match result {
        Err(Error::InvalidArgument { name, reason }) => {
            assert_eq!(name, argument, "{reason}");
            assert!(!reason.is_empty());
        }
        other => panic!("expected InvalidArgument({argument}), got {other:?}"),
    }
}

// Proves per_page outside 1..=100 is rejected with no request sent.
#[tokio::test]
async fn per_page_out_of_range_sends_nothing() {
    let server = MockServer::start_async().await;
    let mock = count_everything(&server).await;
    let api = client(&server);
    assert_invalid(api.groups().list().page_size(0).send().await, "per_page");
    assert_invalid(api.groups().list().page_size(101).send().await, "per_page");
    assert_invalid(api.groups().list().page(0).send().await, "page");
    mock.assert_calls_async(0).await;
}

// Proves empty group ids, `.`/`..` segments and empty names are rejected with no request.
#[tokio::test]
async fn empty_ids_and_names_send_nothing() {
    let server = MockServer::start_async().await;
    let mock = count_everything(&server).await;
    let groups = client(&server).groups();
    assert_invalid(groups.get("").send().await, "group_id");
    assert_invalid(groups.get("  ").send().await, "group_id");
    assert_invalid(groups.get("..").send().await, "group_id");
    assert_invalid(groups.delete("").send().await, "group_id");
    assert_invalid(groups.update("").name("x").send().await, "group_id");
    assert_invalid(groups.create("").description("d").send().await, "name");
    assert_invalid(groups.create("   ").description("d").send().await, "name");
    assert_invalid(
        groups.create("x".repeat(201)).description("d").send().await,
        "name",
    );
    assert_invalid(groups.update(GROUP_ID).name("").send().await, "name");
    let other = client(&server).groups_of("");
    assert_invalid(other.list().send().await, "org_id");
    mock.assert_calls_async(0).await;
}

// Proves an empty organisation id, a missing token and a malformed token fail at build.
#[test]
fn builder_rejects_missing_or_bad_settings() {
    let base = || Client::builder().base_url("http://127.0.0.1:9");
    assert_invalid(base().token("t").org_id("").build(), "org_id");
    assert!(matches!(base().org_id("o").build(), Err(Error::Config(_))));
    assert_invalid(base().token("").org_id("o").build(), "token");
    assert_invalid(base().token("bad\ntoken").org_id("o").build(), "token");
    assert!(matches!(
        base().token("t").org_id("o").base_url("not a url").build(),
        Err(Error::Config(_))
    ));
}

// Proves member ids outside 1..=2^53-1 (the spec's RequestMemberId bound) are refused
// on create, update and add_members before any request, and that the largest valid id
// passes the check (it reaches the server, which here answers 500).
#[tokio::test]
async fn member_ids_out_of_range_send_nothing() {
    let server = MockServer::start_async().await;
    let mock = count_everything(&server).await;
    let groups = client(&server).groups();
    let max = (1_i64 << 53) - 1;
    for bad in [0, -1, max + 1, i64::MAX, i64::MIN] {
        assert_invalid(groups.create("x").members([1, bad]).send().await, "members");
        assert_invalid(
            groups.update(GROUP_ID).members([bad]).send().await,
            "members",
        );
        assert_invalid(groups.add_members(GROUP_ID, [bad]).await, "members");
    }
    mock.assert_calls_async(0).await;
    let sent = groups.create("x").members([max]).send().await;
    assert!(
        !matches!(sent, Err(Error::InvalidArgument { .. })),
        "{sent:?}"
    );
    assert!(mock.calls_async().await >= 1);
}
