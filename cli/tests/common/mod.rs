//! What the CLI tests share: a temporary directory of their own, and the binary run
//! against the local sandbox on a given state file, with no credentials set.
#![allow(dead_code)]

pub mod coordinator;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::Value;

/// A directory of its own under the system's temporary directory, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "tallyfy-groups-cli-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The `tallyfy-groups` binary, which Cargo builds for this package's tests.
pub fn groups_exe() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_tallyfy-groups"))
}

/// Runs `groups ARGS` against the sandbox on `state` (no token in the environment).
pub fn groups(state: &Path, args: &[&str]) -> Output {
    groups_command(state, args).output().expect("the CLI runs")
}

pub fn groups_command(state: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(groups_exe());
    command
        .arg("--sandbox-state")
        .arg(state)
        .args(args)
        .env_remove("TALLYFY_ACCESS_TOKEN")
        .env_remove("TALLYFY_ORG_ID")
        .env_remove("TALLYFY_BASE_URL")
        .env_remove("TALLYFY_SANDBOX_STATE")
        .stdin(Stdio::null());
    command
}

pub fn ok_json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "exit {:?}; stderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("--json prints one JSON document")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
