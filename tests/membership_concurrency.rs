//! Read-modify-writes under concurrency, over real HTTP against the sandbox: nothing
//! lost within one client and its clones, different groups in parallel, and the cost
//! of a change in requests (printed; see BENCHMARKS.md "Membership writes").

mod common;

use common::sandbox_builder;
use std::collections::{BTreeSet, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tallyfy_groups::{Client, Group};
use tallyfy_groups_sandbox::{RequestInfo, Sandbox, SandboxBuilder};

/// A client for the sandbox; every request the sandbox sees is one of its.
fn client(sandbox: &Sandbox) -> Client {
    sandbox_builder(sandbox).build().expect("client builds")
}

fn sandbox() -> SandboxBuilder {
    Sandbox::builder().latency(Duration::from_millis(5))
}

async fn new_group(client: &Client, name: &str, members: impl IntoIterator<Item = i64>) -> Group {
    client
        .groups()
        .create(name)
        .description("A test group.")
        .members(members)
        .send()
        .await
        .expect("group created")
}

async fn member_set(client: &Client, id: &str) -> BTreeSet<i64> {
    let group = client.groups().get(id).send().await.unwrap();
    group.member_ids().unwrap().into_iter().collect()
}

// Proves 50 concurrent add_members through one client lose nothing (all 50 present),
// and that they were serialized, not raced and repaired: exactly 4 requests each
// (read, compare read, PUT, confirming read), so no compare read ever found a change
// and no confirming read missed one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_adds_through_one_client() {
    let sandbox = sandbox().start().await;
    let client = client(&sandbox);
    let group = new_group(&client, "Fifty", []).await;
    let before = sandbox.request_count();
    let groups = client.groups();
    let adds = (0..50).map(|i| groups.add_members(&group.id, [5000 + i]));
    for result in futures::future::join_all(adds).await {
        result.unwrap();
    }
    let requests = sandbox.request_count() - before;
    eprintln!("membership writes: 50 single-member changes, {requests} requests");
    assert_eq!(
        requests, 200,
        "one read, one compare read, one PUT and one confirming read per change"
    );
    assert_eq!(member_set(&client, &group.id).await, (5000..5050).collect());
}

// Proves the lock is shared by clones: 50 spawned tasks, each with its own clone of
// the client, end with all 50 members and exactly 4 requests per change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_adds_through_clones() {
    let sandbox = sandbox().start().await;
    let client = client(&sandbox);
    let group = new_group(&client, "Fifty clones", []).await;
    let before = sandbox.request_count();
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let (client, id) = (client.clone(), group.id.clone());
            tokio::spawn(async move { client.groups().add_members(&id, [6000 + i]).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(sandbox.request_count() - before, 200);
    assert_eq!(member_set(&client, &group.id).await, (6000..6050).collect());
}

// Proves 25 additions and 25 removals of different members, all at once, end in
// exactly the expected set: the 25 added, none of the 25 removed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adds_and_removes_at_once_end_in_the_exact_set() {
    let sandbox = sandbox().start().await;
    let client = client(&sandbox);
    let group = new_group(&client, "Churn", 100..125).await;
    let tasks: Vec<_> = (0..25)
        .flat_map(|i| {
            let add = {
                let (client, id) = (client.clone(), group.id.clone());
                tokio::spawn(async move { client.groups().add_members(&id, [200 + i]).await })
            };
            let remove = {
                let (client, id) = (client.clone(), group.id.clone());
                tokio::spawn(async move { client.groups().remove_members(&id, [100 + i]).await })
            };
            [add, remove]
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(member_set(&client, &group.id).await, (200..225).collect());
}

// Proves changes to 10 different groups do not wait on each other, by the order the
// sandbox sees requests in: each group's first read is held at the sandbox until the
// first reads of all 10 groups have arrived. If one group's change waited for
// another's, fewer than 10 first reads could ever arrive and the barrier would never
// open (the timeout only turns that hang into a failure). Then the first 10 requests
// are reads of 10 distinct groups.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn different_groups_do_not_wait_on_each_other() {
    let armed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let order: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let seen: Arc<Mutex<HashSet<String>>> = Arc::default();
    let barrier = Arc::new(tokio::sync::Barrier::new(10));
    let hook = {
        let (armed, order, seen, barrier) = (armed.clone(), order.clone(), seen.clone(), barrier);
        move |info: RequestInfo| {
            let (armed, order, seen, barrier) =
                (armed.clone(), order.clone(), seen.clone(), barrier.clone());
            async move {
                if !armed.load(std::sync::atomic::Ordering::SeqCst) {
                    return;
                }
                let group = info.path.rsplit('/').next().unwrap_or_default().to_owned();
                order
                    .lock()
                    .unwrap()
                    .push((info.method.clone(), group.clone()));
                let first_read = info.method == "GET" && seen.lock().unwrap().insert(group);
                if first_read {
                    barrier.wait().await;
                }
            }
        }
    };
    let sandbox = sandbox().on_request(hook).start().await;
    let client = client(&sandbox);
    let mut ids = Vec::new();
    for i in 0..10 {
        ids.push(new_group(&client, &format!("Parallel {i}"), []).await.id);
    }
    armed.store(true, std::sync::atomic::Ordering::SeqCst);
    let groups = client.groups();
    let changes = ids.iter().map(|id| groups.add_members(id, [42]));
    let all = tokio::time::timeout(Duration::from_secs(60), futures::future::join_all(changes))
        .await
        .expect("changes to different groups waited on each other");
    for result in all {
        result.unwrap();
    }
    let order = order.lock().unwrap().clone();
    let first: HashSet<&str> = order[..10]
        .iter()
        .inspect(|(method, _)| assert_eq!(method, "GET"))
        .map(|(_, group)| group.as_str())
        .collect();
    assert_eq!(first, ids.iter().map(String::as_str).collect());
    assert_eq!(
        order.len(),
        40,
        "read, compare read, PUT, confirming read per group"
    );
}

// Proves update() with unset fields, run concurrently with other updates and with
// membership changes on the same group, keeps every field another task set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_updates_under_concurrency_keep_every_field() {
    let sandbox = sandbox().start().await;
    let client = client(&sandbox);
    let group = new_group(&client, "Before", [1]).await;
    let id = group.id.clone();
    let g = client.groups();
    let name = g.update(&id).name("After").send();
    let description = g.update(&id).description("Set by another task.").send();
    let guests = g.update(&id).guests(["guest@example.com"]).send();
    let (n, d, gu, adds) = tokio::join!(
        name,
        description,
        guests,
        futures::future::join_all((2..12).map(|m| g.add_members(&id, [m])))
    );
    n.unwrap();
    d.unwrap();
    gu.unwrap();
    adds.into_iter().for_each(|r| {
        r.unwrap();
    });
    let after = g.get(&id).send().await.unwrap();
    assert_eq!(after.name.to_string(), "After");
    assert_eq!(after.description.as_deref(), Some("Set by another task."));
    assert_eq!(after.guests, ["guest@example.com"]);
    assert_eq!(member_set(&client, &id).await, (1..12).collect());
}

