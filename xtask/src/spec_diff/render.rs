//! How spec-diff reads: for people, the verdict and the lines that decide it
//! first, then the OpenAPI changes, the public API changes, the generated
//! code diff, and what no longer compiles; for machines, one JSON document.
//! Must not decide anything.

use std::fmt::Write;

use super::SpecDiff;
use super::api::Impact;
use super::diagnostics::{BuildError, Origin};
use super::verdict::Level;

/// At most this many deciding lines in the summary (the rest are in the details).
const DECIDING_LINES: usize = 8;

pub fn human(diff: &SpecDiff) -> String {
    let mut out = String::new();
    let v = &diff.verdict;
    // Without the public API the level is a lower bound, unless it is the top.
    let at_least = if v.api_compared || v.level == Level::Major {
        ""
    } else {
        "at least "
    };
    if v.level == Level::None {
        let _ = writeln!(
            out,
            "verdict: {at_least}no change: version {} at {} may stay",
            diff.base_version, diff.base
        );
    } else {
        let _ = writeln!(
            out,
            "verdict: {at_least}{}: version {} at {} → {} or later",
            v.label, diff.base_version, diff.base, diff.required_version
        );
    }
    for line in v.deciding.iter().take(DECIDING_LINES) {
        let _ = writeln!(out, "  {line}");
    }
    if v.deciding.len() > DECIDING_LINES {
        let _ = writeln!(
            out,
            "  … and {} more (below)",
            v.deciding.len() - DECIDING_LINES
        );
    }
    if v.needs_review > 0 {
        let _ = writeln!(
            out,
            "  {} change(s) need review: the tools cannot classify them (see below)",
            v.needs_review
        );
    }
    if let Some(error) = &diff.api_error {
        let _ = writeln!(
            out,
            "  the public API was not compared: {}",
            first_line(error)
        );
    } else if !v.api_compared {
        let _ = writeln!(out, "  the public API was not compared (--no-api)");
    }
    if let Some(check) = &diff.version_check {
        let _ = writeln!(
            out,
            "version: {} → {}: {}",
            check.base,
            check.head,
            if check.ok {
                "bumped enough".to_string()
            } else {
                format!("NOT bumped enough, needs {} or later", check.required)
            }
        );
    }

    let _ = writeln!(out, "\nOpenAPI changes ({}):", diff.spec_changes.len());
    for change in &diff.spec_changes {
        let operations = if change.operations.is_empty() {
            "-".to_string()
        } else {
            change.operations.join(", ")
        };
        let _ = writeln!(
            out,
            "  [{}] {:?} {operations}: {}\n      {}",
            change.class.label(),
            change.side,
            change.path,
            change.message
        );
    }
    match (&diff.api_changes, &diff.api_error) {
        (Some(changes), _) => {
            let _ = writeln!(out, "\nPublic API changes ({}):", changes.len());
            for change in changes {
                let sign = match change.kind {
                    "removed" => '-',
                    "changed" => '~',
                    _ => '+',
                };
                let impact = match change.impact {
                    Impact::Breaking => "breaking",
                    Impact::Addition => "addition",
                };
                let _ = writeln!(out, "  {sign} [{impact}] {}", change.item);
                if let Some(old) = &change.old {
                    let _ = writeln!(out, "      was: {old}");
                }
                if let Some(reason) = &change.reason {
                    let _ = writeln!(out, "      {reason}");
                }
            }
        }
        (None, Some(error)) => {
            let _ = writeln!(out, "\nPublic API: not compared: {error}");
        }
        (None, None) => {}
    }
    if diff.code_diff.is_empty() {
        let _ = writeln!(out, "\nGenerated code: unchanged");
    } else {
        let _ = writeln!(
            out,
            "\nGenerated code diff ({} lines):\n{}",
            diff.code_diff.lines().count(),
            diff.code_diff
        );
    }
    broken(&mut out, &diff.build_errors);
    out
}

/// The places that no longer compile, last, where a long diff ends.
fn broken(out: &mut String, errors: &[BuildError]) {
    if errors.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\nDoes not compile with the new spec ({} error{}):",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    for error in errors {
        let _ = writeln!(out, "  {}", error.line());
    }
    if errors.iter().any(|e| e.origin == Origin::Generated) {
        let _ = writeln!(
            out,
            "  (errors in generated code: progenitor's output for this spec does not compile, \
             or it uses a hand-written item that changed)"
        );
    }
    let _ = writeln!(
        out,
        "  Fix these, then run spec-diff again for the public API diff (CONTRIBUTING.md, \
         \"After a breaking verdict\")."
    );
}

pub fn json(diff: &SpecDiff) -> String {
    let mut text = serde_json::to_string_pretty(diff).expect("a SpecDiff always serializes");
    text.push('\n');
    text
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}
