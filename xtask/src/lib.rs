//! The library behind `cargo xtask`. Owns `spec_check`, which ties the modules
//! together: load the spec (`spec`), convert and compile its schemas
//! (`convert`, `compiled`), check its structure (`structure`), its examples
//! (`examples`) and the samples (`samples`) through the validator (`drift`,
//! worded by `messages`), and gather a `report`. With `--live`, `live` fetches
//! bodies from the API (through its own client, `http`, with `credentials`)
//! and feeds them to `drift::Checker::check_response` the same way `samples`
//! does, and `record` (through `redact`, checked by `leaks`, both writing and
//! reading the spellings of `placeholders`) writes them as samples.
//!
//! The xtask does not depend on the library it checks: a spec edit that
//! breaks the hand-written layer must not break `cargo xtask` (spec-diff
//! reports such an edit; see `spec_diff`).

pub mod compiled;
pub mod convert;
pub mod credentials;
pub mod drift;
pub mod examples;
pub mod http;
pub mod leaks;
pub mod live;
pub mod messages;
#[path = "../../codegen/naming.rs"]
pub mod naming;
pub mod placeholders;
pub mod record;
pub mod redact;
pub mod report;
pub mod samples;
pub mod spec;
pub mod spec_diff;
pub mod structure;
pub mod yaml;

use std::path::{Path, PathBuf};

use report::{Finding, Report};
use spec::{LoadError, Spec};

/// The repository root (the parent of the xtask package).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// What `spec-check` checks; `label`s are how output names the paths.
#[derive(Debug, Clone)]
pub struct SpecCheckOptions {
    pub spec: PathBuf,
    pub spec_label: String,
    pub samples: PathBuf,
    pub samples_label: String,
    pub strict: bool,
    /// `--live` (and `--record`): check the API's answers too.
    pub live: Option<LiveOptions>,
}

/// What `--live` needs: where to call, and where to record (if anywhere).
#[derive(Debug, Clone)]
pub struct LiveOptions {
    pub config: live::LiveConfig,
    pub record: Option<PathBuf>,
}

impl Default for SpecCheckOptions {
    /// The repository's own spec and samples.
    fn default() -> Self {
        let root = repo_root();
        SpecCheckOptions {
            spec: root.join("spec/tallyfy-groups.yaml"),
            spec_label: "spec/tallyfy-groups.yaml".into(),
            samples: root.join("spec/samples"),
            samples_label: "spec/samples".into(),
            strict: false,
            live: None,
        }
    }
}

/// Runs the spec check: offline, and live too when `options.live` is set.
/// `Err` is a usage error (a path that cannot be read or written, a client
/// that cannot be configured); everything wrong with the spec, the samples or
/// the live answers is a finding. The token never appears in the result.
pub fn spec_check(options: &SpecCheckOptions) -> Result<Report, String> {
    let token = options.live.as_ref().map_or("", |l| l.config.token());
    let mut report = offline_and_live(options).map_err(|e| redact::scrub(&e, token))?;
    report.scrub(token);
    Ok(report)
}

fn offline_and_live(options: &SpecCheckOptions) -> Result<Report, String> {
    if !options.samples.is_dir() {
        return Err(format!(
            "samples directory {} does not exist",
            options.samples.display()
        ));
    }
    let (spec_label, samples_label) = (&options.spec_label, &options.samples_label);
    let mut report = match Spec::load(&options.spec, spec_label.clone()) {
        Err(LoadError::Io(message)) => return Err(message),
        Err(LoadError::Invalid(message)) => Report::new(
            spec_label,
            samples_label,
            0,
            0,
            vec![Finding::error(spec_label, "", message)],
        ),
        Ok(spec) => {
            let mut findings = structure::check_structure(&spec);
            let checker = drift::Checker::new(spec);
            findings.extend(checker.conversion_problems());
            let (example_count, example_findings) = examples::check_examples(&checker);
            findings.extend(example_findings);
            // Live first: recorded files in the samples directory are then checked too.
            let live = match &options.live {
                Some(live) => Some(check_live(&checker, live, &mut findings)?),
                None => None,
            };
            let (sample_count, sample_findings) =
                samples::check_samples(&checker, &options.samples)
                    .map_err(|e| format!("cannot read {}: {e}", options.samples.display()))?;
            findings.extend(sample_findings);
            let mut report = Report::new(
                spec_label,
                samples_label,
                sample_count,
                example_count,
                findings,
            );
            if let Some((responses, recorded)) = live {
                report.set_live(responses, recorded);
            }
            report
        }
    };
    if options.live.is_some() && report.live.is_none() {
        report.set_live(0, Vec::new()); // the spec is broken: nothing was called
    }
    if options.strict {
        report.apply_strict();
    }
    Ok(report)
}

/// Runs the live calls (and the recording); returns how many responses were
/// checked and the files written.
fn check_live(
    checker: &drift::Checker,
    live: &LiveOptions,
    findings: &mut Vec<Finding>,
) -> Result<(usize, Vec<String>), String> {
    let run = live::run(checker, &live.config)?;
    findings.extend(run.findings);
    let mut recorded = Vec::new();
    if let Some(dir) = &live.record {
        let (org_id, token) = (live.config.org_id(), live.config.token());
        let recording = record::record(checker, dir, &run.responses, org_id, token)?;
        findings.extend(recording.findings);
        recorded = recording
            .written
            .iter()
            .map(|p| p.display().to_string())
            .collect();
    }
    Ok((run.responses.len(), recorded))
}
