//! `cargo xtask spec-diff`: what an edit to the spec does to the API and to
//! the crate. Owns the order of the steps and what they hand each other:
//! read both specs (`rustdoc::file_at` for the base; parsed by `crate::yaml`,
//! whose errors give their position), classify the OpenAPI changes
//! (`openapi`), generate and diff the code (`code`, through the build's own
//! codegen/generate.rs), check that the working tree's library still builds
//! (`rustdoc::check`; its errors read by `diagnostics`), build and compare
//! the public API (`rustdoc`, `api`), decide the verdict and check the
//! version (`verdict`), and `render` it. It never writes to the working tree.
//!
//! It never compiles the library into the xtask itself: the library is
//! built in a copy, so an edit that breaks the hand-written layer gets a
//! full report (the places that no longer compile, a breaking verdict)
//! instead of stopping `cargo xtask`.

#[path = "../../codegen/generate.rs"]
mod generate;

pub mod api;
pub mod code;
pub mod diagnostics;
pub mod openapi;
pub mod render;
pub mod rustdoc;
pub mod verdict;

use std::path::{Path, PathBuf};

use serde::Serialize;

use api::ApiChange;
use diagnostics::BuildError;
use openapi::SpecChange;
use rustdoc::NotBuilt;
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
    /// Where the builds go (shared, so dependencies build once):
    /// `spec-diff` in cargo's target directory (`CARGO_TARGET_DIR`, else
    /// `target` in the repository).
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
            target_dir: cargo_target_dir(root).join("spec-diff"),
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
    /// What no longer compiles with the new spec (empty when it builds or
    /// was not built), hand-written places first.
    pub build_errors: Vec<BuildError>,
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
    let old_json = crate::yaml::parse_value(&old_text).map_err(|e| format!("{base_label}: {e}"))?;
    let new_json = crate::yaml::parse_value(&new_text).map_err(|e| format!("{head_label}: {e}"))?;

    progress("generating the client from both specs");
    let old_code = code::generate_code(&old_text).map_err(|e| format!("{base_label}: {e}"))?;
    let new_code = code::generate_code(&new_text).map_err(|e| format!("{head_label}: {e}"))?;
    let code_diff = code::unified_diff(&old_code, &new_code, (&base_label, &head_label));

    let spec_changes = openapi::compare(&old_json, &new_json)
        .map_err(|e| format!("drift cannot compare the specs: {e}"))?;

    let (mut api_changes, mut api_error, mut build_errors) = (None, None, Vec::new());
    if options.public_api {
        match public_api(options, progress)? {
            Ok(changes) => api_changes = Some(changes),
            Err(not_built) => {
                api_error = Some(not_built_message(&not_built));
                build_errors = not_built.errors;
            }
        }
    }
    let broken = api_error.is_some().then_some(&build_errors[..]);

    let verdict = verdict::decide(
        &spec_changes,
        !code_diff.is_empty(),
        api_changes.as_deref(),
        broken,
    );
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
        build_errors,
        code_diff,
    })
}

/// The one-line reason the public API was not compared.
fn not_built_message(not_built: &NotBuilt) -> String {
    let errors = &not_built.errors;
    if errors.is_empty() {
        return format!(
            "the crate does not build with the new spec: {}",
            not_built.detail
        );
    }
    let places: Vec<String> = errors.iter().take(4).map(BuildError::place).collect();
    let more = if errors.len() > places.len() {
        format!(", and {} more", errors.len() - places.len())
    } else {
        String::new()
    };
    format!(
        "the crate does not build with the new spec: {} error{} ({}{more})",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" },
        places.join(", ")
    )
}

/// Cargo's target directory for `root`: `CARGO_TARGET_DIR` (relative to the
/// current directory, as cargo reads it) or `root/target`.
pub fn cargo_target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            match std::env::current_dir() {
                Ok(cwd) if dir.is_relative() => cwd.join(dir),
                _ => dir,
            }
        }
        None => root.join("target"),
    }
}

/// The public API diff: `Ok(Err(not_built))` when the working tree's crate
/// does not build (a finding: checked first, so a broken edit needs no
/// build of the base), `Err` when the base does not (a usage error).
fn public_api(
    options: &SpecDiffOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<Result<Vec<ApiChange>, NotBuilt>, String> {
    std::fs::create_dir_all(&options.target_dir)
        .map_err(|e| format!("cannot create {}: {e}", options.target_dir.display()))?;
    let scratch =
        tempfile::tempdir().map_err(|e| format!("cannot make a temporary directory: {e}"))?;
    progress(&format!(
        "copying the working tree and checking its library (cargo check into {})",
        options.target_dir.display()
    ));
    let head_tree = scratch.path().join("head");
    rustdoc::snapshot(&options.root, &head_tree)?;
    if let Err(not_built) = rustdoc::check(&head_tree, &options.target_dir) {
        return Ok(Err(not_built));
    }
    // The base's JSON depends only on its tree and the toolchain: keep it.
    let cache = options.target_dir.join("base-json");
    std::fs::create_dir_all(&cache)
        .map_err(|e| format!("cannot create {}: {e}", cache.display()))?;
    let key = rustdoc::cache_key(&options.root, &options.base)?;
    let old_json = cache.join(format!("{key}.json"));
    let base_built = !old_json.is_file();
    if !base_built {
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
            "building rustdoc JSON of {} (slow the first time)",
            options.base
        ));
        let partial = cache.join(format!("{key}.json.partial"));
        rustdoc::document(&base_tree, &options.target_dir, &partial)
            .map_err(|e| format!("the base revision does not build: {e}"))?;
        std::fs::rename(&partial, &old_json)
            .map_err(|e| format!("cannot write {}: {e}", old_json.display()))?;
    }
    let head_tree = if base_built {
        // The base was built after the check: a copy older than that build
        // would be taken as built (see rustdoc's notes). Copy it afresh.
        let fresh = scratch.path().join("head-again");
        rustdoc::snapshot(&options.root, &fresh)?;
        fresh
    } else {
        head_tree
    };
    progress("building the working tree's rustdoc JSON");
    let new_json = scratch.path().join("head.json");
    if let Err(detail) = rustdoc::document(&head_tree, &options.target_dir, &new_json) {
        let errors = Vec::new();
        return Ok(Err(NotBuilt { errors, detail }));
    }
    progress("comparing the public APIs");
    api::compare(&old_json, &new_json).map(Ok)
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