// Proves a batch costs the same as one change: 500 additions in one add_members are
// one read, one compare read, one PUT and one confirming read, and all 500 arrive.
#[tokio::test]
async fn five_hundred_additions_are_one_put() {
    let sandbox = Sandbox::builder().start().await;
    let client = client(&sandbox);
    let group = new_group(&client, "Batch", []).await;
    let before = sandbox.request_count();
    client
        .groups()
        .add_members(&group.id, 10_000..10_500)
        .await
        .unwrap();
    let requests = sandbox.request_count() - before;
    eprintln!("membership writes: one change of 500 additions, {requests} requests");
    assert_eq!(requests, 4);
    assert_eq!(
        member_set(&client, &group.id).await,
        (10_000..10_500).collect()
    );
}

// Proves, against the sandbox, that a change by another writer (a second client, as
// another process would be: its own locks) landing between our read and our compare
// read is kept: the sandbox hook runs the other writer's add_members just before our
// compare read is answered, ours is re-applied to the fresh copy, and the group ends
// with both members. Ours cost 5 requests (read, stale compare read, compare read,
// PUT, confirming read), theirs 4.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_writer_between_read_and_put_is_kept() {
    type Other = Arc<std::sync::OnceLock<(Client, String)>>;
    let other: Other = Arc::default();
    let gets = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let hook = {
        let (other, gets) = (other.clone(), gets.clone());
        move |info: RequestInfo| {
            let (other, gets) = (other.clone(), gets.clone());
            async move {
                let Some((client, id)) = other.get() else {
                    return;
                };
                if info.method != "GET" || !info.path.ends_with(id.as_str()) {
                    return;
                }
                // Our read is GET 1, our compare read GET 2; the other writer's own
                // requests come after and pass straight through.
                if gets.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 1 {
                    client.groups().add_members(id, [9001]).await.unwrap();
                }
            }
        }
    };
    let sandbox = sandbox().on_request(hook).start().await;
    let ours = client(&sandbox);
    let group = new_group(&ours, "Two writers", [1]).await;
    other.set((client(&sandbox), group.id.clone())).unwrap();
    let before = sandbox.request_count();
    ours.groups().add_members(&group.id, [7]).await.unwrap();
    assert_eq!(sandbox.request_count() - before, 9);
    assert_eq!(
        member_set(&ours, &group.id).await,
        [1, 7, 9001].into_iter().collect()
    );
}
