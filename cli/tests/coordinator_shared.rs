//! What the Redis coordinator shares beyond the locks, process against process (each
//! a `tallyfy-groups` CLI process; one real `redis-server` per test, stopped by pid):
//! a fixed window one process learns from a 429 holds every process, against a
//! sandbox limited as Laravel limits; and `plan` / `apply` take the same locks and
//! quota as the other commands, so an apply running among adders loses nothing.

mod common;

use std::collections::BTreeSet;
use std::process::Child;
use std::time::{Duration, Instant};

use common::coordinator::*;
use common::*;
use tallyfy_groups_sandbox::SandboxLimit;
use tallyfy_groups_sandbox::redis_server::{RedisServer, Reply};

/// One run of three processes each listing every group, 4 a page, against a sandbox
/// of 60 groups limited as Laravel limits (10 requests per 3 s, each window opened by
/// its first request, no `Reset` on passing answers), with or without the coordinator;
/// each process declares 1,000/s (so no declared quota paces it). Every process must
/// exit 0 having listed every group once. (429s in all, each process's 429s as it
/// reports them, seconds, Redis' keys.)
fn three_laravel_listings(coordinator: bool) -> (u64, Vec<u64>, f64, Vec<(String, String)>) {
    let rt = runtime();
    let redis = RedisServer::start();
    let limit: SandboxLimit = "laravel:10/3".parse().unwrap();
    let sandbox = start(&rt, 60, Duration::ZERO, Some(limit));
    let url = redis.url();
    let args = [
        "--quota",
        "1000/1",
        "--json",
        "list",
        "--all",
        "--per-page",
        "4",
    ];
    let started = Instant::now();
    let children = (0..3)
        .map(|_| {
            cli(&sandbox, coordinator.then_some(url.as_str()), &args)
                .spawn()
                .unwrap()
        })
        .collect();
    let mut each = Vec::new();
    for out in wait_all(children) {
        let err = stderr(&out);
        let throttled = (err.lines())
            .find_map(|l| {
                l.split_once(" pages; ")?
                    .1
                    .split_once(" requests throttled")
            })
            .and_then(|(n, _)| n.parse().ok())
            .unwrap_or_else(|| panic!("no summary line: {err}"));
        each.push(throttled);
        let listed = ok_json(&out);
        let ids: Vec<&str> = (listed["data"].as_array().unwrap().iter())
            .map(|g| g["id"].as_str().unwrap())
            .collect();
        let unique: BTreeSet<&str> = ids.iter().copied().collect();
        assert_eq!((ids.len(), unique.len()), (60, 60), "every group once");
    }
    let secs = started.elapsed().as_secs_f64();
    (
        sandbox.rate_limited_count(),
        each,
        secs,
        keys_and_values(&redis),
    )
}

// Proves the learned window is shared: three processes listing 60 groups (15 pages
// each, 45 requests: four and a half windows of 10 per 3 s) through the coordinator
// meet at most 3 429s in all, at most one per process: the first wave, in flight
// before the first 429's pause and window reached Redis; after it, every process is
// held to 10 sends per window counted over all three, so no window is overrun again.
// Redis then holds the learned window (10 requests, at least 3 s) and the send times,
// numbers only. Without the coordinator each process learns the window too but counts
// only its own sends, so together they overrun each window: that run is asserted only
// to meet more 429s than the shared one (it does, by the figures printed).
#[test]
fn a_window_learned_by_one_process_holds_all_three() {
    let (shared, shared_each, shared_secs, keys) = three_laravel_listings(true);
    let (alone, alone_each, alone_secs, _) = three_laravel_listings(false);
    eprintln!(
        "3 listings against laravel:10/3, 45 requests: {shared} 429s {shared_each:?} in \
         {shared_secs:.2} s with the coordinator, {alone} 429s {alone_each:?} in \
         {alone_secs:.2} s without"
    );
    assert!(shared <= 3, "{shared} 429s with the coordinator");
    assert!(shared_each.iter().all(|n| *n <= 1), "{shared_each:?}");
    assert!(alone > shared, "{alone} without, {shared} with");
    let learned = keys
        .iter()
        .find(|(k, _)| k.starts_with("tallyfy-groups:learned:"))
        .unwrap_or_else(|| panic!("no learned window in Redis: {keys:?}"));
    assert!(learned.1.contains("Text(\"10\")"), "{learned:?}");
    let length_us: u64 = (learned.1.split('"').nth(3))
        .and_then(|v| v.split(':').next()?.parse().ok())
        .unwrap_or_else(|| panic!("{learned:?}"));
    assert!(
        (3_000_000..5_000_000).contains(&length_us),
        "learned 10 per {length_us} us"
    );
    for (key, value) in &keys {
        assert!(!key.contains(TOKEN) && !value.contains(TOKEN), "{key}");
        let allowed = [":quota:", ":gate:", ":learned:", ":sent:"];
        assert!(allowed.iter().any(|a| key.contains(a)), "unexpected {key}");
    }
}

