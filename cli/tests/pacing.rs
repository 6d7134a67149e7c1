//! What the CLI says while the rate limit holds it, with stderr not a terminal (a CI
//! log): a line per wait naming when it ends, and, for an hourly quota spent, an error
//! naming when the server takes requests again, after what did arrive.

mod common;

use common::*;

// Proves a wait is a line on stderr with its end ("resuming in N s (at HH:MM:SS
// UTC)"), and the listing still completes: 300 groups through a window of 30 per 2 s.
#[test]
fn a_wait_is_a_line_in_the_log() {
    let dir = TempDir::new();
    let state = dir.path().join("state.json");
    let output = groups_command(&state, &["list", "--all", "--per-page", "5"])
        .env("GROUPS_SANDBOX_LIMIT", "laravel:30/2s")
        .output()
        .unwrap();
    let err = stderr(&output);
    assert!(output.status.success(), "{err}");
    assert!(String::from_utf8_lossy(&output.stdout).lines().last() == Some("300 groups"));
    assert!(
        err.lines()
            .any(|l| l.starts_with("note: rate limited, resuming in ") && l.contains(" UTC)")),
        "{err}"
    );
}

// Proves an hourly quota spent mid-listing ends the command at once (no retry every
// two minutes) with an error naming the page to resume at and when the server takes
// requests again, and at most one wave of 429s.
#[test]
fn an_hourly_quota_spent_names_when_to_resume() {
    let dir = TempDir::new();
    let state = dir.path().join("state.json");
    let output = groups_command(&state, &["list", "--all", "--per-page", "5"])
        .env("GROUPS_SANDBOX_LIMIT", "laravel:30/3600s")
        .output()
        .unwrap();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    let line = err.lines().last().unwrap_or_default();
    assert!(line.contains("page 31"), "{line}");
    assert!(
        line.contains("the server takes requests again in 3"),
        "{line}"
    );
    // "30 pages; N requests throttled (429), …"
    let throttled: u64 = (err.lines())
        .find_map(|l| {
            let part = l.split("; ").nth(1)?;
            part.contains("requests throttled (429)")
                .then(|| part.split_whitespace().next()?.parse().ok())?
        })
        .unwrap_or(u64::MAX);
    assert!(throttled <= 8, "{err}");
}
