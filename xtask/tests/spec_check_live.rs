//! `cargo xtask spec-check --live` against the sandbox (a faithful fake of the
//! API on 127.0.0.1): a clean run, the calls it makes, how it treats a bad
//! token and rate limits, and what happens without credentials.

mod common;

use common::*;
use tallyfy_groups_sandbox::{Sandbox, SandboxBuilder};

const TOKEN: &str = "sandbox-token-7c1e9a";

fn start(builder: SandboxBuilder) -> Sandbox {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(builder.start())
}

fn live_env<'a>(sandbox: &'a Sandbox, token: &'a str) -> [(&'static str, &'a str); 3] {
    [
        ("TALLYFY_ACCESS_TOKEN", token),
        ("TALLYFY_ORG_ID", sandbox.org_id()),
        ("TALLYFY_BASE_URL", sandbox.base_url()),
    ]
}

// Proves a faithful server validates cleanly: exit 0, no error, eight live
// responses (five lists, two gets, one 404) on top of the offline checks, and
// exactly eight requests reached the server (no retries, nothing else). The only
// findings are warnings about `is_system`, the field the sandbox (like the live
// server) sends and the spec does not declare: unknown fields warn, so the spec
// can catch up.
#[test]
fn live_run_against_the_sandbox_is_clean() {
    let sandbox = start(Sandbox::builder().seed(12).token(Some(TOKEN.into())));
    let output = run_with_env(
        &["spec-check", "--live", "--json"],
        &live_env(&sandbox, TOKEN),
    );
    let report = json_report(&output);
    assert_eq!(code(&output), 0, "{report:#}\n{}", stderr(&output));
    assert_eq!(report["live"], 8, "{report:#}");
    assert_eq!(report["errors"], 0, "{report:#}");
    let findings = report["findings"].as_array().unwrap();
    assert!(
        !findings.is_empty(),
        "is_system must be reported: {report:#}"
    );
    assert_eq!(report["warnings"], findings.len(), "{report:#}");
    for finding in findings {
        assert_eq!(finding["severity"], "warning", "{finding:#}");
        assert!(
            finding["path"].as_str().unwrap().ends_with("/is_system"),
            "{finding:#}"
        );
    }
    assert!(
        report["samples"].as_u64().unwrap() >= 28,
        "offline checks ran"
    );
    assert!(
        report["examples"].as_u64().unwrap() > 0,
        "offline checks ran"
    );
    assert_eq!(sandbox.request_count(), 8);

    let output = run_with_env(&["spec-check", "--live"], &live_env(&sandbox, TOKEN));
    let summary = stdout(&output);
    assert_eq!(code(&output), 0, "{summary}");
    assert!(
        summary.contains(&format!(
            " 8 live responses, 0 errors, {} warnings",
            findings.len()
        )),
        "{summary}"
    );
}

// Proves a rejected token fails the run (exit 1) with the 401 named, and that
// the run stops after the first call instead of sending the other seven.
#[test]
fn a_rejected_token_fails_after_one_request() {
    let sandbox = start(Sandbox::builder().seed(3).token(Some(TOKEN.into())));
    let output = run_with_env(
        &["spec-check", "--live", "--json"],
        &live_env(&sandbox, "wrong-token-5d2f"),
    );
    let report = json_report(&output);
    assert_eq!(code(&output), 1, "{report:#}");
    let expected = find(&report, "error", "live:listGroups.401 (default)", "");
    assert_eq!(expected.len(), 1, "{report:#}");
    assert!(
        expected[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("expected a success, got 401"),
        "{report:#}"
    );
    let skipped = find(&report, "error", "live", "");
    assert!(
        skipped[0]["message"]
            .as_str()
            .unwrap()
            .contains("the other calls were skipped"),
        "{report:#}"
    );
    assert_eq!(sandbox.request_count(), 1);
    assert!(!stdout(&output).contains("wrong-token-5d2f"));
}

// Proves the retry policy: a 429 with `Retry-After` is retried (the run still
// passes), but at most twice per call: with three 429s in a row the first call
// gives up after three requests and the run fails.
#[test]
fn rate_limits_are_retried_at_most_twice() {
    let sandbox = start(
        Sandbox::builder()
            .seed(3)
            .rate_limit_first(1)
            .retry_after_secs(0),
    );
    let output = run_with_env(
        &["spec-check", "--live", "--json"],
        &live_env(&sandbox, TOKEN),
    );
    let report = json_report(&output);
    assert_eq!(code(&output), 0, "{report:#}");
    assert_eq!(sandbox.request_count(), 9, "eight calls, one retried");

    let sandbox = start(
        Sandbox::builder()
            .seed(3)
            .rate_limit_first(3)
            .retry_after_secs(0),
    );
    let output = run_with_env(
        &["spec-check", "--live", "--json"],
        &live_env(&sandbox, TOKEN),
    );
    let report = json_report(&output);
    assert_eq!(code(&output), 1, "{report:#}");
    assert_eq!(
        find(&report, "error", "live:listGroups.429 (default)", "").len(),
        1,
        "{report:#}"
    );
    assert_eq!(sandbox.request_count(), 3, "one attempt and two retries");
}

// Proves --live never passes silently without credentials: exit 2, and the
// message names exactly the missing variables (blank counts as missing).
#[test]
fn missing_credentials_are_named_and_fail() {
    let output = run_with_env(&["spec-check", "--live"], &[]);
    assert_eq!(code(&output), 2);
    let message = stderr(&output);
    assert!(message.contains("TALLYFY_ACCESS_TOKEN"), "{message}");
    assert!(message.contains("TALLYFY_ORG_ID"), "{message}");
    assert!(stdout(&output).is_empty(), "no report is printed");

    let output = run_with_env(
        &["spec-check", "--live", "--json"],
        &[("TALLYFY_ACCESS_TOKEN", TOKEN), ("TALLYFY_ORG_ID", "  ")],
    );
    assert_eq!(code(&output), 2);
    let message = stderr(&output);
    assert!(message.contains("TALLYFY_ORG_ID"), "{message}");
    assert!(!message.contains("TALLYFY_ACCESS_TOKEN"), "{message}");
    assert!(!message.contains(TOKEN), "{message}");
}

// Proves --record is refused without --live, and that a base URL the client
// will not send the token to (plain http to another host) is a usage error
// (exit 2) before anything is sent, without printing the token.
#[test]
fn record_needs_live_and_a_bad_base_url_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = run_with_env(&["spec-check", "--record", path_str(dir.path())], &[]);
    assert_eq!(code(&output), 2);
    let output = run_with_env(
        &["spec-check", "--live"],
        &[
            ("TALLYFY_ACCESS_TOKEN", TOKEN),
            ("TALLYFY_ORG_ID", "org"),
            ("TALLYFY_BASE_URL", "http://example.com/api"),
        ],
    );
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("plain http"),
        "{}",
        stderr(&output)
    );
    assert!(!stderr(&output).contains(TOKEN));
    assert!(!stdout(&output).contains(TOKEN));
}
