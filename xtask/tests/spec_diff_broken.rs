//! How spec-diff decides and shows a library that does not build with the
//! new spec (fast: no build; the real build of such an edit is
//! `group_members_to_string_lists_the_broken_places` in spec_diff_api.rs):
//! the verdict, and the full report in text and JSON.

use xtask::spec_diff::SpecDiff;
use xtask::spec_diff::diagnostics::{BuildError, Origin};
use xtask::spec_diff::openapi::{Class, Side, SpecChange};
use xtask::spec_diff::verdict::{Level, decide};
use xtask::spec_diff::{render, verdict};

// Proves: a crate that does not build with the new spec is breaking (major)
// whatever the other changes say, its places decide the verdict first, a
// failure without places still decides it, and `builds` tells the three
// cases apart (built, broken, not built).
#[test]
fn a_crate_that_does_not_build_is_breaking() {
    let error = BuildError {
        origin: Origin::HandWritten,
        file: "src/model.rs".into(),
        line: Some(23),
        column: Some(19),
        message: "no method named `as_i64` found".into(),
        code: Some("E0599".into()),
    };
    let verdict = decide(&[], true, None, Some(&[error]));
    assert_eq!(verdict.level, Level::Major);
    assert_eq!(verdict.label, "breaking (major)");
    assert_eq!(
        verdict.deciding,
        ["does not compile: src/model.rs:23: no method named `as_i64` found [E0599]"]
    );
    assert_eq!(verdict.builds, Some(false));
    let unknown = decide(&[], false, None, Some(&[]));
    assert_eq!(unknown.level, Level::Major);
    assert!(
        unknown.deciding[0].contains("does not build"),
        "{unknown:?}"
    );
    assert_eq!(decide(&[], true, Some(&[]), None).builds, Some(true));
    let patch = decide(&[], true, None, None);
    assert_eq!((patch.level, patch.builds), (Level::Patch, None));
}

// Proves how a broken build reads: the verdict line says breaking (major)
// with no "at least", the reason the public API was not compared is given,
// the OpenAPI changes and the generated-code diff come first and the places
// that no longer compile last (one line each: file:line, message); the
// JSON carries the same places and the verdict's label; the exit code is 1.
#[test]
fn a_broken_build_is_rendered_in_full() {
    let place = |file: &str, line| BuildError {
        origin: Origin::HandWritten,
        file: file.into(),
        line: Some(line),
        column: Some(1),
        message: "no method named `as_i64` found".into(),
        code: None,
    };
    let errors = vec![place("src/model.rs", 23), place("src/write.rs", 146)];
    let change = SpecChange {
        class: Class::BreakingForClients,
        documentation: false,
        side: Side::Response,
        operations: vec!["getGroup".into()],
        path: "#/components/schemas/Group/properties/members/items".into(),
        message: "schema kind changed".into(),
    };
    let code_diff =
        "--- a\n+++ b\n-    pub members: Vec<MemberId>,\n+    pub members: Vec<String>,\n";
    let verdict = verdict::decide(std::slice::from_ref(&change), true, None, Some(&errors));
    let diff = SpecDiff {
        base: "HEAD".into(),
        verdict,
        base_version: "0.1.0".into(),
        required_version: "0.2.0".into(),
        version_check: Some(verdict::check_version("0.1.0", "0.2.0", Level::Major).unwrap()),
        spec_changes: vec![change],
        api_changes: None,
        api_error: Some("the crate does not build with the new spec: 2 errors".into()),
        build_errors: errors,
        code_diff: code_diff.into(),
    };
    assert_eq!(diff.exit_code(), 1, "bumped or not, a broken crate fails");
    let text = render::human(&diff);
    assert!(
        text.starts_with("verdict: breaking (major): version 0.1.0 at HEAD → 0.2.0 or later\n"),
        "{text}"
    );
    assert!(text.contains("  the public API was not compared: the crate does not build"));
    let order = [
        "\nOpenAPI changes (1):",
        "#/components/schemas/Group/properties/members/items",
        "\nGenerated code diff (4 lines):",
        "+    pub members: Vec<String>,",
        "\nDoes not compile with the new spec (2 errors):",
        "\n  src/model.rs:23: no method named `as_i64` found\n",
        "  src/write.rs:146: no method named `as_i64` found\n",
    ];
    let mut from = 0;
    for part in order {
        let at = text[from..]
            .find(part)
            .unwrap_or_else(|| panic!("{part:?} missing or out of order:\n{text}"));
        from += at + part.len();
    }
    let json: serde_json::Value = serde_json::from_str(&render::json(&diff)).unwrap();
    assert_eq!(json["verdict"]["label"], "breaking (major)");
    assert_eq!(json["verdict"]["builds"], false);
    assert_eq!(json["build_errors"][1]["file"], "src/write.rs");
    assert_eq!(json["build_errors"][1]["line"], 146);
    assert_eq!(json["build_errors"][1]["origin"], "hand-written");
}
