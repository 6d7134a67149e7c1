//! Findings and their output. Owns the `Finding` type every check produces, the
//! `Report` that gathers them with the counts, `--strict` promotion of warnings,
//! the exit code, and the two renderings (human lines and one JSON document).

use serde::Serialize;

/// How bad a finding is: errors fail the run, warnings only with `--strict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem: where it is (`source`: a sample file name, or the spec file with
/// the JSON pointer of an example; `path`: a JSON pointer inside that document,
/// `""` for the whole document) and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub source: String,
    pub path: String,
    pub message: String,
}

impl Finding {
    pub fn error(
        source: impl Into<String>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            severity: Severity::Error,
            source: source.into(),
            path: path.into(),
            message: message.into(),
        }
    }

    pub fn warning(
        source: impl Into<String>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            severity: Severity::Warning,
            source: source.into(),
            path: path.into(),
            message: message.into(),
        }
    }

    /// One line: `severity: source: path: message` (the path `(root)` for `""`).
    pub fn to_line(&self) -> String {
        let path = if self.path.is_empty() {
            "(root)"
        } else {
            &self.path
        };
        format!(
            "{}: {}: {}: {}",
            self.severity.as_str(),
            self.source,
            path,
            self.message
        )
    }
}

/// The outcome of one `spec-check` run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The spec file as given (or the repository's default).
    pub spec: String,
    /// The samples directory as given (or the repository's default).
    pub samples_dir: String,
    /// Number of sample files looked at.
    pub samples: usize,
    /// Number of examples (and defaults) in the spec that were validated.
    pub examples: usize,
    /// Number of live responses checked (`--live` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live: Option<usize>,
    /// Sample files written (`--record` only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recorded: Vec<String>,
    /// Whether warnings were promoted to errors.
    pub strict: bool,
    pub errors: usize,
    pub warnings: usize,
    pub findings: Vec<Finding>,
}

impl Report {
    /// Builds a report; findings are sorted and de-duplicated so output is stable.
    pub fn new(
        spec: impl Into<String>,
        samples_dir: impl Into<String>,
        samples: usize,
        examples: usize,
        mut findings: Vec<Finding>,
    ) -> Self {
        findings.sort_by(|a, b| {
            (&a.source, &a.path, a.severity, &a.message)
                .cmp(&(&b.source, &b.path, b.severity, &b.message))
        });
        findings.dedup();
        let mut report = Report {
            spec: spec.into(),
            samples_dir: samples_dir.into(),
            samples,
            examples,
            live: None,
            recorded: Vec::new(),
            strict: false,
            errors: 0,
            warnings: 0,
            findings,
        };
        report.recount();
        report
    }

    fn recount(&mut self) {
        self.errors = self.count(Severity::Error);
        self.warnings = self.count(Severity::Warning);
    }

    fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// Adds what `--live` checked and `--record` wrote.
    pub fn set_live(&mut self, responses: usize, recorded: Vec<String>) {
        self.live = Some(responses);
        self.recorded = recorded;
    }

    /// Replaces `secret` wherever it occurs in a finding with
    /// [`REDACTED`](crate::redact::REDACTED).
    pub fn scrub(&mut self, secret: &str) {
        for finding in &mut self.findings {
            for text in [&mut finding.source, &mut finding.path, &mut finding.message] {
                *text = crate::redact::scrub(text, secret);
            }
        }
    }

    /// `--strict`: every warning becomes an error.
    pub fn apply_strict(&mut self) {
        self.strict = true;
        for finding in &mut self.findings {
            finding.severity = Severity::Error;
        }
        self.recount();
    }

    /// 0 when there is no error, 1 otherwise (2, usage errors, is decided by the caller).
    pub fn exit_code(&self) -> u8 {
        if self.errors == 0 { 0 } else { 1 }
    }

    /// One line per finding, one per recorded file, then the summary line.
    pub fn render_human(&self) -> String {
        let mut out = String::new();
        for finding in &self.findings {
            out.push_str(&finding.to_line());
            out.push('\n');
        }
        for path in &self.recorded {
            out.push_str(&format!("recorded: {path}\n"));
        }
        out.push_str(&self.summary());
        out.push('\n');
        out
    }

    /// `spec-check: 31 samples, 14 spec examples, 0 errors, 2 warnings`, with
    /// `8 live responses, ` before the counts after `--live`.
    pub fn summary(&self) -> String {
        let live = self
            .live
            .map(|n| format!("{n} live responses, "))
            .unwrap_or_default();
        format!(
            "spec-check: {} samples, {} spec examples, {live}{} errors, {} warnings{}",
            self.samples,
            self.examples,
            self.errors,
            self.warnings,
            if self.strict { " (strict)" } else { "" }
        )
    }

    /// The whole report as one pretty-printed JSON document.
    pub fn render_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a report always serializes");
        text.push('\n');
        text
    }
}
