//! The slow part of spec-diff: `cargo check` of the working tree's library
//! (its errors read by `diagnostics`), the library's rustdoc JSON at the
//! base revision and in the working tree, and the files of the base revision.
//! The base is exported with `git archive REV | tar -x` into a temporary
//! directory, so the working tree is never touched; both builds share one
//! target directory, so the dependencies are built once. Must not interpret
//! the JSON (that is `api`).
//!
//! Cargo names a workspace member's artifacts by its path *relative to the
//! workspace root*, so every copy of this repository shares one set of
//! fingerprints and one build-script OUT_DIR in the target directory, and
//! decides freshness by file times. A tree with old file times (tar keeps the
//! commit's; the working tree keeps the edit's) would be taken as already
//! built and yield the other side's JSON. So both sides are built from fresh
//! copies whose files are newer than any earlier build: the base extracted
//! with `tar -m`, the working tree copied (`snapshot`), and copied again
//! for its rustdoc JSON when the base was built after its `check`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::diagnostics::{self, BuildError};

/// The library package whose public API is compared.
pub const PACKAGE: &str = "tallyfy-groups";

/// One file of the repository at `rev` (`git show REV:PATH`).
pub fn file_at(root: &Path, rev: &str, path: &str) -> Result<String, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["show", &format!("{rev}:{path}")])
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cannot read {path} at {rev}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    String::from_utf8(output.stdout).map_err(|_| format!("{path} at {rev} is not UTF-8"))
}

/// A key for the rustdoc JSON of `rev`: its tree id and the toolchain, so
/// the same sources built by the same rustdoc are built once.
pub fn cache_key(root: &Path, rev: &str) -> Result<String, String> {
    let tree = git_line(root, &["rev-parse", &format!("{rev}^{{tree}}")])?;
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let version = Command::new(rustc)
        .arg("-V")
        .output()
        .map_err(|e| format!("cannot run rustc -V: {e}"))?;
    let version = String::from_utf8_lossy(&version.stdout);
    let toolchain: String = version
        .split_whitespace()
        .nth(1)
        .unwrap_or("unknown")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    Ok(format!("{tree}-rustc{toolchain}"))
}

fn git_line(root: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// Exports the tree of `rev` into `dir` (which must exist and be empty).
pub fn export(root: &Path, rev: &str, dir: &Path) -> Result<(), String> {
    let mut archive = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["archive", "--format=tar", rev])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git archive: {e}"))?;
    let stdout = archive.stdout.take().expect("piped");
    let tar = Command::new("tar")
        // -m: the files get the time of extraction (see the module notes).
        .arg("-xm")
        .arg("-C")
        .arg(dir)
        .stdin(stdout)
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run tar: {e}"))?;
    let git = archive
        .wait_with_output()
        .map_err(|e| format!("git archive failed: {e}"))?;
    if !git.status.success() {
        return Err(format!(
            "git archive {rev} failed: {}",
            String::from_utf8_lossy(&git.stderr).trim()
        ));
    }
    if !tar.status.success() {
        return Err(format!(
            "tar -x of {rev} failed: {}",
            String::from_utf8_lossy(&tar.stderr).trim()
        ));
    }
    Ok(())
}

/// Copies the working tree's files (tracked, and untracked but not ignored:
/// what `git status` shows) into `dir`, with fresh file times.
pub fn snapshot(root: &Path, dir: &Path) -> Result<(), String> {
    let list = git_line(
        root,
        &[
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ],
    )?;
    for file in list.split('\0').filter(|f| !f.is_empty()) {
        let from = root.join(file);
        if !from.is_file() {
            continue; // deleted in the working tree, or a submodule
        }
        let to = dir.join(file);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::copy(&from, &to).map_err(|e| format!("cannot copy {file}: {e}"))?;
    }
    Ok(())
}

/// Why the library does not build: the errors cargo reported, and the end
/// of its output (what to show when there are none).
#[derive(Debug, Clone)]
pub struct NotBuilt {
    pub errors: Vec<BuildError>,
    pub detail: String,
}

/// `cargo check`s the library of the workspace at `workspace` into
/// `target_dir`. rustdoc reads only signatures, so a hand-written function
/// body that no longer compiles against the new generated code passes
/// rustdoc: this is the step that finds it. The errors are cargo's JSON
/// diagnostics (and a failed build script's own messages).
pub fn check(workspace: &Path, target_dir: &Path) -> Result<(), NotBuilt> {
    let args = ["check", "-p", PACKAGE, "--lib", "--message-format=json"];
    cargo(workspace, target_dir, &args, &[]).map_err(|failed| NotBuilt {
        errors: diagnostics::parse(&failed.stdout, &failed.stderr, workspace),
        detail: failed.to_string(),
    })
}

/// Builds the library's rustdoc JSON for the workspace at `workspace` into
/// `target_dir` and copies it to `out`. The error carries the end of cargo's
/// output (a spec the build rejects shows the build's own message there).
pub fn document(workspace: &Path, target_dir: &Path, out: &Path) -> Result<(), String> {
    let json: PathBuf = target_dir
        .join("doc")
        .join(format!("{}.json", PACKAGE.replace('-', "_")));
    // Never copy a file an earlier build left: remove it, then require it.
    match std::fs::remove_file(&json) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot remove {}: {e}", json.display())),
    }
    cargo(
        workspace,
        target_dir,
        &["rustdoc", "--quiet", "-p", PACKAGE, "--lib"],
        &["--", "-Z", "unstable-options", "--output-format", "json"],
    )
    .map_err(|failed| failed.to_string())?;
    std::fs::copy(&json, out).map(|_| ()).map_err(|e| {
        format!(
            "cargo rustdoc succeeded but wrote no {} ({e})",
            json.display()
        )
    })
}

/// A cargo run that failed (or could not start): what it printed.
struct Failed {
    /// `cargo ARGS in WORKSPACE failed`, or why it could not run.
    what: String,
    stdout: String,
    stderr: String,
}

impl std::fmt::Display for Failed {
    /// What failed and the last 30 lines of cargo's stderr.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let lines: Vec<&str> = self.stderr.lines().collect();
        let tail = lines[lines.len().saturating_sub(30)..].join("\n");
        write!(f, "{}:\n{tail}", self.what)
    }
}

/// Runs `cargo ARGS --manifest-path … --target-dir … TAIL` in `workspace`.
fn cargo(workspace: &Path, target_dir: &Path, args: &[&str], tail: &[&str]) -> Result<(), Failed> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let what = format!(
        "cargo {} of {PACKAGE} in {} failed",
        args[0],
        workspace.display()
    );
    let output = Command::new(cargo)
        .current_dir(workspace)
        .env("RUSTC_BOOTSTRAP", "1")
        // The xtask runs under cargo; do not let its settings leak in.
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .env_remove("RUSTDOCFLAGS")
        .args(args)
        .arg("--manifest-path")
        .arg(workspace.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir)
        .args(tail)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| Failed {
            what: format!("cannot run cargo {}: {e}", args[0]),
            stdout: String::new(),
            stderr: String::new(),
        })?;
    if output.status.success() {
        return Ok(());
    }
    Err(Failed {
        what,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}