/// Polls (bounded) until a lock key exists in Redis.
fn wait_for_lock(redis: &RedisServer) {
    for _ in 0..1000 {
        let Reply::Array(keys) = redis.command(&["KEYS", "tallyfy-groups:lock:*"]) else {
            panic!("KEYS")
        };
        if !keys.is_empty() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("no process took a lock");
}

// Proves `apply` (groups as code) works with `--coordinator`: started alone, it takes
// the group's lock in Redis (the key appears while only it runs); five `add-members`
// processes started while it holds the lock wait their turn; at the end every one of
// them and the apply exited 0, the group has the file's members and all five added
// ones (ignored by the file, so the apply keeps them), nothing is lost, `plan
// --coordinator` reports no change, and Redis holds no lock and no token.
#[test]
fn apply_takes_the_shared_locks_among_adders() {
    let rt = runtime();
    let redis = RedisServer::start();
    let sandbox = start(&rt, 0, Duration::from_millis(200), None);
    let url = redis.url();
    let created = cli(
        &sandbox,
        None,
        &["--json", "create", "--name", "Target", "--description", "d"],
    )
    .output()
    .unwrap();
    let id = ok_json(&created)["id"].as_str().unwrap().to_owned();
    let dir = TempDir::new();
    let file = dir.path().join("groups.yaml");
    std::fs::write(
        &file,
        "groups:\n  - name: Target\n    members: [1, 2, 3]\n\
         ignore:\n  members: [1000, 1001, 1002, 1003, 1004]\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let quota = ["--quota", "1000/1"];
    let apply = cli(
        &sandbox,
        Some(&url),
        &[&quota[..], &["apply", path, "--yes"]].concat(),
    )
    .spawn()
    .unwrap();
    wait_for_lock(&redis);
    let adders: Vec<Child> = (1000..1005)
        .map(|member: i64| {
            let member = member.to_string();
            let args = [&quota[..], &["add-members", &id, &member]].concat();
            cli(&sandbox, Some(&url), &args).spawn().unwrap()
        })
        .collect();
    let applied = apply.wait_with_output().unwrap();
    assert!(applied.status.success(), "{}", stderr(&applied));
    assert!(String::from_utf8_lossy(&applied.stdout).contains("applied 1 of 1 changes"));
    for out in wait_all(adders) {
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let group = ok_json(
        &cli(&sandbox, None, &["--json", "get", &id])
            .output()
            .unwrap(),
    );
    let mut members: Vec<i64> = (group["members"].as_array().unwrap().iter())
        .map(|m| m.as_i64().or_else(|| m.as_str()?.parse().ok()).unwrap())
        .collect();
    members.sort();
    assert_eq!(members, [1, 2, 3, 1000, 1001, 1002, 1003, 1004]);
    let plan = cli(
        &sandbox,
        Some(&url),
        &[&quota[..], &["plan", path, "--detailed-exitcode"]].concat(),
    )
    .output()
    .unwrap();
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    for (key, value) in keys_and_values(&redis) {
        assert!(!key.contains(":lock:"), "a lock left behind: {key}");
        assert!(!key.contains(TOKEN) && !value.contains(TOKEN), "{key}");
    }
}
