//! `cargo xtask spec-diff` with the public API: the fixture edits of
//! spec_diff.rs, each built with rustdoc at the base and in the working tree
//! of a throw-away copy of this repository, and the verdict that the Rust API
//! decides. Slow (two rustdoc builds per fixture), so ignored by default; CI
//! runs them: `cargo test -p xtask --test spec_diff_api -- --ignored`.

mod spec_diff_edits;

use spec_diff_edits::*;
use xtask::spec_diff::api::Impact;
use xtask::spec_diff::diagnostics::Origin;
use xtask::spec_diff::render;
use xtask::spec_diff::verdict::Level;
use xtask::spec_diff::{SpecDiff, SpecDiffOptions, run};

/// Runs spec-diff with the public API on a copy of this repository with
/// `edit`; the builds share this repository's spec-diff target directory
/// (in CARGO_TARGET_DIR when set).
fn diff_in(repo: &std::path::Path, check_version: bool) -> SpecDiff {
    let mut options = SpecDiffOptions::new(repo, "HEAD");
    options.target_dir = SpecDiffOptions::new(&repo_root(), "HEAD").target_dir;
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

// Proves: request member ids integer → string makes build.rs refuse the spec
// (it reads RequestMemberId's integer maximum): spec-diff says the crate
// does not build (exit 1), names the build script and its message as the
// one place, and the verdict is breaking (major).
#[test]
#[ignore = "slow: rustdoc builds; run from .ci/run"]
fn request_member_ids_to_string_fails_the_build_script() {
    let diff = diff(&REQUEST_MEMBER_IDS_TO_STRING);
    let error = diff.api_error.as_deref().expect("the crate must not build");
    assert!(
        error.starts_with("the crate does not build with the new spec"),
        "{error}"
    );
    assert!(diff.api_changes.is_none());
    let [only] = &diff.build_errors[..] else {
        panic!("one build script error: {:#?}", diff.build_errors);
    };
    assert_eq!(only.origin, Origin::BuildScript, "{only:#?}");
    assert!(only.message.contains("RequestMemberId"), "{only:#?}");
    assert_eq!(diff.verdict.level, Level::Major);
    assert_eq!(diff.verdict.builds, Some(false));
    assert_eq!(diff.exit_code(), 1);
}

// Proves (issue #27): Group.members items MemberId → string breaks the
// hand-written layer, and spec-diff --check-version gives the full report:
// the OpenAPI change at the members items, the generated-code diff, exactly
// the two hand-written places that call `as_i64` on a member (one in
// src/model.rs, one in src/core/rmw.rs, each line holding the call, with the
// compiler's message), the verdict breaking (major) decided by them, and
// exit 1 although Cargo.toml is bumped to the required version; the JSON
// carries the same places.
#[test]
#[ignore = "slow: rustdoc builds; run from .ci/run"]
fn group_members_to_string_lists_the_broken_places() {
    let repo = repository(&GROUP_MEMBERS_TO_STRING);
    let manifest = repo.path().join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let table: toml::Table = toml::from_str(&text).unwrap();
    let version = table["package"]["version"].as_str().unwrap().to_string();
    let bumped = xtask::spec_diff::verdict::required(
        &semver::Version::parse(&version).unwrap(),
        Level::Major,
    );
    let old = format!("version = \"{version}\"");
    assert!(text.contains(&old), "the fixture finds the package version");
    std::fs::write(
        &manifest,
        text.replacen(&old, &format!("version = \"{bumped}\""), 1),
    )
    .unwrap();
    let diff = diff_in(repo.path(), true);

    assert!(
        diff.spec_changes
            .iter()
            .any(|c| c.path == "#/components/schemas/Group/properties/members/items"),
        "{:#?}",
        diff.spec_changes
    );
    assert!(
        diff.code_diff
            .contains("pub members: ::std::vec::Vec<::std::string::String>")
    );
    let places: Vec<String> = diff.build_errors.iter().map(|e| e.line()).collect();
    let mut files: Vec<&str> = diff.build_errors.iter().map(|e| e.file.as_str()).collect();
    files.sort_unstable();
    assert_eq!(files, ["src/core/rmw.rs", "src/model.rs"], "{places:#?}");
    for error in &diff.build_errors {
        assert_eq!(error.origin, Origin::HandWritten, "{error:#?}");
        assert!(error.message.contains("as_i64"), "{error:#?}");
        let source = std::fs::read_to_string(repo.path().join(&error.file)).unwrap();
        let line = source.lines().nth(error.line.unwrap() - 1).unwrap();
        assert!(line.contains("as_i64()"), "{error:#?} points at {line:?}");
    }
    assert_eq!(diff.verdict.level, Level::Major);
    assert_eq!(diff.verdict.label, "breaking (major)");
    assert!(
        (diff.verdict.deciding.iter()).any(|d| d.starts_with("does not compile: src/model.rs:")),
        "{:#?}",
        diff.verdict
    );
    let check = diff.version_check.as_ref().unwrap();
    assert!(check.ok, "{check:?}");
    assert_eq!(
        diff.exit_code(),
        1,
        "a crate that does not build fails the check"
    );

    let text = render::human(&diff);
    assert!(text.starts_with("verdict: breaking (major): "), "{text}");
    let broken = text
        .find("\nDoes not compile with the new spec (2 errors):")
        .unwrap();
    assert!(text.find("\nOpenAPI changes (").unwrap() < broken, "{text}");
    assert!(
        text.find("\nGenerated code diff (").unwrap() < broken,
        "{text}"
    );
    for place in &places {
        assert!(text[broken..].contains(place.as_str()), "{place}\n{text}");
    }
    let json: serde_json::Value = serde_json::from_str(&render::json(&diff)).unwrap();
    assert_eq!(
        json["build_errors"].as_array().unwrap().len(),
        2,
        "{json:#}"
    );
    assert_eq!(json["verdict"]["level"], "major");
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
