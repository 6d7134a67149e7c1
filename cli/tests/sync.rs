//! `export` and `plan` as a user runs them against the local sandbox: a file exported
//! plans as no change, a changed file plans its changes (and exits 2 with
//! `--detailed-exitcode`), and a bad file is refused with `FILE:LINE:COLUMN` lines
//! before anything is read.

mod common;

use common::*;

// Proves export then plan reports no change: exit 0 even with --detailed-exitcode,
// and the JSON summary counts every group unchanged.
#[test]
fn exported_file_plans_no_change() {
    let dir = TempDir::new();
    let state = dir.path().join("state.json");
    let file = dir.path().join("groups.yaml");
    let export = groups(&state, &["export", "--output", file.to_str().unwrap()]);
    assert!(export.status.success(), "{}", stderr(&export));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("groups:\n"), "{text}");
    let plan = groups(
        &state,
        &["plan", file.to_str().unwrap(), "--detailed-exitcode"],
    );
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    let json = ok_json(&groups(&state, &["--json", "plan", file.to_str().unwrap()]));
    assert_eq!(json["changes"], serde_json::json!([]));
    assert_eq!(json["summary"]["unchanged"], 300);
    // The apply would only list: 300 groups, 3 pages of 100.
    assert_eq!(json["requests"], 3);
}

// Proves a prepared change set is planned as such: one update (+1 member), one
// create, nothing else; exit 2 with --detailed-exitcode, 0 without; nothing written.
#[test]
fn changes_are_planned_and_nothing_is_written() {
    let dir = TempDir::new();
    let state = dir.path().join("state.json");
    let file = dir.path().join("groups.yaml");
    std::fs::write(
        &file,
        "groups:\n  - name: Group 0001\n    members: [1010, 7]\n  - name: Brand new\n    members: [5]\n",
    )
    .unwrap();
    let plan = groups(
        &state,
        &["plan", file.to_str().unwrap(), "--detailed-exitcode"],
    );
    assert_eq!(plan.status.code(), Some(2), "{}", stderr(&plan));
    let text = String::from_utf8_lossy(&plan.stdout);
    assert!(text.contains("~ update \"Group 0001\""), "{text}");
    assert!(text.contains("members +7"), "{text}");
    assert!(text.contains("+ create \"Brand new\""), "{text}");
    let json = ok_json(&groups(&state, &["--json", "plan", file.to_str().unwrap()]));
    assert_eq!(
        json["summary"],
        serde_json::json!({"create": 1, "update": 1, "delete": 0, "unchanged": 0})
    );
    // Three listing pages, a create, an update's read, compare read, PUT and
    // confirming read.
    assert_eq!(json["requests"], 8);
    // Planning twice changed nothing: the same plan again.
    let again = ok_json(&groups(&state, &["--json", "plan", file.to_str().unwrap()]));
    assert_eq!(again["changes"], json["changes"]);
}

// Proves each kind of bad file is refused with its position and exit 1: not YAML,
// an unknown key, `members: null`, and the library's checks (an id out of range,
// a duplicate name, a malformed email), each at the field it names.
#[test]
fn bad_files_are_refused_with_their_positions() {
    let dir = TempDir::new();
    let state = dir.path().join("state.json");
    let cases = [
        ("groups: [\n", vec!["bad.yaml:1:9:"]),
        (
            "groups:\n  - name: Sales\n    colour: red\n",
            vec!["bad.yaml:3:5: unknown field `colour`"],
        ),
        (
            "groups:\n  - name: Sales\n    members: null\n",
            vec!["bad.yaml:3:14:"],
        ),
        (
            "groups:\n  - name: Sales\n    members: [1, 0]\n  - name: Sales\n    guests: [nope]\n",
            vec![
                "bad.yaml:3:18: groups[0].members[1]: user id 0 is not between 1 and",
                "bad.yaml:4:11: groups[1].name: \"Sales\" is also the name of groups[0]",
                "bad.yaml:5:14: groups[1].guests[0]: \"nope\" is not an email address",
            ],
        ),
    ];
    for (text, expected) in cases {
        let file = dir.path().join("bad.yaml");
        std::fs::write(&file, text).unwrap();
        let plan = groups(&state, &["plan", file.to_str().unwrap()]);
        assert_eq!(plan.status.code(), Some(1), "{text}");
        let err = stderr(&plan);
        for line in expected {
            assert!(
                err.lines()
                    .any(|l| l.contains(line) && l.starts_with("error: ")),
                "{text:?}: expected {line:?} in\n{err}"
            );
        }
    }
}

