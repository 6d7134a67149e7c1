//! `cargo xtask spec-diff` without the public API (fast): each fixture edit of
//! the spec gets its expected classification, place and verdict from the
//! OpenAPI diff and the generated-code diff. The same fixtures with the public
//! API (rustdoc, slow) are in spec_diff_api.rs.

mod spec_diff_edits;

use spec_diff_edits::*;
use xtask::spec_diff::openapi::{Class, Side, SpecChange};
use xtask::spec_diff::verdict::Level;
use xtask::spec_diff::{SpecDiff, SpecDiffOptions, run};

fn diff(edit: &Edit) -> SpecDiff {
    let repo = repository(edit);
    let mut options = SpecDiffOptions::new(repo.path(), "HEAD");
    options.public_api = false;
    run(&options, &mut |_| {}).unwrap_or_else(|e| panic!("{}: {e}", edit.name))
}

/// The one change at `path`, failing with the whole list if there is none.
fn change_at<'a>(diff: &'a SpecDiff, path: &str) -> &'a SpecChange {
    diff.spec_changes
        .iter()
        .find(|c| c.path == path)
        .unwrap_or_else(|| panic!("no change at {path}: {:#?}", diff.spec_changes))
}

const GROUP_READERS: [&str; 4] = ["createGroup", "getGroup", "listGroups", "updateGroup"];

// Proves: a new optional response property is compatible on the wire (drift
// alone calls it "unhandled"), is placed in the responses of every operation
// that returns a Group, shows as a new field in the generated code, and is a
// minor change.
#[test]
fn optional_response_field_is_compatible() {
    let diff = diff(&OPTIONAL_RESPONSE_FIELD);
    let change = change_at(&diff, "#/components/schemas/Group/properties/color");
    assert_eq!(change.class, Class::Compatible);
    assert!(!change.documentation);
    assert_eq!(change.side, Side::Response);
    assert_eq!(change.operations, GROUP_READERS);
    assert_eq!(diff.spec_changes.len(), 1, "{:#?}", diff.spec_changes);
    assert!(
        diff.code_diff.contains("+        pub color: "),
        "{}",
        diff.code_diff
    );
    assert_eq!(diff.verdict.level, Level::Minor);
    assert_eq!(diff.required_version, "0.2.1");
}

// Proves: changing the type of request body items (the member ids, integer or
// digit string, to any string) is breaking for clients, placed in the requests of
// both operations that send member ids, and major (0.x: a minor bump).
#[test]
fn request_member_ids_to_string_is_breaking() {
    let diff = diff(&REQUEST_MEMBER_IDS_TO_STRING);
    let change = change_at(&diff, "#/components/schemas/RequestMemberId");
    assert_eq!(change.class, Class::BreakingForClients);
    assert_eq!(change.side, Side::Request);
    assert_eq!(change.operations, ["createGroup", "updateGroup"]);
    assert!(
        diff.code_diff.contains("pub struct RequestMemberId("),
        "{}",
        diff.code_diff
    );
    assert_eq!(diff.verdict.level, Level::Major);
    assert!(
        diff.verdict.deciding[0].contains("RequestMemberId"),
        "{:?}",
        diff.verdict
    );
    assert_eq!(diff.required_version, "0.3.0");
}

// Proves (issue #27, without the public API): Group.members items from
// MemberId to string is named in the OpenAPI changes at the members items,
// in the responses of every operation that returns a Group, and the
// generated field becomes `Vec<String>`.
#[test]
fn group_members_to_string_is_named_and_regenerated() {
    let diff = diff(&GROUP_MEMBERS_TO_STRING);
    let change = change_at(&diff, "#/components/schemas/Group/properties/members/items");
    assert_eq!(change.side, Side::Response);
    assert_eq!(change.operations, GROUP_READERS);
    assert!(
        diff.code_diff
            .contains("+        pub members: ::std::vec::Vec<::std::string::String>,"),
        "{}",
        diff.code_diff
    );
    assert_eq!(diff.verdict.level, Level::Major, "{:#?}", diff.verdict);
    assert!(!diff.verdict.api_compared);
    assert_eq!(diff.verdict.builds, None, "--no-api builds nothing");
    assert!(diff.build_errors.is_empty());
}

// Proves: a new request enum value is breaking for the server only (it must
// accept it), placed at SortBy in listGroups' request; without the public API
// the verdict is minor (spec_diff_api.rs shows the Rust enum makes it major).
#[test]
fn new_sort_by_value_breaks_the_server() {
    let diff = diff(&SORT_BY_VALUE);
    let change = change_at(&diff, "#/components/schemas/SortBy");
    assert_eq!(change.class, Class::BreakingForServer);
    assert_eq!(change.side, Side::Request);
    assert_eq!(change.operations, ["listGroups"]);
    assert!(
        change.message.contains("\"last_updated\""),
        "{}",
        change.message
    );
    assert!(
        diff.code_diff.contains("+        LastUpdated,"),
        "{}",
        diff.code_diff
    );
    assert_eq!(diff.verdict.level, Level::Minor);
    assert!(!diff.verdict.api_compared);
}

