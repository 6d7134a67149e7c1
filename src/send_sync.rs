//! Compile-time proof that the public types can be shared between threads and that
//! every `send()` future can be spawned: a change that breaks it fails the build here,
//! not in a user's program. Holds no runtime code.

#![allow(dead_code)]

use crate::model::Group;
use crate::{
    ApiError, Capture, Client, ClientBuilder, CreateGroup, DeleteGroup, Error, GetGroup,
    GroupStream, Groups, ListGroups, Membership, Page, PageStream, Paginator, RetryPolicy,
    UpdateGroup,
};

fn send_sync<T: Send + Sync>() {}
fn send<T: Send>(_: &T) {}

fn types() {
    send_sync::<Client>();
    send_sync::<ClientBuilder>();
    send_sync::<Error>();
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
    send_sync::<Capture>();
    send_sync::<Membership>();
}

/// Streams hold boxed request futures, which are `Send` but not `Sync`.
fn streams(groups: Groups) {
    send::<PageStream>(&groups.list().pages());
    send::<GroupStream>(&groups.list().items());
}

fn futures(groups: Groups) {
    send(&groups.list().send());
    send(&groups.get("g").send());
    send(&groups.create("n").description("d").send());
    send(&groups.update("g").send());
    send(&groups.delete("g").send());
    send(&groups.modify("g", |_| {}));
    send(&groups.add_members("g", [1]));
    send(&groups.remove_members("g", [1]));
    send(&groups.add_guests("g", ["a@example.com"]));
    send(&groups.remove_guests("g", ["a@example.com"]));
}
