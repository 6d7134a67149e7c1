//! `cargo xtask spec-check --live` against an httpmock server that drifts from
//! the spec: wrong types are errors at their JSON path, unknown fields are
//! warnings, and a token echoed back by the server is never printed.

mod common;

use common::*;
use httpmock::prelude::*;
use serde_json::{Value, json};

const TOKEN: &str = "drift-token-b83f10";
const ORG: &str = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
const GROUP: &str = "53a4560dc877f9b4f709f97630efbb5a";
const MISSING: &str = "00000000000000000000000000000000";

fn group() -> Value {
    json!({
        "id": GROUP,
        "name": "Sales Team",
        "description": "Handles all sales inquiries.",
        "logo": null,
        "members": [1001, 1005],
        "guests": ["client.a@example.com"],
        "created_at": "2023-01-15T09:00:00Z",
        "last_updated": "2023-06-20T10:00:00Z"
    })
}

/// A server answering list with `list_data`, get with `{"data": get_data}`,
/// and the missing group with the documented 404.
fn server(list_data: Value, get_data: Value) -> MockServer {
    let server = MockServer::start();
    let base = format!("/api/organizations/{ORG}/groups");
    server.mock(|when, then| {
        when.method(GET).path(base.clone());
        then.status(200).json_body(json!({
            "data": list_data,
            "meta": {"pagination": {"total": 1, "count": 1, "per_page": 10,
                                    "current_page": 1, "total_pages": 1, "links": {}}}
        }));
    });
    server.mock(|when, then| {
        when.method(GET).path(format!("{base}/{GROUP}"));
        then.status(200).json_body(json!({"data": get_data}));
    });
    server.mock(|when, then| {
        when.method(GET).path(format!("{base}/{MISSING}"));
        then.status(404).json_body(json!({
            "error": true, "message": "Resource not found", "code": "RESOURCE_NOT_FOUND"
        }));
    });
    server
}

fn run_live(server: &MockServer, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["spec-check", "--live", "--json"];
    args.extend_from_slice(extra);
    run_with_env(
        &args,
        &[
            ("TALLYFY_ACCESS_TOKEN", TOKEN),
            ("TALLYFY_ORG_ID", ORG),
            ("TALLYFY_BASE_URL", &server.url("/api")),
        ],
    )
}

fn message<'a>(findings: &[&'a Value]) -> &'a str {
    findings[0]["message"].as_str().unwrap()
}

// Proves a wrong type in a live body fails the run (exit 1) with an error at
// the JSON path, on every list call that received it (named by its
// parameters), and that an unknown field beside it is a warning.
#[test]
fn wrong_types_are_errors_at_their_path() {
    let mut bad = group();
    bad["members"] = json!("x");
    bad["name"] = json!(5);
    bad["colour"] = json!("red");
    let server = server(json!([bad]), group());
    let output = run_live(&server, &[]);
    let report = json_report(&output);
    assert_eq!(code(&output), 1, "{report:#}");
    for params in [
        "default",
        "per_page=5&page=1",
        "sort_by=name",
        "q=group",
        "with=assets,users",
    ] {
        let source = format!("live:listGroups.200 ({params})");
        let members = find(&report, "error", &source, "/data/0/members");
        assert_eq!(members.len(), 1, "{source}: {report:#}");
        assert!(message(&members).contains("expected array"), "{report:#}");
        assert_eq!(
            find(&report, "error", &source, "/data/0/name").len(),
            1,
            "{source}: {report:#}"
        );
        assert_eq!(
            find(&report, "warning", &source, "/data/0/colour").len(),
            1,
            "{source}: {report:#}"
        );
    }
    // The gets still ran, with the id from the first list, and were clean.
    let gets: Vec<&Value> = findings(&report)
        .iter()
        .filter(|f| f["source"].as_str().unwrap().starts_with("live:getGroup"))
        .collect();
    assert!(gets.is_empty(), "{report:#}");
    assert_eq!(report["live"], 8);
}

// Proves an unknown field alone is only a warning (exit 0), named by the call
// and path, and that --strict makes it an error (exit 1).
#[test]
fn unknown_fields_warn_and_strict_fails() {
    let mut extra = group();
    extra["archived"] = json!(false);
    let server = server(json!([group()]), extra);
    let output = run_live(&server, &[]);
    let report = json_report(&output);
    assert_eq!(code(&output), 0, "{report:#}");
    for source in [
        "live:getGroup.200 (first listed group)",
        "live:getGroup.200 (first listed group, with=assets)",
    ] {
        let warning = find(&report, "warning", source, "/data/archived");
        assert_eq!(warning.len(), 1, "{report:#}");
        assert!(message(&warning).contains("not declared"), "{report:#}");
    }
    assert_eq!(report["errors"], 0, "{report:#}");
    assert_eq!(report["warnings"], 2, "{report:#}");

    let output = run_live(&server, &["--strict"]);
    assert_eq!(code(&output), 1, "{}", stdout(&output));
}

