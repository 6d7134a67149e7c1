//! Many `tallyfy-groups` processes against one sandbox (in this test, with latency)
//! and one real `redis-server` (started per test on a free port, stopped by pid):
//! with `--coordinator` twenty concurrent `add-members` all land, three processes
//! share one quota, a `kill -9`'d lock holder's lock expires and the next writer
//! proceeds, and a Redis stopped mid-run fails the change before it is written.

mod common;

use std::process::Child;
use std::time::Duration;

use common::coordinator::*;
use common::*;
use serde_json::Value;
use tallyfy_groups_sandbox::redis_server::RedisServer;
use tallyfy_groups_sandbox::{Sandbox, SandboxLimit};

/// A sandbox with `latency` per request and one empty group; its id.
fn sandbox(
    rt: &tokio::runtime::Runtime,
    latency: Duration,
    limit: Option<SandboxLimit>,
    seed: usize,
) -> (Sandbox, String) {
    let sandbox = start(rt, seed, latency, limit);
    let out = cli(
        &sandbox,
        None,
        &["create", "--name", "Target", "--description", "d", "--json"],
    )
    .output()
    .unwrap();
    let id = ok_json(&out)["id"].as_str().unwrap().to_owned();
    (sandbox, id)
}

fn members(sandbox: &Sandbox, id: &str) -> Vec<i64> {
    let group = ok_json(&cli(sandbox, None, &["get", id, "--json"]).output().unwrap());
    let mut ids: Vec<i64> = (group["members"].as_array().unwrap().iter())
        .map(|m| m.as_i64().or_else(|| m.as_str()?.parse().ok()).unwrap())
        .collect();
    ids.sort();
    ids
}

/// Polls (bounded) until a lock key exists in Redis.
fn wait_for_lock(redis: &RedisServer) {
    for _ in 0..500 {
        if keys_and_values(redis)
            .iter()
            .any(|(k, _)| k.contains(":lock:"))
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("no process took a lock");
}

// Proves the case: 20 processes each adding their own member at once, with the
// coordinator, end with all 20 present, every process exits 0; and the keys left in
// Redis are the prefix's quota/gate keys only, none holding the token.
#[test]
fn twenty_processes_all_land_with_the_coordinator() {
    let rt = runtime();
    let redis = RedisServer::start();
    let (sandbox, id) = sandbox(&rt, Duration::from_millis(20), None, 0);
    let url = redis.url();
    let children: Vec<Child> = (0..20)
        .map(|n| {
            let member = (1000 + n).to_string();
            (cli(
                &sandbox,
                Some(&url),
                &["--quota", "1000/1", "add-members", &id, &member],
            ))
            .spawn()
            .unwrap()
        })
        .collect();
    for out in wait_all(children) {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(members(&sandbox, &id), (1000..1020).collect::<Vec<_>>());
    let stored = keys_and_values(&redis);
    for (key, value) in &stored {
        assert!(
            key.starts_with("tallyfy-groups:quota:") || key.starts_with("tallyfy-groups:gate:"),
            "unexpected key {key}"
        );
        assert!(
            !key.contains(TOKEN) && !value.contains(TOKEN),
            "{key} = {value}"
        );
    }
    eprintln!("requests: {} for 20 changes", sandbox.request_count());
}

/// Three processes listing 60 groups 5 a page against a sandbox allowing 5 requests
/// a second, each declaring 5/1; with or without the coordinator. The 429 count.
fn three_listings(coordinator: bool) -> u64 {
    let rt = runtime();
    let redis = RedisServer::start();
    let limit: SandboxLimit = "window:5/1".parse().unwrap();
    let (sandbox, _) = sandbox(&rt, Duration::ZERO, Some(limit), 60);
    let url = redis.url();
    let args = ["--quota", "5/1", "list", "--all", "--per-page", "5"];
    let children = (0..3)
        .map(|_| {
            cli(&sandbox, coordinator.then_some(url.as_str()), &args)
                .spawn()
                .unwrap()
        })
        .collect();
    for out in wait_all(children) {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("61 groups"));
    }
    sandbox.rate_limited_count()
}

// Proves three processes sharing a quota of 5/s through Redis against a server
// allowing 5/s all complete with at most 3 429s in all; the same run without the
// coordinator is printed beside it (each process paces to 5/s alone).
#[test]
fn three_processes_share_one_quota() {
    let shared = three_listings(true);
    let alone = three_listings(false);
    eprintln!("429s: {shared} with the coordinator, {alone} without");
    assert!(shared <= 3, "{shared} 429s with the coordinator");
}

// Proves a lock holder killed with SIGKILL mid-change (held in the sandbox's latency)
// does not block the group for good: its lock expires after the TTL and the next
// writer's change lands, and nothing the next writer wrote is lost.
#[test]
fn a_killed_holders_lock_expires() {
    let rt = runtime();
    let redis = RedisServer::start();
    let (sandbox, id) = sandbox(&rt, Duration::from_millis(700), None, 0);
    let url = redis.url();
    let args = |m: &'static str| {
        [
            "--quota",
            "1000/1",
            "--lock-ttl",
            "1",
            "add-members",
            id.as_str(),
            m,
        ]
    };
    let mut holder = cli(&sandbox, Some(&url), &args("1")).spawn().unwrap();
    wait_for_lock(&redis);
    holder.kill().unwrap();
    holder.wait().unwrap();
    // The lock is still there (nobody released it) when the next writer starts.
    assert!(
        keys_and_values(&redis)
            .iter()
            .any(|(k, _)| k.contains(":lock:"))
    );
    let next = cli(&sandbox, Some(&url), &args("2")).output().unwrap();
    assert!(
        next.status.success(),
        "{}",
        String::from_utf8_lossy(&next.stderr)
    );
    assert!(members(&sandbox, &id).contains(&2));
}