// Proves apply: without --yes it writes nothing (the plan is the same after); with
// --yes it applies and converges (plan --detailed-exitcode then exits 0, a second
// apply has no change); a prune past the removal limit is refused with exit 1 and
// nothing written.
#[test]
fn apply_dry_run_then_converges_and_refuses_mass_removal() {
    let dir = TempDir::new();
    let state = dir.path().join("state.json");
    let file = dir.path().join("groups.yaml");
    let path = file.to_str().unwrap();
    std::fs::write(
        &file,
        "groups:\n  - name: Group 0001\n    members: [1010, 7]\n",
    )
    .unwrap();
    let dry = groups(&state, &["apply", path]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert!(String::from_utf8_lossy(&dry.stdout).contains("dry run: nothing was written"));
    let still = groups(&state, &["plan", path, "--detailed-exitcode"]);
    assert_eq!(still.status.code(), Some(2), "the dry run wrote nothing");
    let applied = groups(&state, &["apply", path, "--yes"]);
    assert!(applied.status.success(), "{}", stderr(&applied));
    assert!(String::from_utf8_lossy(&applied.stdout).contains("applied 1 of 1 changes"));
    let converged = groups(&state, &["plan", path, "--detailed-exitcode"]);
    assert_eq!(
        converged.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&converged.stdout)
    );
    std::fs::write(&file, "groups:\n  - name: Group 0001\nprune: true\n").unwrap();
    let refused = groups(&state, &["apply", path, "--yes"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("nothing was sent"),
        "{}",
        stderr(&refused)
    );
    let listed = ok_json(&groups(&state, &["--json", "list", "--all"]));
    assert_eq!(
        listed["data"].as_array().unwrap().len(),
        300,
        "nothing was deleted"
    );
}

// Proves a journaled apply killed with SIGKILL mid-run is finished by --resume: the
// desired state is reached (plan then reports no change), no group is created twice,
// and writes the journal shows done are not sent again. The sandbox is rate-limited
// (3 requests a second) so the kill lands while writes remain.
#[test]
fn sigkill_mid_apply_then_resume_finishes_without_duplicates() {
    let dir = TempDir::new();
    let state = dir.path().join("state.json");
    let file = dir.path().join("groups.yaml");
    let journal = dir.path().join("apply.journal");
    let mut yaml = String::from("groups:\n");
    for i in 0..12 {
        yaml.push_str(&format!(
            "  - name: Synced {i:02}\n    members: [{}]\n",
            100 + i
        ));
    }
    std::fs::write(&file, &yaml).unwrap();
    let (path, journal_path) = (file.to_str().unwrap(), journal.to_str().unwrap());
    let mut run = groups_command(
        &state,
        &[
            "apply",
            path,
            "--yes",
            "--journal",
            journal_path,
            "--concurrency",
            "1",
        ],
    )
    .env("GROUPS_SANDBOX_LIMIT", "window:3/1")
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .spawn()
    .expect("the CLI starts");
    let done_lines = || {
        std::fs::read_to_string(&journal)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("\"entry\":\"done\""))
            .count()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while done_lines() < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "the apply made no progress"
        );
        assert!(
            run.try_wait().unwrap().is_none(),
            "the apply ended before the kill"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    run.kill().unwrap(); // SIGKILL
    run.wait().unwrap();
    let done_before = done_lines();
    assert!(done_before < 12, "the kill came after the last write");

    let resumed = groups(&state, &["apply", "--resume", journal_path, "--yes"]);
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    let out = String::from_utf8_lossy(&resumed.stdout);
    assert!(
        out.contains(&format!("{done_before} of 12 changes done")),
        "{out}"
    );

    let listed = ok_json(&groups(&state, &["--json", "list", "--all"]));
    let names: Vec<&str> = (listed["data"].as_array().unwrap().iter())
        .filter_map(|g| g["name"].as_str())
        .filter(|n| n.starts_with("Synced "))
        .collect();
    assert_eq!(names.len(), 12, "each group exactly once: {names:?}");
    let converged = groups(&state, &["plan", path, "--detailed-exitcode"]);
    assert_eq!(
        converged.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&converged.stdout)
    );
}

// Proves undo reverses a journaled apply: dry run first (nothing written), then with
// --yes the previous members are back, so the file plans its change again.
#[test]
fn undo_restores_the_previous_members() {
    let dir = TempDir::new();
    let state = dir.path().join("state.json");
    let file = dir.path().join("groups.yaml");
    let journal = dir.path().join("apply.journal");
    let (path, journal_path) = (file.to_str().unwrap(), journal.to_str().unwrap());
    std::fs::write(&file, "groups:\n  - name: Group 0001\n    members: [7]\n").unwrap();
    let applied = groups(&state, &["apply", path, "--yes", "--journal", journal_path]);
    assert!(applied.status.success(), "{}", stderr(&applied));
    let dry = groups(&state, &["undo", journal_path]);
    assert!(String::from_utf8_lossy(&dry.stdout).contains("dry run"));
    assert_eq!(
        groups(&state, &["plan", path, "--detailed-exitcode"])
            .status
            .code(),
        Some(0)
    );
    let undone = groups(&state, &["undo", journal_path, "--yes"]);
    assert!(undone.status.success(), "{}", stderr(&undone));
    let json = ok_json(&groups(&state, &["--json", "plan", path]));
    assert_eq!(json["changes"][0]["members_add"], serde_json::json!([7]));
    assert_eq!(
        json["changes"][0]["members_remove"],
        serde_json::json!([1010])
    );
}

