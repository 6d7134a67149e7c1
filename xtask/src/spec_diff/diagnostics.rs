//! When the library does not build with the new spec: cargo's output read
//! into the places that no longer compile. Each is the primary span of a
//! compiler error from `--message-format=json` (file:line relative to the
//! repository, the compiler's one-line message, its code), marked
//! hand-written, generated (a file in the build script's OUT_DIR) or the
//! build script itself (which reports through `cargo::error=`, not JSON).
//! Must not run anything (`rustdoc` runs cargo).

use std::path::Path;

use serde::Serialize;
use serde_json::Value;

/// Where a build error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// The repository's own code (`src/…`): what a maintainer must fix.
    HandWritten,
    /// Code build.rs generated into OUT_DIR (`codegen.rs`, `spec_facts.rs`).
    Generated,
    /// build.rs refused the spec (it has no span).
    BuildScript,
}

/// One error of the failed build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BuildError {
    pub origin: Origin,
    /// Relative to the repository (`src/model.rs`); for generated code the
    /// file's name in OUT_DIR (`codegen.rs`); `build.rs` for the build script.
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// The compiler's (or the build script's) message, one line.
    pub message: String,
    /// The error code, e.g. `E0599`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl BuildError {
    /// `src/model.rs:23`, `generated code (OUT_DIR/codegen.rs:120)`, or
    /// `build.rs (the build script)`.
    pub fn place(&self) -> String {
        let at = match self.line {
            Some(line) => format!("{}:{line}", self.file),
            None => self.file.clone(),
        };
        match self.origin {
            Origin::HandWritten => at,
            Origin::Generated => format!("generated code (OUT_DIR/{at})"),
            Origin::BuildScript => format!("{at} (the build script)"),
        }
    }

    /// `PLACE: MESSAGE [CODE]`.
    pub fn line(&self) -> String {
        match &self.code {
            Some(code) => format!("{}: {} [{code}]", self.place(), self.message),
            None => format!("{}: {}", self.place(), self.message),
        }
    }
}

/// The errors of a failed `cargo … --message-format=json` run in
/// `workspace`: `stdout` holds cargo's JSON lines, `stderr` its text (where
/// a failed build script's `cargo::error=` lines are). Hand-written places
/// first, in file and line order; the same place and message once.
pub fn parse(stdout: &str, stderr: &str, workspace: &Path) -> Vec<BuildError> {
    let mut errors: Vec<BuildError> = stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-message")
        .filter_map(|m| compiler_error(&m["message"], workspace))
        .collect();
    errors.extend(build_script_errors(stderr));
    errors.sort_by(|a, b| {
        (a.origin, &a.file, a.line, &a.message).cmp(&(b.origin, &b.file, b.line, &b.message))
    });
    errors.dedup();
    errors
}

/// One compiler diagnostic, if it is an error with a primary span.
fn compiler_error(message: &Value, workspace: &Path) -> Option<BuildError> {
    let level = message["level"].as_str()?;
    if !level.starts_with("error") {
        return None;
    }
    let spans = message["spans"].as_array()?;
    let span = spans
        .iter()
        .find(|s| s["is_primary"] == true)
        .or_else(|| spans.first())?;
    let (origin, file) = classify(span["file_name"].as_str()?, workspace);
    let text = message["message"].as_str()?;
    Some(BuildError {
        origin,
        file,
        line: span["line_start"].as_u64().map(|n| n as usize),
        column: span["column_start"].as_u64().map(|n| n as usize),
        message: text.lines().next().unwrap_or(text).trim().to_string(),
        code: message["code"]["code"].as_str().map(str::to_string),
    })
}

/// Whether `file_name` (as rustc names it: relative to the workspace for
/// its own files) is hand-written or generated, and how to show it.
fn classify(file_name: &str, workspace: &Path) -> (Origin, String) {
    let path = Path::new(file_name);
    let relative = if path.is_absolute() {
        path.strip_prefix(workspace).ok()
    } else {
        Some(path)
    };
    if let Some(relative) = relative {
        return (Origin::HandWritten, relative.to_string_lossy().into_owned());
    }
    // `<target>/debug/build/<package>-<hash>/out/<file>`.
    let text = path.to_string_lossy();
    match text.rsplit_once("/out/") {
        Some((_, file)) => (Origin::Generated, file.to_string()),
        None => (Origin::Generated, text.into_owned()),
    }
}

