//! The library behind `cargo xtask`. Owns `spec_check`, which ties the modules
//! together: load the spec (`spec`), convert and compile its schemas
//! (`convert`, `compiled`), check its structure (`structure`), its examples
//! (`examples`) and the samples (`samples`) through the validator (`drift`,
//! worded by `messages`), and gather a `report`.
//! A later `--live`/`--record` mode feeds fetched bodies to
//! `drift::Checker::check_response` the same way `samples` does.

pub mod compiled;
pub mod convert;
pub mod drift;
pub mod examples;
pub mod messages;
pub mod report;
pub mod samples;
pub mod spec;
pub mod structure;

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
        }
    }
}

/// Runs the offline spec check. `Err` is a usage error (a path that cannot be
/// read); everything wrong with the spec or the samples is a finding.
pub fn spec_check(options: &SpecCheckOptions) -> Result<Report, String> {
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
            let (sample_count, sample_findings) =
                samples::check_samples(&checker, &options.samples)
                    .map_err(|e| format!("cannot read {}: {e}", options.samples.display()))?;
            findings.extend(sample_findings);
            Report::new(
                spec_label,
                samples_label,
                sample_count,
                example_count,
                findings,
            )
        }
    };
    if options.strict {
        report.apply_strict();
    }
    Ok(report)
}
