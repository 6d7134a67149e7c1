//! `spec-check --live --record DIR`: writes each live body as a sample file
//! (`<operationId>.<status>.live-<variant>.json`, pretty-printed), redacted by
//! `redact`. Owns the order of the last line of defence: every body of the
//! run is learned by `leaks` first, then each is redacted and checked by
//! `leaks` on its own; a body with anything left is not written, and is an
//! error. Each written file is then checked like any other sample, so a
//! recording that would not pass spec-check is reported.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::drift::Checker;
use crate::leaks::Sensitive;
use crate::live::LiveResponse;
use crate::redact::Redactor;
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
    let mut redactor = Redactor::new(org_id, token);
    let mut redact = |body: &Value| redactor.redact(body);
    record_with(checker, dir, responses, org_id, token, &mut redact)
}

/// [`record`] with the redaction step passed in. This is the seam through
/// which tests plant a miss (a redactor that leaves something out) to see
/// the leak check refuse the write; `record` passes the real [`Redactor`].
pub fn record_with(
    checker: &Checker,
    dir: &Path,
    responses: &[LiveResponse],
    org_id: &str,
    token: &str,
    redact: &mut dyn FnMut(&Value) -> Value,
) -> Result<Recording, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut recording = Recording::default();
    let mut names = HashSet::new();
    let mut bodies = Vec::new();
    for response in responses {
        let name = file_name(response);
        if !names.insert(name.clone()) {
            continue; // the same call twice: keep the first
        }
        if let Some(body) = parsed_body(response, &mut recording.findings) {
            bodies.push((name, response, body));
        }
    }
    // Learn from every input first: a name seen in one body is a leak in all.
    let mut sensitive = Sensitive::new(org_id, token);
    for (_, _, body) in &bodies {
        sensitive.learn(body);
    }
    for (name, response, body) in bodies {
        let redacted = redact(&body);
        let mut text =
            serde_json::to_string_pretty(&redacted).expect("a JSON value always serializes");
        text.push('\n');
        if let Some(leak) = sensitive.find(&redacted, &text) {
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

/// The body as JSON; `None` (with a warning) for a body that is empty or
/// not JSON.
fn parsed_body(response: &LiveResponse, findings: &mut Vec<Finding>) -> Option<Value> {
    if response.body.iter().all(u8::is_ascii_whitespace) {
        let message = "not recorded: the body is empty";
        findings.push(Finding::warning(&response.label, "", message));
        return None;
    }
    let Ok(value) = serde_json::from_slice::<Value>(&response.body) else {
        let message = "not recorded: the body is not JSON";
        findings.push(Finding::warning(&response.label, "", message));
        return None;
    };
    Some(value)
}