// Proves: a new optional query parameter is breaking for the server (drift's
// forward-incompatible), placed at listGroups' operation, minor.
#[test]
fn new_optional_query_parameter_breaks_the_server() {
    let diff = diff(&OPTIONAL_QUERY_PARAMETER);
    // The new parameter is appended after the ones the operation has today.
    let index = list_groups_parameter_count();
    let change = change_at(
        &diff,
        &format!("#/paths/~1organizations~1{{org_id}}~1groups/get/parameters/{index}"),
    );
    assert_eq!(change.class, Class::BreakingForServer);
    assert_eq!(change.side, Side::Request);
    assert_eq!(change.operations, ["listGroups"]);
    assert!(change.message.contains("archived"), "{}", change.message);
    assert!(
        diff.code_diff.contains("pub fn archived"),
        "{}",
        diff.code_diff
    );
    assert_eq!(diff.verdict.level, Level::Minor);
}

// Proves: a removed response property is breaking for clients, placed at its
// old path in the Group responses, major.
#[test]
fn removed_response_field_is_breaking() {
    let diff = diff(&RESPONSE_FIELD_REMOVED);
    let change = change_at(&diff, "#/components/schemas/Group/properties/deleted_at");
    assert_eq!(change.class, Class::BreakingForClients);
    assert_eq!(change.side, Side::Response);
    assert_eq!(change.operations, GROUP_READERS);
    assert!(
        diff.code_diff.contains("-        pub deleted_at: "),
        "{}",
        diff.code_diff
    );
    assert_eq!(diff.verdict.level, Level::Major);
}

// Proves: a removed operation is breaking for clients, placed at the
// operation of the old spec, major.
#[test]
fn removed_operation_is_breaking() {
    let diff = diff(&OPERATION_REMOVED);
    let change = change_at(
        &diff,
        "#/paths/~1organizations~1{org_id}~1groups~1{group_id}~1archive/post",
    );
    assert_eq!(change.class, Class::BreakingForClients);
    assert_eq!(change.side, Side::Operation);
    assert_eq!(change.operations, ["archiveGroup"]);
    assert!(
        diff.code_diff.contains("-    pub fn archive_group"),
        "{}",
        diff.code_diff
    );
    assert_eq!(diff.verdict.level, Level::Major);
}

// Proves: rewording a description is documentation only: compatible, a
// patch, visible in the generated doc comments and nothing else.
#[test]
fn description_only_change_is_a_patch() {
    let diff = diff(&DESCRIPTION_ONLY);
    let change = change_at(&diff, "#/components/schemas/Group");
    assert_eq!(change.class, Class::Compatible);
    assert!(change.documentation);
    assert_eq!(diff.spec_changes.len(), 1, "{:#?}", diff.spec_changes);
    assert!(diff.code_diff.contains("(reworded)"), "{}", diff.code_diff);
    assert_eq!(diff.verdict.level, Level::Patch);
    assert_eq!(diff.required_version, "0.2.1");
}

// Proves: no edit, no change: verdict none, no bump required.
#[test]
fn no_edit_means_no_change() {
    let diff = diff(&Edit {
        name: "none",
        base: unchanged,
        head: unchanged,
    });
    assert!(diff.spec_changes.is_empty(), "{:#?}", diff.spec_changes);
    assert!(diff.code_diff.is_empty());
    assert_eq!(diff.verdict.level, Level::None);
    assert_eq!(diff.required_version, diff.base_version);
}

// Proves: a head spec that is not YAML gives one line: the spec, the side,
// and the position where parsing stopped (the unclosed `[` of line 1 runs
// into the end of the file, line 2), and no report.
#[test]
fn unparsable_spec_gives_one_error_with_its_position() {
    let repo = repository(&Edit {
        name: "broken",
        base: unchanged,
        head: unchanged,
    });
    std::fs::write(
        repo.path().join("spec/tallyfy-groups.yaml"),
        "openapi: [not, a, spec\n",
    )
    .unwrap();
    let mut options = SpecDiffOptions::new(repo.path(), "HEAD");
    options.public_api = false;
    let error = run(&options, &mut |_| {}).unwrap_err();
    assert!(
        error.starts_with(
            "spec/tallyfy-groups.yaml (working tree): line 2, column 1: not valid YAML: "
        ),
        "{error}"
    );
    assert!(!error.contains('\n'), "{error}");
}

