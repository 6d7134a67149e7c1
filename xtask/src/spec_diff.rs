//! `cargo xtask spec-diff`: what an edit to the spec does to the API and to
//! the crate. Owns the order of the steps and what they hand each other:
//! read both specs (`rustdoc::file_at` for the base), classify the OpenAPI
//! changes (`openapi`), generate and diff the code (`code`, through the
//! build's own codegen/generate.rs), build and compare the public API
//! (`rustdoc`, `api`), decide the verdict and check the version (`verdict`),
//! and `render` it. It never writes to the working tree.

#[path = "../../codegen/generate.rs"]
mod generate;

pub mod api;
pub mod code;
pub mod openapi;
pub mod render;
pub mod rustdoc;
pub mod verdict;

use std::path::{Path, PathBuf};

use serde::Serialize;

use api::ApiChange;
use openapi::SpecChange;
use verdict::{Verdict, VersionCheck};

/// The spec, relative to the repository root.
pub const SPEC: &str = "spec/tallyfy-groups.yaml";

/// What to compare.
#[derive(Debug, Clone)]
pub struct SpecDiffOptions {
    /// The repository: its working tree is the new side.
    pub root: PathBuf,
    /// The git revision of the old side.
    pub base: String,
    /// Where both rustdoc builds go (shared, so dependencies build once).
    pub target_dir: PathBuf,
    /// Build and compare the public API (the slow part).
    pub public_api: bool,
    /// Check that Cargo.toml's version is bumped enough for the verdict.
    pub check_version: bool,
}

impl SpecDiffOptions {
    /// The repository's working tree against `base`, with the public API.
    pub fn new(root: &Path, base: &str) -> SpecDiffOptions {
        SpecDiffOptions {
            root: root.to_path_buf(),
            base: base.to_string(),
            target_dir: root.join("target/spec-diff"),
            public_api: true,
            check_version: false,
        }
    }
}

/// Everything spec-diff found.
#[derive(Debug, Clone, Serialize)]
pub struct SpecDiff {
    pub base: String,
    pub verdict: Verdict,
    /// The smallest version Cargo.toml may carry after the base's.
    pub base_version: String,
    pub required_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_check: Option<VersionCheck>,
    pub spec_changes: Vec<SpecChange>,
    /// None when the public API was not compared (see `api_error`).
    pub api_changes: Option<Vec<ApiChange>>,
    /// Why the public API could not be compared (the new crate does not build).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_error: Option<String>,
    /// Unified diff of the generated code; empty when it did not change.
    pub code_diff: String,
}

impl SpecDiff {
    /// 0 reviewed, 1 the new crate does not build or the version is too low.
    pub fn exit_code(&self) -> u8 {
        let version_ok = self.version_check.as_ref().is_none_or(|v| v.ok);
        if self.api_error.is_some() || !version_ok {
            1
        } else {
            0
        }
    }
}

/// Runs the comparison; `progress` hears about the slow steps. `Err` is a
/// spec that does not parse or generate (the build's message, naming the
/// spec and the side), a base that cannot be read or built, or a git failure.
pub fn run(options: &SpecDiffOptions, progress: &mut dyn FnMut(&str)) -> Result<SpecDiff, String> {
    let base_label = format!("{SPEC} at {}", options.base);
    let head_label = format!("{SPEC} (working tree)");
    let old_text = rustdoc::file_at(&options.root, &options.base, SPEC)?;
    let new_text = std::fs::read_to_string(options.root.join(SPEC))
        .map_err(|e| format!("cannot read {}: {e}", options.root.join(SPEC).display()))?;

    progress("generating the client from both specs");
    let old_code = code::generate_code(&old_text).map_err(|e| format!("{base_label}: {e}"))?;
    let new_code = code::generate_code(&new_text).map_err(|e| format!("{head_label}: {e}"))?;
    let code_diff = code::unified_diff(&old_code, &new_code, (&base_label, &head_label));

    let spec_changes = openapi::compare(&as_json(&old_text)?, &as_json(&new_text)?)
        .map_err(|e| format!("drift cannot compare the specs: {e}"))?;

    let (api_changes, api_error) = if options.public_api {
        match public_api(options, progress)? {
            Ok(changes) => (Some(changes), None),
            Err(message) => (None, Some(message)),
        }
    } else {
        (None, None)
    };

    let verdict = verdict::decide(&spec_changes, !code_diff.is_empty(), api_changes.as_deref());
    let base_version = package_version(&rustdoc::file_at(
        &options.root,
        &options.base,
        "Cargo.toml",
    )?)?;
    let base_semver = semver::Version::parse(&base_version)
        .map_err(|e| format!("version {base_version:?} at {}: {e}", options.base))?;
    let required_version = verdict::required(&base_semver, verdict.level).to_string();
    let version_check = if options.check_version {
        let head_toml = std::fs::read_to_string(options.root.join("Cargo.toml"))
            .map_err(|e| format!("cannot read Cargo.toml: {e}"))?;
        let head_version = package_version(&head_toml)?;
        Some(verdict::check_version(
            &base_version,
            &head_version,
            verdict.level,
        )?)
    } else {
        None
    };
    Ok(SpecDiff {
        base: options.base.clone(),
        verdict,
        base_version,
        required_version,
        version_check,
        spec_changes,
        api_changes,
        api_error,
        code_diff,
    })
}

