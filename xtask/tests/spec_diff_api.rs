//! `cargo xtask spec-diff` with the public API: the fixture edits of
//! spec_diff.rs, each built with rustdoc at the base and in the working tree
//! of a throw-away copy of this repository, and the verdict that the Rust API
//! decides. Slow (two rustdoc builds per fixture), so ignored by default; CI
//! runs them: `cargo test -p xtask --test spec_diff_api -- --ignored`.

mod spec_diff_edits;

use spec_diff_edits::*;
use xtask::spec_diff::api::Impact;
use xtask::spec_diff::verdict::Level;
use xtask::spec_diff::{SpecDiff, SpecDiffOptions, run};

/// Runs spec-diff with the public API on a copy of this repository with
/// `edit`; the builds share this repository's target/spec-diff.
fn diff_in(repo: &std::path::Path, check_version: bool) -> SpecDiff {
    let mut options = SpecDiffOptions::new(repo, "HEAD");
    options.target_dir = repo_root().join("target/spec-diff");
    options.check_version = check_version;
    run(&options, &mut |step| eprintln!("spec-diff: {step}")).unwrap()
}

fn diff(edit: &Edit) -> SpecDiff {
    let repo = repository(edit);
    diff_in(repo.path(), false)
}

/// The API changes whose rendered item contains `text`.
fn api_lines<'a>(diff: &'a SpecDiff, text: &str) -> Vec<&'a xtask::spec_diff::api::ApiChange> {
    let changes = diff
        .api_changes
        .as_ref()
        .unwrap_or_else(|| panic!("API not compared: {:?}", diff.api_error));
    changes.iter().filter(|c| c.item.contains(text)).collect()
}

// Proves: with response structs generated #[non_exhaustive], a new optional
// response field is an addition to the Rust API, not a break: minor.
#[test]
#[ignore = "slow: rustdoc builds; run from .ci/run"]
fn optional_response_field_is_minor() {
    let diff = diff(&OPTIONAL_RESPONSE_FIELD);
    let field = api_lines(&diff, "Group::color");
    assert!(!field.is_empty(), "{:#?}", diff.api_changes);
    assert!(
        field.iter().all(|c| c.impact == Impact::Addition),
        "{field:#?}"
    );
    assert_eq!(diff.verdict.level, Level::Minor, "{:#?}", diff.verdict);
    assert_eq!(diff.exit_code(), 0);
}

// Proves: members items integer → string breaks the crate's own hand-written
// layer, and spec-diff says so (exit 1) with a verdict of at least major.
#[test]
#[ignore = "slow: rustdoc builds; run from .ci/run"]
fn members_integer_to_string_does_not_build() {
    let diff = diff(&MEMBERS_TO_STRING);
    let error = diff.api_error.as_deref().expect("the crate must not build");
    assert!(
        error.starts_with("the crate does not build with the new spec"),
        "{error}"
    );
    assert!(diff.api_changes.is_none());
    assert_eq!(diff.verdict.level, Level::Major);
    assert!(!diff.verdict.api_compared);
    assert_eq!(diff.exit_code(), 1);
}

// Proves: a new sort_by value, compatible for clients on the wire, adds a
// variant to the exhaustive Rust enum SortBy: the verdict is major.
#[test]
#[ignore = "slow: rustdoc builds; run from .ci/run"]
fn new_sort_by_value_is_major() {
    let diff = diff(&SORT_BY_VALUE);
    let variant = api_lines(&diff, "SortBy::LastUpdated");
    assert!(
        variant.iter().any(|c| c.impact == Impact::Breaking
            && c.reason
                .as_deref()
                .is_some_and(|r| r.contains("variant added to enum SortBy"))),
        "{variant:#?}"
    );
    assert_eq!(diff.verdict.level, Level::Major);
    assert!(
        diff.verdict.deciding.iter().any(|l| l.contains("SortBy")),
        "{:#?}",
        diff.verdict
    );
}

// Proves: a new optional query parameter adds a builder method to the raw
// client only: minor.
#[test]
#[ignore = "slow: rustdoc builds; run from .ci/run"]
fn new_optional_query_parameter_is_minor() {
    let diff = diff(&OPTIONAL_QUERY_PARAMETER);
    let method = api_lines(&diff, "archived");
    assert!(!method.is_empty(), "{:#?}", diff.api_changes);
    assert!(
        method.iter().all(|c| c.impact == Impact::Addition),
        "{method:#?}"
    );
    assert_eq!(diff.verdict.level, Level::Minor, "{:#?}", diff.verdict);
}

// Proves: a removed response field removes a public field: major.
#[test]
#[ignore = "slow: rustdoc builds; run from .ci/run"]
fn removed_response_field_is_major() {
    let diff = diff(&RESPONSE_FIELD_REMOVED);
    let field = api_lines(&diff, "Group::deleted_at");
    assert!(
        field
            .iter()
            .any(|c| c.kind == "removed" && c.impact == Impact::Breaking),
        "{field:#?}"
    );
    assert_eq!(diff.verdict.level, Level::Major);
}

// Proves: a removed operation removes the raw client's method: major.
#[test]
#[ignore = "slow: rustdoc builds; run from .ci/run"]
fn removed_operation_is_major() {
    let diff = diff(&OPERATION_REMOVED);
    let method = api_lines(&diff, "archive_group");
    assert!(
        method
            .iter()
            .any(|c| c.kind == "removed" && c.impact == Impact::Breaking),
        "{:#?}",
        diff.api_changes
    );
    assert_eq!(diff.verdict.level, Level::Major);
}

// Proves: a description-only change leaves the public API alone: patch; and
// --check-version fails while Cargo.toml keeps the base's version, passes
// once it is bumped to what the verdict requires.
#[test]
#[ignore = "slow: rustdoc builds; run from .ci/run"]
fn description_only_change_is_a_patch_and_needs_a_bump() {
    let repo = repository(&DESCRIPTION_ONLY);
    let diff = diff_in(repo.path(), true);
    assert_eq!(
        diff.api_changes.as_deref(),
        Some(&[][..]),
        "{:#?}",
        diff.api_changes
    );
    assert_eq!(diff.verdict.level, Level::Patch);
    let check = diff.version_check.as_ref().unwrap();
    assert!(!check.ok, "{check:?}");
    assert_eq!(check.required, diff.required_version);
    assert_eq!(diff.exit_code(), 1);

    let manifest = repo.path().join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let old = format!("version = \"{}\"", diff.base_version);
    assert!(text.contains(&old), "the fixture finds the package version");
    let bumped = text.replacen(&old, &format!("version = \"{}\"", diff.required_version), 1);
    std::fs::write(&manifest, bumped).unwrap();
    let diff = diff_in(repo.path(), true);
    let check = diff.version_check.as_ref().unwrap();
    assert!(check.ok, "{check:?}");
    assert_eq!(diff.exit_code(), 0);
}