// Proves: a head spec that is YAML but not OpenAPI (`paths` a list) names
// the position of the offending value too.
#[test]
fn spec_that_is_not_openapi_gives_its_position() {
    let repo = repository(&Edit {
        name: "paths a list",
        base: unchanged,
        head: |spec| spec["paths"] = serde_yaml::from_str("[1]").unwrap(),
    });
    let mut options = SpecDiffOptions::new(repo.path(), "HEAD");
    options.public_api = false;
    let error = run(&options, &mut |_| {}).unwrap_err();
    let prefix = "spec/tallyfy-groups.yaml (working tree): line ";
    assert!(error.starts_with(prefix), "{error}");
    assert!(
        error.contains(": not a valid OpenAPI 3.0 document: "),
        "{error}"
    );
}

// Proves: a spec progenitor refuses (an operation without an operationId)
// gives the build's "progenitor rejected it" message for the side it is on.
#[test]
fn spec_progenitor_rejects_gives_the_builds_message() {
    let repo = repository(&Edit {
        name: "no operationId",
        base: unchanged,
        head: |spec| {
            spec["paths"]["/organizations/{org_id}/groups"]["get"]
                .as_mapping_mut()
                .unwrap()
                .remove("operationId");
        },
    });
    let mut options = SpecDiffOptions::new(repo.path(), "HEAD");
    options.public_api = false;
    let error = run(&options, &mut |_| {}).unwrap_err();
    assert!(
        error.starts_with("spec/tallyfy-groups.yaml (working tree): progenitor"),
        "{error}"
    );
}

// Proves: the command line is wired: `spec-diff --no-api` prints the verdict
// first for people, one JSON document with --json, and exits 0 (this
// repository's spec builds); --check-version needs the public API.
#[test]
fn command_line_prints_verdict_first_and_json() {
    let xtask = env!("CARGO_BIN_EXE_xtask");
    let human = std::process::Command::new(xtask)
        .args(["spec-diff", "--no-api"])
        .output()
        .unwrap();
    assert_eq!(
        human.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&human.stderr)
    );
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(text.starts_with("verdict: at least "), "{text}"); // --no-api: a lower bound
    assert!(text.contains("\nOpenAPI changes ("), "{text}");
    let stderr = String::from_utf8(human.stderr).unwrap();
    assert!(
        stderr.contains("spec-diff: generating the client from both specs"),
        "{stderr}"
    );

    let json = std::process::Command::new(xtask)
        .args(["spec-diff", "--no-api", "--json"])
        .output()
        .unwrap();
    assert_eq!(json.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["base"], "HEAD");
    assert!(value["verdict"]["level"].is_string(), "{value}");
    assert_eq!(value["verdict"]["api_compared"], false);

    let usage = std::process::Command::new(xtask)
        .args(["spec-diff", "--no-api", "--check-version"])
        .output()
        .unwrap();
    assert_eq!(usage.status.code(), Some(2));
}

// Proves: the bump each verdict requires follows Cargo's 0.x rule (breaking
// bumps the minor, anything else the patch; 0.0.x always bumps the patch)
// and plain semver from 1.0 on; no change requires no bump.
#[test]
fn required_versions_follow_cargos_semver_rules() {
    use xtask::spec_diff::verdict::required;
    let v = |s: &str| semver::Version::parse(s).unwrap();
    let cases = [
        ("0.1.3", Level::Major, "0.2.0"),
        ("0.1.3", Level::Minor, "0.1.4"),
        ("0.1.3", Level::Patch, "0.1.4"),
        ("0.1.3", Level::None, "0.1.3"),
        ("0.0.7", Level::Major, "0.0.8"),
        ("1.4.2", Level::Major, "2.0.0"),
        ("1.4.2", Level::Minor, "1.5.0"),
        ("1.4.2", Level::Patch, "1.4.3"),
    ];
    for (base, level, expected) in cases {
        assert_eq!(
            required(&v(base), level).to_string(),
            expected,
            "{base} {level:?}"
        );
    }
}

// Proves: --check-version's comparison passes at or above the required
// version, fails below it, and rejects a version that is not semver.
#[test]
fn check_version_compares_with_the_required_version() {
    use xtask::spec_diff::verdict::check_version;
    assert!(check_version("0.1.0", "0.2.0", Level::Major).unwrap().ok);
    assert!(check_version("0.1.0", "0.3.1", Level::Major).unwrap().ok);
    let low = check_version("0.1.0", "0.1.5", Level::Major).unwrap();
    assert!(!low.ok);
    assert_eq!(low.required, "0.2.0");
    assert!(!check_version("0.1.0", "0.1.0", Level::Patch).unwrap().ok);
    assert!(check_version("0.1.0", "0.1.0", Level::None).unwrap().ok);
    assert!(check_version("0.1.0", "one", Level::Patch).is_err());
}
