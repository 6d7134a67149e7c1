//! The CLI's local sandbox: where its state file lives and how
//! it is started, so what one command changes the next one sees.
//!
//! The state file is, first of these that is set: `--sandbox-state FILE`,
//! `$TALLYFY_SANDBOX_STATE`, or `tallyfy-sandbox/state.json` in Cargo's
//! target directory (found by walking up from this executable to the
//! directory holding Cargo's `CACHEDIR.TAG`, so `CARGO_TARGET_DIR`, profiles
//! and target triples all work), else in the system's temporary directory.
//! Commands on one state file take turns (its lock), waiting up to
//! [`LOCK_WAIT`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use tallyfy_groups_sandbox::{Sandbox, SandboxLimit};

/// How many groups the sandbox starts with (and starts over with).
pub const SANDBOX_GROUPS: usize = 300;
/// The environment variable naming the state file.
pub const ENV_STATE: &str = "TALLYFY_SANDBOX_STATE";
/// How long a command waits for another one using the same state file.
pub const LOCK_WAIT: Duration = Duration::from_secs(30);

/// The state file to use: the flag, the environment, or the default place.
pub fn state_path(flag: Option<PathBuf>) -> PathBuf {
    flag.or_else(|| {
        std::env::var_os(ENV_STATE)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
    .unwrap_or_else(default_state_path)
}

/// `<target dir>/tallyfy-sandbox/state.json`, or the same under the
/// temporary directory when this executable is not in a Cargo target dir.
fn default_state_path() -> PathBuf {
    let base = std::env::current_exe()
        .ok()
        .and_then(|exe| cargo_target_dir(&exe))
        .unwrap_or_else(std::env::temp_dir);
    base.join("tallyfy-sandbox").join("state.json")
}

/// The nearest ancestor of `exe` that Cargo marked as its target directory.
fn cargo_target_dir(exe: &Path) -> Option<PathBuf> {
    exe.ancestors()
        .skip(1)
        .find(|dir| dir.join("CACHEDIR.TAG").is_file())
        .map(Path::to_path_buf)
}

/// Starts the sandbox on `state` (from the seed if `reset`), or explains why not.
pub async fn start(
    state: &Path,
    reset: bool,
    limit: Option<SandboxLimit>,
) -> Result<Sandbox, String> {
    Sandbox::builder()
        .seed(SANDBOX_GROUPS)
        .limit(limit)
        .state_file(state)
        .reset_state(reset)
        .state_lock_wait(LOCK_WAIT)
        .try_start()
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidData => {
                format!("{e} (or run with --reset-sandbox to start over)")
            }
            std::io::ErrorKind::WouldBlock => format!(
                "{e} (another `groups` command has been using the sandbox for {} s)",
                LOCK_WAIT.as_secs()
            ),
            _ => format!("cannot start the local sandbox: {e}"),
        })
}

/// The stderr note saying that the sandbox is in use and where its state lives.
pub fn note(sandbox: &Sandbox, token_var: &str) -> String {
    let state = sandbox
        .state_file()
        .map_or_else(String::new, |p| p.display().to_string());
    let origin = if sandbox.state_loaded() {
        "state loaded from".to_owned()
    } else {
        format!("seeded with {SANDBOX_GROUPS} groups, state saved to")
    };
    format!(
        "note: {token_var} is not set; using the local sandbox at {} ({origin} {state}; \
         --reset-sandbox starts over)",
        sandbox.base_url()
    )
}