// Proves plan --out then apply --plan: a group changed after planning is reported
// stale and not written (exit 1), and the saved plan's other change is applied.
#[test]
fn a_stale_saved_plan_is_reported_and_the_rest_applied() {
    let dir = TempDir::new();
    let state = dir.path().join("state.json");
    let file = dir.path().join("groups.yaml");
    let saved = dir.path().join("plan.json");
    let (path, saved_path) = (file.to_str().unwrap(), saved.to_str().unwrap());
    std::fs::write(
        &file,
        "groups:\n  - name: Group 0001\n    members: [1010, 7]\n  - name: Group 0002\n    members: [8]\n",
    )
    .unwrap();
    let planned = groups(&state, &["plan", path, "--out", saved_path]);
    assert!(planned.status.success(), "{}", stderr(&planned));
    let listed = ok_json(&groups(&state, &["--json", "list", "--all"]));
    let id = (listed["data"].as_array().unwrap().iter())
        .find(|g| g["name"] == "Group 0001")
        .and_then(|g| g["id"].as_str())
        .unwrap()
        .to_owned();
    assert!(
        groups(&state, &["add-members", &id, "4242"])
            .status
            .success()
    );
    let applied = groups(&state, &["apply", "--plan", saved_path, "--yes"]);
    assert_eq!(applied.status.code(), Some(1), "{}", stderr(&applied));
    assert!(stderr(&applied).contains("stale"), "{}", stderr(&applied));
    let out = String::from_utf8_lossy(&applied.stdout);
    assert!(out.contains("applied 1 of 2 changes"), "{out}");
    let json = ok_json(&groups(&state, &["--json", "plan", path]));
    // Group 0002 was written; Group 0001 still lacks 7 and still has 4242.
    assert_eq!(json["summary"]["update"], 1, "{json}");
    assert_eq!(json["changes"][0]["members_add"], serde_json::json!([7]));
}

// Proves a declared quota overrides the published ones in the estimate: 8 requests
// under 2 per 10 s take at least 3 windows after the first (30 s); under Tallyfy's
// published quotas they take none.
#[test]
fn a_declared_quota_sets_the_estimate() {
    let dir = TempDir::new();
    let state = dir.path().join("state.json");
    let file = dir.path().join("groups.yaml");
    let path = file.to_str().unwrap();
    std::fs::write(
        &file,
        "groups:\n  - name: Group 0001\n    members: [1010, 7]\n  - name: Brand new\n",
    )
    .unwrap();
    let published = ok_json(&groups(&state, &["--json", "plan", path]));
    assert_eq!(published["requests"], 8);
    assert_eq!(published["estimate_seconds"], 0.0);
    let declared = ok_json(&groups(
        &state,
        &["--json", "--quota", "2/10", "plan", path],
    ));
    assert_eq!(declared["estimate_seconds"], 30.0);
    let bad = groups(&state, &["--quota", "0/10", "plan", path]);
    assert_eq!(bad.status.code(), Some(2), "a bad quota is a usage error");
}

// Proves an apply against the sandbox's rate limit (a fixed window with
// X-RateLimit-* headers, 5 per second) completes and converges.
#[test]
fn apply_under_a_rate_limit_completes() {
    let dir = TempDir::new();
    let state = dir.path().join("state.json");
    let file = dir.path().join("groups.yaml");
    let path = file.to_str().unwrap();
    let mut yaml = String::from("groups:\n");
    for i in 1..=6 {
        yaml.push_str(&format!(
            "  - name: Group {i:04}\n    description: Rewritten {i}.\n"
        ));
    }
    std::fs::write(&file, yaml).unwrap();
    let applied = groups_command(&state, &["apply", path, "--yes"])
        .env("GROUPS_SANDBOX_LIMIT", "window:5/1+headers")
        .output()
        .unwrap();
    assert!(applied.status.success(), "{}", stderr(&applied));
    assert!(String::from_utf8_lossy(&applied.stdout).contains("applied 6 of 6 changes"));
    let converged = groups(&state, &["plan", path, "--detailed-exitcode"]);
    assert_eq!(converged.status.code(), Some(0));
}