// Proves a 404 is expected only where the group does not exist: a server that
// answers 404 for the first listed group fails the run.
#[test]
fn an_unexpected_404_is_an_error() {
    let server = MockServer::start();
    let base = format!("/api/organizations/{ORG}/groups");
    server.mock(|when, then| {
        when.method(GET).path(base.clone());
        then.status(200).json_body(json!({"data": [group()]}));
    });
    server.mock(|when, then| {
        when.method(GET).path_prefix(format!("{base}/"));
        then.status(404)
            .json_body(json!({"error": true, "message": "Resource not found"}));
    });
    let output = run_live(&server, &[]);
    let report = json_report(&output);
    assert_eq!(code(&output), 1, "{report:#}");
    let error = find(
        &report,
        "error",
        "live:getGroup.404 (first listed group)",
        "",
    );
    assert!(
        message(&error).starts_with("expected a success, got 404"),
        "{report:#}"
    );
    assert!(
        find(
            &report,
            "error",
            "live:getGroup.404 (a group that does not exist)",
            ""
        )
        .is_empty()
    );
}

// Proves the token never appears in the output, even when the server echoes
// it back in a body (here as an undeclared field name and its value): the
// finding is reported with `** redacted **` in its place, in JSON and in
// human output, and --record writes that body with the token redacted (the
// leak check refusing a body the redactor missed is tested in
// record_redaction.rs).
#[test]
fn an_echoed_token_is_never_printed_or_recorded() {
    let mut echo = group();
    echo[TOKEN] = json!(TOKEN);
    let server = server(json!([group()]), echo);
    let dir = tempfile::tempdir().unwrap();
    let output = run_live(&server, &["--record", path_str(dir.path())]);
    let text = format!("{}{}", stdout(&output), stderr(&output));
    assert!(!text.contains(TOKEN), "{text}");
    let report = json_report(&output);
    assert_eq!(code(&output), 0, "{report:#}");
    let source = "live:getGroup.200 (first listed group)";
    assert_eq!(
        find(&report, "warning", source, "/data/** redacted **").len(),
        1,
        "{report:#}"
    );
    let recorded = dir.path().join("getGroup.200.live-default.json");
    let body: Value = serde_json::from_str(&std::fs::read_to_string(recorded).unwrap()).unwrap();
    assert_eq!(body["data"]["** redacted **"], "** redacted **");
    assert!(dir.path().join("listGroups.200.live-default.json").exists());
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let written = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(!written.contains(TOKEN));
    }

    let output = run_with_env(
        &["spec-check", "--live"],
        &[
            ("TALLYFY_ACCESS_TOKEN", TOKEN),
            ("TALLYFY_ORG_ID", ORG),
            ("TALLYFY_BASE_URL", &server.url("/api")),
        ],
    );
    let text = format!("{}{}", stdout(&output), stderr(&output));
    assert!(text.contains("** redacted **"), "{text}");
    assert!(!text.contains(TOKEN), "{text}");
}

// Proves every live request carries the API's headers (the bearer token,
// `Accept: application/json`, `X-Tallyfy-Client: APIClient`) and the list
// parameters as the spec names them: a server that answers only such
// requests (the first mock that matches answers) sees all five lists, the
// `with` and `sort_by` ones among them, and the run is clean.
#[test]
fn requests_carry_the_api_headers_and_parameters() {
    let server = MockServer::start();
    let base = format!("/api/organizations/{ORG}/groups");
    let list = |query: Option<(&str, &str)>| {
        server.mock(|when, then| {
            let when = when
                .method(GET)
                .path(base.clone())
                .header("authorization", format!("Bearer {TOKEN}"))
                .header("accept", "application/json")
                .header("x-tallyfy-client", "APIClient");
            if let Some((name, value)) = query {
                when.query_param(name, value);
            }
            then.status(200).json_body(json!({"data": [group()]}));
        })
    };
    let with = list(Some(("with", "assets,users")));
    let sorted = list(Some(("sort_by", "name")));
    let paged = list(Some(("per_page", "5")));
    let searched = list(Some(("q", "group")));
    let others = list(None);
    server.mock(|when, then| {
        when.method(GET)
            .path(format!("{base}/{GROUP}"))
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("x-tallyfy-client", "APIClient");
        then.status(200).json_body(json!({"data": group()}));
    });
    server.mock(|when, then| {
        when.method(GET).path(format!("{base}/{MISSING}"));
        then.status(404)
            .json_body(json!({"error": true, "message": "Resource not found"}));
    });
    let output = run_live(&server, &[]);
    let report = json_report(&output);
    assert_eq!(code(&output), 0, "{report:#}");
    assert_eq!(report["live"], 8, "{report:#}");
    let hits = [&with, &sorted, &paged, &searched, &others].map(|m| m.calls());
    assert_eq!(hits, [1, 1, 1, 1, 1], "with, sort_by, per_page, q, none");
}
