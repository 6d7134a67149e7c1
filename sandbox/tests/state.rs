//! The state file through the library API: what one sandbox changes, the
//! next one on the same file sees; a reset starts over; the lock makes a
//! second sandbox wait or fail; a change that cannot be saved is not kept.

mod common;

use std::time::Duration;

use common::{http, send};
use serde_json::json;
use tallyfy_groups_sandbox::Sandbox;

/// Proves changes outlast the sandbox: create, update and delete made in one
/// sandbox are what the next one on the same file loads (and its seed is
/// ignored then), and `reset_state` goes back to the seed.
#[tokio::test]
async fn changes_outlast_the_sandbox_and_reset_forgets_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("state.json");
    let client = http();

    let first = Sandbox::builder().seed(3).state_file(&path).start().await;
    assert!(!first.state_loaded());
    assert_eq!(first.state_file(), Some(path.as_path()));
    let created = send(
        client
            .post(first.groups_url())
            .json(&json!({"name": "Ops", "description": "x"})),
    )
    .await;
    let id = created.body["data"]["id"].as_str().unwrap().to_owned();
    let updated = send(
        client
            .put(first.group_url(&id))
            .json(&json!({"name": "Ops 2", "description": "y", "members": [7]})),
    )
    .await;
    assert_eq!(updated.status, 201);
    let seeded_id = send(client.get(first.groups_url())).await.body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        send(client.delete(first.group_url(&seeded_id)))
            .await
            .status,
        204
    );
    drop(first);

    let second = Sandbox::builder().seed(50).state_file(&path).start().await;
    assert!(second.state_loaded());
    let got = send(client.get(second.group_url(&id))).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["data"]["name"], "Ops 2");
    assert_eq!(got.body["data"]["members"], json!([7]));
    assert_eq!(
        send(client.get(second.group_url(&seeded_id))).await.status,
        404
    );
    let list = send(client.get(second.groups_url())).await;
    assert_eq!(list.body["meta"]["pagination"]["total"], 3);
    // A new id after a reload is not one already handed out.
    let another = send(
        client
            .post(second.groups_url())
            .json(&json!({"name": "Later", "description": "d"})),
    )
    .await;
    assert_ne!(another.body["data"]["id"], json!(id));
    drop(second);

    let reset = Sandbox::builder()
        .seed(3)
        .state_file(&path)
        .reset_state(true)
        .start()
        .await;
    assert!(!reset.state_loaded());
    assert_eq!(send(client.get(reset.group_url(&id))).await.status, 404);
    assert_eq!(
        send(client.get(reset.groups_url())).await.body["meta"]["pagination"]["total"],
        3
    );
}

/// Proves the lock: a second sandbox on the file fails at once by default
/// (kind `WouldBlock`, naming the file); with `state_lock_wait` it starts
/// only after the first one has stopped, and then sees the first's change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_sandbox_fails_or_waits_for_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let first = Sandbox::builder().state_file(&path).start().await;
    let error = Sandbox::builder()
        .state_file(&path)
        .try_start()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::WouldBlock);
    assert!(
        error.to_string().contains(path.to_str().unwrap()),
        "{error}"
    );

    let first_addr = first.addr();
    let waiter_path = path.clone();
    let waiter = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let sandbox = runtime.block_on(
            Sandbox::builder()
                .state_file(&waiter_path)
                .state_lock_wait(Duration::from_secs(60))
                .start(),
        );
        // The first sandbox closes its port before it lets go of the lock,
        // so if this one waited for the lock, that port is closed by now.
        let first_was_stopped = std::net::TcpStream::connect(first_addr).is_err();
        let total = runtime.block_on(async {
            send(http().get(sandbox.groups_url())).await.body["meta"]["pagination"]["total"].clone()
        });
        (first_was_stopped, total)
    });
    let created = send(
        http()
            .post(first.groups_url())
            .json(&json!({"name": "Before", "description": "d"})),
    )
    .await;
    assert_eq!(created.status, 201);
    drop(first);
    let (first_was_stopped, total) = waiter.join().unwrap();
    assert!(
        first_was_stopped,
        "the waiter started while the lock was held"
    );
    assert_eq!(total, 1);
}

/// Proves a change that cannot be saved is refused (500) and not kept:
/// with a directory where the save's temporary file `state.json.tmp` must
/// go (so the save fails, whoever runs the test), a create is answered 500,
/// the group count is what it was, and the file is unchanged.
#[tokio::test]
async fn a_change_that_cannot_be_saved_is_not_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let sandbox = Sandbox::builder().seed(2).state_file(&path).start().await;
    std::fs::create_dir(dir.path().join("state.json.tmp")).unwrap();
    let before = std::fs::read(&path).unwrap();
    let client = http();
    let created = send(
        client
            .post(sandbox.groups_url())
            .json(&json!({"name": "Lost", "description": "d"})),
    )
    .await;
    assert_eq!(created.status, 500, "{}", created.raw);
    assert_eq!(created.body["code"], "SANDBOX_STATE_NOT_SAVED");
    let list = send(client.get(sandbox.groups_url())).await;
    assert_eq!(list.body["meta"]["pagination"]["total"], 2);
    assert_eq!(std::fs::read(&path).unwrap(), before);

    // Once saving works again, so does the change.
    std::fs::remove_dir(dir.path().join("state.json.tmp")).unwrap();
    let created = send(
        client
            .post(sandbox.groups_url())
            .json(&json!({"name": "Kept", "description": "d"})),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.raw);
}
