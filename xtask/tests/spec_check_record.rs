//! `cargo xtask spec-check --live --record DIR` against the sandbox: the files
//! it writes are named like the shipped samples, carry no token and no
//! personal data, keep placeholders stable across files, and pass spec-check.

mod common;

use common::*;
use serde_json::Value;
use tallyfy_groups_sandbox::Sandbox;
use xtask::redact::{PLACEHOLDER_BASE_URL, PLACEHOLDER_ORG_ID};

const TOKEN: &str = "record-token-41aa7e";
const PERSON: &str = "Jane Doe";
const EMAIL: &str = "Jane.Doe@acme-corp.test";

const FILES: [&str; 8] = [
    "getGroup.200.live-default.json",
    "getGroup.200.live-with-assets.json",
    "getGroup.404.live-not-found.json",
    "listGroups.200.live-default.json",
    "listGroups.200.live-per-page-5.json",
    "listGroups.200.live-q.json",
    "listGroups.200.live-sort-by-name.json",
    "listGroups.200.live-with-assets-users.json",
];

/// A sandbox with five seeded groups (`Group 0001`…; group 5 has the guest
/// `guest0005@example.com`) and one more holding a person's name and email.
fn sandbox() -> Sandbox {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let sandbox = Sandbox::builder()
            .seed(5)
            .token(Some(TOKEN.into()))
            .start()
            .await;
        // Created over plain HTTP: the xtask's tests do not use the library.
        let body = serde_json::json!({
            "name": format!("{PERSON}'s group"),
            "description": format!("Private notes of {PERSON}"),
            "members": [],
            "guests": [EMAIL],
        });
        // reqwest is built without a default TLS provider (xtask/Cargo.toml).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let response = reqwest::Client::new()
            .post(sandbox.groups_url())
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&body).unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201, "the sandbox created it");
        sandbox
    })
}

fn read(dir: &std::path::Path, name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
}

// Proves --record writes one pretty-printed file per live response, named
// <operationId>.<status>.live-<variant>.json, with no token, no original
// email, name, description or organisation id, and no local URL; that
// emails and names map to the same placeholder in every file; and that the
// files pass spec-check on their own (--samples DIR).
#[test]
fn recorded_files_are_redacted_and_pass_spec_check() {
    let sandbox = sandbox();
    let dir = tempfile::tempdir().unwrap();
    let output = run_with_env(
        &[
            "spec-check",
            "--live",
            "--json",
            "--record",
            path_str(dir.path()),
        ],
        &[
            ("TALLYFY_ACCESS_TOKEN", TOKEN),
            ("TALLYFY_ORG_ID", sandbox.org_id()),
            ("TALLYFY_BASE_URL", sandbox.base_url()),
        ],
    );
    let report = json_report(&output);
    assert_eq!(code(&output), 0, "{report:#}\n{}", stderr(&output));
    assert_eq!(
        report["recorded"].as_array().unwrap().len(),
        8,
        "{report:#}"
    );
    assert!(!format!("{}{}", stdout(&output), stderr(&output)).contains(TOKEN));

    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, FILES);

    let forbidden = [
        TOKEN,
        sandbox.org_id(),
        "jane.doe@acme-corp.test",
        "guest0005@example.com",
        PERSON,
        "Group 000",
        "127.0.0.1",
        "Handles sales inquiries.",
    ];
    for name in FILES {
        let text = std::fs::read_to_string(dir.path().join(name)).unwrap();
        assert!(text.contains("\n  "), "{name} is pretty-printed");
        for original in forbidden {
            assert!(
                !text.to_lowercase().contains(&original.to_lowercase()),
                "{name} contains {original:?}:\n{text}"
            );
        }
    }

    let default = read(dir.path(), "listGroups.200.live-default.json");
    let data = default["data"].as_array().unwrap();
    assert_eq!(data.len(), 6);
    assert_eq!(data[0]["name"], "Group 1");
    assert_eq!(data[0]["description"], "Description 1");
    assert_eq!(data[4]["guests"][0], "guest1@example.com");
    assert_eq!(data[5]["guests"][0], "guest2@example.com");
    assert_eq!(data[5]["name"], "Group 6");

    // The same originals get the same placeholders in the other files.
    let by_name = read(dir.path(), "listGroups.200.live-sort-by-name.json");
    let jane = by_name["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == data[5]["id"])
        .unwrap();
    assert_eq!(jane["name"], "Group 6");
    assert_eq!(jane["guests"][0], "guest2@example.com");
    let get = read(dir.path(), "getGroup.200.live-with-assets.json");
    assert_eq!(get["data"]["name"], "Group 1");
    assert_eq!(get["data"]["id"], data[0]["id"]);

    // Links point at the documented host, with the placeholder organisation.
    let page = read(dir.path(), "listGroups.200.live-per-page-5.json");
    let next = page["meta"]["pagination"]["links"]["next"]
        .as_str()
        .unwrap();
    let prefix = format!("{PLACEHOLDER_BASE_URL}/organizations/{PLACEHOLDER_ORG_ID}/groups?");
    assert!(next.starts_with(&prefix), "{next}");

    let (exit, check) = run_json(&["--samples", path_str(dir.path())]);
    assert_eq!(exit, 0, "{check:#}");
    assert_eq!(check["samples"], 8);
    assert_eq!(check["errors"], 0, "{check:#}");
    // The one kind of warning: `is_system`, which the sandbox (like the live
    // server) sends and the spec does not declare.
    let findings = check["findings"].as_array().unwrap();
    assert_eq!(check["warnings"], findings.len(), "{check:#}");
    assert!(
        findings
            .iter()
            .all(|f| f["severity"] == "warning"
                && f["path"].as_str().unwrap().ends_with("/is_system")),
        "{check:#}"
    );
}

// Proves recording into the directory being checked counts the new files as
// samples in the same run (they are checked like the others), and that the
// human output lists what was written.
#[test]
fn recorded_files_in_the_samples_directory_are_checked_in_the_same_run() {
    let sandbox = sandbox();
    let dir = tempfile::tempdir().unwrap();
    let samples = path_str(dir.path());
    let output = run_with_env(
        &[
            "spec-check",
            "--live",
            "--samples",
            samples,
            "--record",
            samples,
        ],
        &[
            ("TALLYFY_ACCESS_TOKEN", TOKEN),
            ("TALLYFY_ORG_ID", sandbox.org_id()),
            ("TALLYFY_BASE_URL", sandbox.base_url()),
        ],
    );
    let text = stdout(&output);
    assert_eq!(code(&output), 0, "{text}{}", stderr(&output));
    let recorded = text.lines().filter(|l| l.starts_with("recorded: ")).count();
    assert_eq!(recorded, 8, "{text}");
    let summary = text.lines().last().unwrap();
    assert!(summary.contains(" 8 samples, "), "{summary}");
    assert!(
        summary.contains(" 8 live responses, 0 errors, "),
        "{summary}"
    );
    // Warnings only for the undeclared `is_system`, one per group in each response.
    let warnings: Vec<&str> = text.lines().filter(|l| l.starts_with("warning:")).collect();
    assert!(!warnings.is_empty(), "{text}");
    assert!(
        warnings
            .iter()
            .all(|l| l.ends_with("field `is_system` is not declared in the schema")),
        "{text}"
    );
    assert!(
        summary.ends_with(&format!(" {} warnings", warnings.len())),
        "{summary}"
    );
}
