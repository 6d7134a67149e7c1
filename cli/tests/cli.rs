//! The `tallyfy-groups` CLI with no token, as a user runs it: separate processes
//! sharing the local sandbox's state file. Every test uses its own temporary state
//! file (never the default one under `target/`).

mod common;

use std::process::{Command, Output, Stdio};

use common::*;
use serde_json::Value;

/// Proves the newcomer's walk-through works as separate commands: a group
/// created by one process is found by the next ones (list --q, get), gets
/// members added, is deleted, and is then gone (404, non-zero exit); stderr
/// says the sandbox is in use and names the state file.
#[test]
fn create_then_get_in_separate_processes() {
    let dir = TempDir::new();
    let state = dir.path().join("state.json");

    let created = groups(
        &state,
        &["create", "--name", "Ops", "--description", "x", "--json"],
    );
    let note = stderr(&created);
    assert!(note.contains("using the local sandbox"), "{note}");
    assert!(note.contains(state.to_str().unwrap()), "{note}");
    let id = ok_json(&created)["id"].as_str().unwrap().to_owned();

    let got = groups(&state, &["get", &id, "--json"]);
    assert!(
        stderr(&got).contains("state loaded from"),
        "{}",
        stderr(&got)
    );
    let got = ok_json(&got);
    assert_eq!(got["name"], "Ops");
    assert_eq!(got["description"], "x");

    let found = ok_json(&groups(&state, &["list", "--q", "Ops", "--json"]));
    let ids: Vec<&str> = found["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id.as_str()]);

    let added = ok_json(&groups(
        &state,
        &["add-members", &id, "1001", "1002", "--json"],
    ));
    assert_eq!(added["members"], serde_json::json!([1001, 1002]));
    let got = ok_json(&groups(&state, &["get", &id, "--json"]));
    assert_eq!(got["members"], serde_json::json!([1001, 1002]));

    let deleted = groups(&state, &["delete", &id]);
    assert!(deleted.status.success(), "{}", stderr(&deleted));
    let gone = groups(&state, &["get", &id]);
    assert!(!gone.status.success());
    assert!(stderr(&gone).contains("404"), "{}", stderr(&gone));
}

/// Proves `--reset-sandbox` forgets what earlier commands did: the group
/// created before is 404 after a reset, and the seed's 300 groups are back.
#[test]
fn reset_sandbox_forgets_changes() {
    let dir = TempDir::new();
    let state = dir.path().join("state.json");
    let created = ok_json(&groups(
        &state,
        &["create", "--name", "Temp", "--description", "", "--json"],
    ));
    let id = created["id"].as_str().unwrap();
    assert!(groups(&state, &["get", id]).status.success());

    let reset = groups(&state, &["--reset-sandbox"]);
    assert!(reset.status.success(), "{}", stderr(&reset));
    let gone = groups(&state, &["get", id]);
    assert!(!gone.status.success());
    assert!(stderr(&gone).contains("404"), "{}", stderr(&gone));
    let all = ok_json(&groups(&state, &["list", "--all", "--json"]));
    assert_eq!(all["data"].as_array().unwrap().len(), 300);
}

/// Proves `list --page 2 --per-page 25` is one page: groups 26 to 50 of the
/// seed, in order, with the page's own pagination; and that `--page` with
/// `--all` is refused as a usage error.
#[test]
fn list_page_two_of_twenty_five() {
    let dir = TempDir::new();
    let state = dir.path().join("state.json");
    let page = ok_json(&groups(
        &state,
        &["list", "--page", "2", "--per-page", "25", "--json"],
    ));
    let names: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (26..=50).map(|i| format!("Group {i:04}")).collect();
    assert_eq!(names, expected);
    assert_eq!(page["meta"]["pagination"]["current_page"], 2);
    assert_eq!(page["meta"]["pagination"]["total"], 300);

    let both = groups(&state, &["list", "--page", "2", "--all"]);
    assert_eq!(both.status.code(), Some(2), "{}", stderr(&both));
}

/// Proves concurrent commands on one state file take turns instead of
/// corrupting it: eight `create` processes started together all succeed
/// (each waits for the lock), and afterwards the file loads and holds all
/// eight groups.
#[test]
fn concurrent_commands_take_turns() {
    let dir = TempDir::new();
    let state = dir.path().join("state.json");
    let children: Vec<_> = (0..8)
        .map(|i| {
            groups_command(
                &state,
                &[
                    "create",
                    "--name",
                    &format!("Parallel {i}"),
                    "--description",
                    "",
                ],
            )
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the CLI starts")
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let found = ok_json(&groups(
        &state,
        &["list", "--q", "Parallel", "--per-page", "100", "--json"],
    ));
    assert_eq!(found["data"].as_array().unwrap().len(), 8);
}

/// Proves `TALLYFY_SANDBOX_STATE` picks the state file when the flag is not
/// given, and that a corrupt state file is refused (non-zero exit, the file
/// named, the way out suggested) and left as it was.
#[test]
fn env_var_picks_the_state_file_and_corrupt_files_are_refused() {
    let dir = TempDir::new();
    let state = dir.path().join("from-env.json");
    let output = Command::new(groups_exe())
        .args(["list", "--per-page", "1"])
        .env_remove("TALLYFY_ACCESS_TOKEN")
        .env("TALLYFY_SANDBOX_STATE", &state)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains(state.to_str().unwrap()));
    assert!(state.is_file());

    let corrupt = dir.path().join("corrupt.json");
    std::fs::write(&corrupt, "{\"format\": ").unwrap();
    let output = groups(&corrupt, &["list"]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains(corrupt.to_str().unwrap()), "{message}");
    assert!(message.contains("--reset-sandbox"), "{message}");
    assert_eq!(std::fs::read_to_string(&corrupt).unwrap(), "{\"format\": ");
}

/// Proves the issue #19 walk-through against the sandbox, which refuses a null or
/// empty description as the live server does: `create --description ""` makes a
/// group with a null description, `add-members` on it succeeds and leaves it null,
/// and `list --sort desc` puts that newest group first.
#[test]
fn null_description_group_takes_members_and_sort_desc_lists_newest_first() {
    let dir = TempDir::new();
    let state = dir.path().join("state.json");
    let created = ok_json(&groups(
        &state,
        &["create", "--name", "Bare", "--description", "", "--json"],
    ));
    assert_eq!(created["description"], Value::Null);
    let id = created["id"].as_str().unwrap();
    let added = ok_json(&groups(&state, &["add-members", id, "4242", "--json"]));
    assert_eq!(added["members"], serde_json::json!([4242]));
    assert_eq!(added["description"], Value::Null);
    // As the sandbox sent them: its undocumented fields, nulls and empty lists.
    assert_eq!(added["is_system"], Value::Bool(false));
    assert_eq!(added["deleted_at"], Value::Null);
    assert_eq!(added["logo"], Value::Null);
    assert_eq!(added["guests"], serde_json::json!([]));
    let newest = ok_json(&groups(
        &state,
        &["list", "--sort", "desc", "--per-page", "1", "--json"],
    ));
    assert_eq!(newest["data"][0]["id"], created["id"]);
}

/// A server whose one page holds 2 groups while its `total` says 3: the listing is
/// short. Proves `list --all` prints the groups that did arrive and then exits
/// non-zero with the typed error's message (expected 3, got 2), and that with
/// `--allow-incomplete` it exits 0 and reports the shortfall instead.
#[test]
fn short_listing_prints_what_arrived_then_fails_unless_allowed() {
    let server = httpmock::MockServer::start();
    let group = |id: char, name: &str| serde_json::json!({ "id": id.to_string().repeat(32), "name": name, "members": [], "guests": [] });
    server.mock(|when, then| {
        when.method("GET").path("/organizations/org1/groups");
        then.status(200).json_body(serde_json::json!({
            "data": [group('a', "Alpha"), group('b', "Bravo")],
            "meta": { "pagination": {
                "total": 3, "count": 2, "per_page": 10, "current_page": 1, "total_pages": 1
            } }
        }));
    });
    let state = TempDir::new();
    let run = |extra: &[&str]| {
        let mut args = vec!["list", "--all"];
        args.extend_from_slice(extra);
        groups_command(&state.path().join("unused.json"), &args)
            .env("TALLYFY_ACCESS_TOKEN", "test-token")
            .env("TALLYFY_ORG_ID", "org1")
            .env("TALLYFY_BASE_URL", server.base_url())
            .output()
            .expect("the CLI runs")
    };

    let strict = run(&[]);
    let out = String::from_utf8_lossy(&strict.stdout);
    assert!(
        !strict.status.success(),
        "a short listing must exit non-zero"
    );
    assert!(
        out.contains("Alpha") && out.contains("Bravo"),
        "stdout: {out}"
    );
    assert!(
        stderr(&strict).contains("got 2 of the 3 items"),
        "stderr: {}",
        stderr(&strict)
    );

    let allowed = run(&["--allow-incomplete"]);
    let out = String::from_utf8_lossy(&allowed.stdout);
    assert!(allowed.status.success(), "stderr: {}", stderr(&allowed));
    assert!(out.lines().any(|l| l == "2 groups"), "stdout: {out}");
    assert!(
        stderr(&allowed).contains("incomplete: 1 of the server's 3 groups did not arrive"),
        "stderr: {}",
        stderr(&allowed)
    );
}

/// Runs `groups ARGS` against `server` as the live API (a token in the environment).
fn groups_at(server: &httpmock::MockServer, args: &[&str]) -> Output {
    let state = TempDir::new();
    groups_command(&state.path().join("unused.json"), args)
        .env("TALLYFY_ACCESS_TOKEN", "test-token")
        .env("TALLYFY_ORG_ID", "org1")
        .env("TALLYFY_BASE_URL", server.base_url())
        .output()
        .expect("the CLI runs")
}

/// Proves `--json` prints groups as the server sent them (issue #19): `get` prints
/// the group object exactly (an undocumented `is_system`, a nested unknown value,
/// `logo: null`, `guests: []`, string member ids), `list` prints the page's body
/// exactly (unknown keys at every level), and `list --all` with concurrency prints
/// every group of both pages exactly, in page order.
#[test]
fn json_prints_groups_as_the_server_sent_them() {
    use serde_json::json;
    let server = httpmock::MockServer::start();
    let group = |id: char| {
        json!({ "id": id.to_string().repeat(32), "name": format!("Group {id}"),
            "description": null, "logo": null, "members": ["1001", 1005], "guests": [],
            "is_system": id == 'a', "deleted_at": null, "custom": {"k": [1, null]},
            "created_at": "2023-01-15T09:00:00.000000Z" })
    };
    let a = "a".repeat(32);
    server.mock(|when, then| {
        when.method("GET")
            .path(format!("/organizations/org1/groups/{a}"));
        then.status(200).json_body(json!({ "data": group('a') }));
    });
    let page = |n: u64, ids: [char; 2]| {
        json!({ "data": [group(ids[0]), group(ids[1])], "top_level_new": n,
            "meta": { "pagination": { "total": 4, "count": 2, "per_page": 2,
                "current_page": n, "total_pages": 2, "links": [] }, "meta_new": true } })
    };
    let (one, two) = (page(1, ['a', 'b']), page(2, ['c', 'd']));
    server.mock(|when, then| {
        when.method("GET")
            .path("/organizations/org1/groups")
            .query_param("page", "2");
        then.status(200).json_body(two.clone());
    });
    server.mock(|when, then| {
        when.method("GET").path("/organizations/org1/groups");
        then.status(200).json_body(one.clone());
    });

    assert_eq!(
        ok_json(&groups_at(&server, &["get", &a, "--json"])),
        group('a')
    );
    assert_eq!(
        ok_json(&groups_at(&server, &["list", "--per-page", "2", "--json"])),
        one
    );
    let all = ok_json(&groups_at(
        &server,
        &[
            "list",
            "--all",
            "--per-page",
            "2",
            "--concurrency",
            "2",
            "--json",
        ],
    ));
    assert_eq!(
        all,
        json!({ "data": [group('a'), group('b'), group('c'), group('d')] })
    );
}