// Proves the documented behaviour when Redis stops mid-run: the process holding the
// lock fails with one `error:` line naming the coordinator before its PUT, nothing
// is written, and a URL's password never shows.
#[test]
fn redis_stopped_mid_run_fails_before_writing() {
    let rt = runtime();
    let mut redis = RedisServer::start();
    let (sandbox, id) = sandbox(&rt, Duration::from_millis(700), None, 0);
    let url = redis.url();
    let writer = cli(
        &sandbox,
        Some(&url),
        &["--quota", "1000/1", "add-members", &id, "5"],
    )
    .spawn()
    .unwrap();
    wait_for_lock(&redis);
    let requests_before = sandbox.request_count();
    redis.stop();
    let out = writer.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let last = err.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: coordinator redis://127.0.0.1:"),
        "{err}"
    );
    assert!(last.contains("nothing was written"), "{err}");
    assert!(members(&sandbox, &id).is_empty(), "nothing was written");
    assert!(sandbox.request_count() >= requests_before);

    // A password in the URL is never printed, nor the access token.
    let secret = format!("redis://:hunter2@127.0.0.1:{}", redis.port());
    let out = cli(&sandbox, Some(&secret), &["list"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{err}"
    );
    assert!(!err.contains("hunter2") && !err.contains(TOKEN), "{err}");
    let _: Value = Value::Null;
}

/// One run of `n` processes each adding its own member: (members present, processes
/// that exited 0, requests the sandbox served, seconds).
fn adders(n: i64, coordinator: bool) -> (usize, usize, u64, f64) {
    let rt = runtime();
    let redis = RedisServer::start();
    let (sandbox, id) = sandbox(&rt, Duration::from_millis(20), None, 0);
    let before = sandbox.request_count();
    let url = redis.url();
    let started = std::time::Instant::now();
    let children: Vec<Child> = (0..n)
        .map(|i| {
            let member = (1000 + i).to_string();
            let args = [
                "--quota",
                "1000/1",
                "add-members",
                id.as_str(),
                member.as_str(),
            ];
            cli(&sandbox, coordinator.then_some(url.as_str()), &args)
                .spawn()
                .unwrap()
        })
        .collect();
    let ok = wait_all(children)
        .iter()
        .filter(|o| o.status.success())
        .count();
    let secs = started.elapsed().as_secs_f64();
    let requests = sandbox.request_count() - before;
    (members(&sandbox, &id).len(), ok, requests, secs)
}

// Not a test: the benchmark of scripts/bench/coordinator.sh (docs/benchmarks/
// coordinator.md). Prints the 20-process case and the shared quota, with and without
// the coordinator; asserts nothing.
#[test]
#[ignore = "a benchmark: scripts/bench/coordinator.sh"]
fn bench_coordinator() {
    for coordinator in [true, false] {
        let (present, ok, requests, secs) = adders(20, coordinator);
        println!(
            "20 adders, coordinator={coordinator}: {present}/20 present, {ok} exited 0, \
             {requests} requests ({:.2} per change), {secs:.2} s",
            requests as f64 / 20.0
        );
    }
    for coordinator in [true, false] {
        let started = std::time::Instant::now();
        let throttled = three_listings(coordinator);
        println!(
            "3 listings sharing 5/s, coordinator={coordinator}: {throttled} 429s, {:.2} s",
            started.elapsed().as_secs_f64()
        );
    }
}