/// The build script's own errors: cargo shows each `cargo::error=MESSAGE`
/// as `error: PACKAGE@VERSION: MESSAGE`; a build script that fails without
/// one is still named.
fn build_script_errors(stderr: &str) -> Vec<BuildError> {
    let error = |message: &str| BuildError {
        origin: Origin::BuildScript,
        file: "build.rs".into(),
        line: None,
        column: None,
        message: message.trim().to_string(),
        code: None,
    };
    let mut errors: Vec<BuildError> = stderr
        .lines()
        .filter_map(|line| line.strip_prefix("error: "))
        .filter_map(|rest| {
            let (package, message) = rest.split_once(": ")?;
            let (name, version) = package.split_once('@')?;
            let is_package =
                !name.contains(' ') && version.starts_with(|c: char| c.is_ascii_digit());
            is_package.then(|| error(message))
        })
        .collect();
    if errors.is_empty() && stderr.contains("failed to run custom build command") {
        errors.push(error(
            "the build script failed (cargo's output above has more)",
        ));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(file: &str, line: u64, text: &str, level: &str) -> String {
        serde_json::json!({
            "reason": "compiler-message",
            "message": {
                "level": level,
                "message": text,
                "code": {"code": "E0599"},
                "spans": [
                    {"file_name": "other.rs", "line_start": 1, "column_start": 1, "is_primary": false},
                    {"file_name": file, "line_start": line, "column_start": 19, "is_primary": true}
                ]
            }
        })
        .to_string()
    }

    // Proves errors are read from cargo's JSON at their primary span: a
    // relative file is hand-written and kept as is, an absolute one inside
    // the workspace is made relative, one in OUT_DIR is generated; warnings,
    // notes and other JSON lines are skipped; a multi-line message keeps its
    // first line; hand-written places come first, each once.
    #[test]
    fn compiler_errors_are_read_at_their_primary_span() {
        let ws = Path::new("/tmp/ws");
        let stdout = [
            message(
                "src/write.rs",
                146,
                "no method named `as_i64`\nmore",
                "error",
            ),
            message(
                "/tmp/target/debug/build/t-1a/out/codegen.rs",
                9,
                "bad",
                "error",
            ),
            message(
                "/tmp/ws/src/model.rs",
                23,
                "no method named `as_i64`",
                "error",
            ),
            message("src/model.rs", 23, "no method named `as_i64`", "error"),
            message("src/lib.rs", 1, "unused", "warning"),
            message("src/lib.rs", 1, "For more information", "failure-note"),
            r#"{"reason":"build-finished","success":false}"#.to_string(),
            "not json".to_string(),
        ]
        .join("\n");
        let errors = parse(&stdout, "", ws);
        let lines: Vec<String> = errors.iter().map(BuildError::line).collect();
        assert_eq!(
            lines,
            [
                "src/model.rs:23: no method named `as_i64` [E0599]",
                "src/write.rs:146: no method named `as_i64` [E0599]",
                "generated code (OUT_DIR/codegen.rs:9): bad [E0599]",
            ]
        );
        assert_eq!(errors[0].column, Some(19));
    }

    // Proves a build script's `cargo::error=` lines (as cargo prints them)
    // are its errors, other `error:` lines are not, and a build script that
    // fails silently is still named.
    #[test]
    fn build_script_errors_are_named() {
        let stderr = "   Compiling tallyfy-groups v0.1.0 (/tmp/ws)\n\
            error: tallyfy-groups@0.1.0: spec/tallyfy-groups.yaml: no integer form\n\
            error: failed to run custom build command for `tallyfy-groups v0.1.0 (/tmp/ws)`\n";
        let errors = parse("", stderr, Path::new("/tmp/ws"));
        let lines: Vec<String> = errors.iter().map(BuildError::line).collect();
        assert_eq!(
            lines,
            ["build.rs (the build script): spec/tallyfy-groups.yaml: no integer form"]
        );
        let silent = parse(
            "",
            "error: failed to run custom build command for `x`",
            Path::new("/"),
        );
        assert_eq!(silent.len(), 1);
        assert_eq!(silent[0].origin, Origin::BuildScript);
        assert!(parse("", "error: could not compile `x`", Path::new("/")).is_empty());
    }
}