/// The public API diff: `Ok(Err(message))` when the working tree's crate does
/// not build (a finding), `Err` when the base does not (a usage error).
fn public_api(
    options: &SpecDiffOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<Result<Vec<ApiChange>, String>, String> {
    std::fs::create_dir_all(&options.target_dir)
        .map_err(|e| format!("cannot create {}: {e}", options.target_dir.display()))?;
    let scratch =
        tempfile::tempdir().map_err(|e| format!("cannot make a temporary directory: {e}"))?;
    let new_json = scratch.path().join("head.json");
    // The base's JSON depends only on its tree and the toolchain: keep it.
    let cache = options.target_dir.join("base-json");
    std::fs::create_dir_all(&cache)
        .map_err(|e| format!("cannot create {}: {e}", cache.display()))?;
    let key = rustdoc::cache_key(&options.root, &options.base)?;
    let old_json = cache.join(format!("{key}.json"));
    if old_json.is_file() {
        progress(&format!(
            "rustdoc JSON of {} is cached ({key})",
            options.base
        ));
    } else {
        let base_tree = scratch.path().join("base");
        std::fs::create_dir(&base_tree)
            .map_err(|e| format!("cannot create {}: {e}", base_tree.display()))?;
        progress(&format!("exporting {} (git archive)", options.base));
        rustdoc::export(&options.root, &options.base, &base_tree)?;
        progress(&format!(
            "building rustdoc JSON of {} into {} (slow the first time)",
            options.base,
            options.target_dir.display()
        ));
        let partial = cache.join(format!("{key}.json.partial"));
        rustdoc::build(&base_tree, &options.target_dir, &partial, false)
            .map_err(|e| format!("the base revision does not build: {e}"))?;
        std::fs::rename(&partial, &old_json)
            .map_err(|e| format!("cannot write {}: {e}", old_json.display()))?;
    }
    progress("copying the working tree; checking its library and building its rustdoc JSON");
    let head_tree = scratch.path().join("head");
    rustdoc::snapshot(&options.root, &head_tree)?;
    if let Err(message) = rustdoc::build(&head_tree, &options.target_dir, &new_json, true) {
        return Ok(Err(format!(
            "the crate does not build with the new spec: {message}"
        )));
    }
    progress("comparing the public APIs");
    api::compare(&old_json, &new_json).map(Ok)
}

/// A spec's YAML as a JSON value (what drift reads).
fn as_json(text: &str) -> Result<serde_json::Value, String> {
    serde_yaml::from_str(text).map_err(|e| format!("not a valid OpenAPI 3.0 document: {e}"))
}

/// `[package] version` of a Cargo.toml.
fn package_version(manifest: &str) -> Result<String, String> {
    let value: toml::Table =
        toml::from_str(manifest).map_err(|e| format!("Cargo.toml does not parse: {e}"))?;
    value
        .get("package")
        .and_then(|p| p.get("version"))
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .ok_or_else(|| "Cargo.toml has no [package] version".to_string())
}
