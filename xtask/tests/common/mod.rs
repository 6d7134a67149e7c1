//! Helpers shared by the spec-check integration tests: run the built binary,
//! make temporary copies of the spec or of one sample with one thing changed,
//! and pick findings out of a `--json` report.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

pub fn spec_path() -> PathBuf {
    repo().join("spec/tallyfy-groups.yaml")
}

pub fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("xtask runs")
}

pub fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs `spec-check --json` with these extra arguments and parses the report.
pub fn run_json(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["spec-check", "--json"];
    all.extend_from_slice(args);
    let output = run(&all);
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("--json output is not JSON ({e}): {}", stdout(&output)));
    (code(&output), report)
}

/// A temporary samples directory holding one shipped sample, edited by `edit`.
pub fn one_sample(name: &str, edit: impl FnOnce(&mut Value)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo().join("spec/samples").join(name)).unwrap();
    let mut body: Value = serde_json::from_str(&text).unwrap();
    edit(&mut body);
    std::fs::write(
        dir.path().join(name),
        serde_json::to_vec_pretty(&body).unwrap(),
    )
    .unwrap();
    dir
}

/// A temporary copy of the spec with `from` replaced by `to` (which must occur).
pub fn edited_spec(from: &str, to: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(spec_path()).unwrap();
    assert!(
        text.contains(from),
        "the spec no longer contains {from:?}; update this test"
    );
    std::fs::write(dir.path().join("spec.yaml"), text.replacen(from, to, 1)).unwrap();
    std::fs::create_dir(dir.path().join("samples")).unwrap();
    dir
}

pub fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().expect("findings is an array")
}

/// The findings of one severity for one source and JSON path.
pub fn find<'a>(report: &'a Value, severity: &str, source: &str, path: &str) -> Vec<&'a Value> {
    findings(report)
        .iter()
        .filter(|f| {
            f["severity"] == severity
                && f["source"].as_str().unwrap().ends_with(source)
                && f["path"] == path
        })
        .collect()
}

pub fn path_str(dir: &Path) -> &str {
    dir.to_str().unwrap()
}

/// The variables `--live` reads; every live test sets them explicitly.
pub const LIVE_VARS: [&str; 3] = ["TALLYFY_ACCESS_TOKEN", "TALLYFY_ORG_ID", "TALLYFY_BASE_URL"];

/// Runs xtask with the `--live` variables removed from the environment, then
/// `vars` set, so a developer's own credentials never leak into a test.
pub fn run_with_env(args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command.args(args);
    for name in LIVE_VARS {
        command.env_remove(name);
    }
    command.envs(vars.iter().copied());
    command.output().expect("xtask runs")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Parses the `--json` report of a finished run.
pub fn json_report(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "--json output is not JSON ({e}): {}\nstderr: {}",
            stdout(output),
            stderr(output)
        )
    })
}
