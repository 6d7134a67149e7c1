//! Compile-time proof that the public types can be shared between threads and that
//! every `send()` future and stream can be moved to another task: a change that
//! breaks it fails this test's build, not a user's program. The one runtime test
//! only makes the checks run; what they prove is that this file compiles.

use tallyfy_groups::{
    ApiError, Capture, Client, ClientBuilder, CreateGroup, DeleteGroup, Error, GetGroup, Group,
    Groups, Items, ListGroups, Membership, Page, Pages, Paginator, RateLimiter, RetryPolicy,
    UpdateGroup,
};

fn send_sync<T: Send + Sync>() {}
fn send<T: Send>(_: &T) {}

#[test]
fn public_types_are_send_and_sync() {
    send_sync::<Client>();
    send_sync::<ClientBuilder>();
    send_sync::<Error>();
    send_sync::<tallyfy_groups::Extra>();
    send_sync::<ApiError>();
    send_sync::<Groups>();
    send_sync::<ListGroups>();
    send_sync::<Paginator<ListGroups>>();
    send_sync::<GetGroup>();
    send_sync::<CreateGroup>();
    send_sync::<UpdateGroup>();
    send_sync::<DeleteGroup>();
    send_sync::<Page<Group>>();
    send_sync::<RetryPolicy>();
    send_sync::<RateLimiter>();
    send_sync::<Capture>();
    send_sync::<Membership>();
}

/// Streams hold boxed request futures, which are `Send` but not `Sync`; the futures
/// are built (never polled) from a client that sends nothing.
#[test]
fn futures_and_streams_are_send() {
    let client = Client::builder()
        .token("t")
        .org_id("o")
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    let groups = client.groups();
    send::<Pages<ListGroups>>(&groups.list().pages());
    send::<Items<ListGroups>>(&groups.list().items());
    send(&groups.list().send());
    send(&groups.get("g").send());
    send(&groups.create("n").description("d").send());
    send(&groups.update("g").send());
    send(&groups.delete("g").send());
    send(&groups.modify_membership("g", |_| {}));
    send(&groups.add_members("g", [1]));
    send(&groups.remove_members("g", [1]));
    send(&groups.add_guests("g", ["a@example.com"]));
    send(&groups.remove_guests("g", ["a@example.com"]));
}
