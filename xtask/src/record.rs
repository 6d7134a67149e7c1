//! `spec-check --live --record DIR`: writes each live body as a sample file
//! (`<operationId>.<status>.live-<variant>.json`, pretty-printed), redacted by
//! `redact`. Owns the last line of defence: a body in which the token, the
//! real organisation id or an original email address is still found is not
//! written, and is an error. Each written file is then checked like any
//! other sample, so a recording that would not pass spec-check is reported.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::drift::Checker;
use crate::live::LiveResponse;
use crate::redact::{PLACEHOLDER_ORG_ID, Redactor};
use crate::report::Finding;
use crate::samples;

/// What a recording did.
#[derive(Debug, Default)]
pub struct Recording {
    /// The files written, in the order of the calls.
    pub written: Vec<PathBuf>,
    /// Bodies not written, and what checking the written files found.
    pub findings: Vec<Finding>,
}

/// The file name a response is recorded under.
pub fn file_name(response: &LiveResponse) -> String {
    format!(
        "{}.{}.live-{}.json",
        response.operation_id, response.status, response.variant
    )
}

/// Redacts and writes `responses` into `dir` (created if missing; files of
/// the same name are replaced). `Err` when the directory or a file cannot be
/// written.
pub fn record(
    checker: &Checker,
    dir: &Path,
    responses: &[LiveResponse],
    org_id: &str,
    token: &str,
) -> Result<Recording, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut redactor = Redactor::new(org_id);
    let mut recording = Recording::default();
    let mut names = HashSet::new();
    for response in responses {
        let name = file_name(response);
        if !names.insert(name.clone()) {
            continue; // the same call twice: keep the first
        }
        let Some(text) = redacted_text(&mut redactor, response, &mut recording.findings) else {
            continue;
        };
        if let Some(leak) = leak(&text, token, org_id, &redactor) {
            let message = format!("not recorded: the redacted body still contains {leak}");
            recording
                .findings
                .push(Finding::error(&response.label, "", message));
            continue;
        }
        let path = dir.join(&name);
        std::fs::write(&path, &text)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        recording
            .findings
            .extend(samples::check_sample(checker, &path));
        recording.written.push(path);
    }
    Ok(recording)
}

/// The redacted body as pretty-printed JSON; `None` (with a warning) for a
/// body that is empty or not JSON.
fn redacted_text(
    redactor: &mut Redactor,
    response: &LiveResponse,
    findings: &mut Vec<Finding>,
) -> Option<String> {
    if response.body.iter().all(u8::is_ascii_whitespace) {
        let message = "not recorded: the body is empty";
        findings.push(Finding::warning(&response.label, "", message));
        return None;
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(&response.body) else {
        let message = "not recorded: the body is not JSON";
        findings.push(Finding::warning(&response.label, "", message));
        return None;
    };
    let mut text = serde_json::to_string_pretty(&redactor.redact(&value))
        .expect("a JSON value always serializes");
    text.push('\n');
    Some(text)
}

/// What secret or personal datum `text` still holds, if any.
fn leak(text: &str, token: &str, org_id: &str, redactor: &Redactor) -> Option<&'static str> {
    if !token.is_empty() && text.contains(token) {
        return Some("the access token");
    }
    if !org_id.is_empty() && org_id != PLACEHOLDER_ORG_ID && text.contains(org_id) {
        return Some("the organisation id");
    }
    let lower = text.to_ascii_lowercase();
    if redactor
        .original_emails()
        .any(|e| lower.contains(e.as_str()))
    {
        return Some("an original email address");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaks_are_named() {
        let redactor = Redactor::new("org");
        assert_eq!(
            leak("x tok x", "tok", "org1", &redactor),
            Some("the access token")
        );
        assert_eq!(
            leak("x org1 x", "tok", "org1", &redactor),
            Some("the organisation id")
        );
        assert_eq!(leak("clean", "tok", "org1", &redactor), None);
    }
}
