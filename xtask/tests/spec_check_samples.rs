//! `cargo xtask spec-check` on samples: the shipped ones are clean, and a
//! sample with one thing changed gives the expected finding at the right path.

mod common;

use common::*;

// Proves the repository is consistent: every shipped sample and every example in
// the spec validates, nothing undeclared appears, and the command exits 0.
#[test]
fn shipped_spec_and_samples_are_clean() {
    let output = run(&["spec-check"]);
    let text = stdout(&output);
    assert_eq!(code(&output), 0, "{text}");
    let summary = text.lines().last().unwrap();
    assert!(summary.starts_with("spec-check: "), "{summary}");
    assert!(summary.ends_with(" 0 errors, 0 warnings"), "{text}");
    let samples = std::fs::read_dir(repo().join("spec/samples"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "json")
        })
        .count();
    assert!(
        summary.contains(&format!(" {samples} samples,")),
        "{summary}"
    );
}

// Proves `--json` prints one JSON document whose counts agree with its findings,
// and that it names what was checked.
#[test]
fn json_output_parses_and_counts_agree() {
    let (exit, report) = run_json(&[]);
    let errors = findings(&report)
        .iter()
        .filter(|f| f["severity"] == "error")
        .count();
    let warnings = findings(&report)
        .iter()
        .filter(|f| f["severity"] == "warning")
        .count();
    assert_eq!(report["errors"], errors);
    assert_eq!(report["warnings"], warnings);
    assert_eq!(exit, if errors == 0 { 0 } else { 1 });
    assert!(report["samples"].as_u64().unwrap() >= 28);
    assert!(report["examples"].as_u64().unwrap() > 0);
    assert_eq!(report["spec"], "spec/tallyfy-groups.yaml");
}

// Proves a renamed field is caught twice: the missing required `name` is an
// error at /data/name, and the unknown `title` is a warning at /data/title.
#[test]
fn renamed_field_is_a_missing_field_and_an_unknown_field() {
    let samples = one_sample("getGroup.200.docs.json", |body| {
        let data = body["data"].as_object_mut().unwrap();
        let name = data.remove("name").unwrap();
        data.insert("title".into(), name);
    });
    let (exit, report) = run_json(&["--samples", path_str(samples.path())]);
    assert_eq!(exit, 1);
    let missing = find(&report, "error", "getGroup.200.docs.json", "/data/name");
    assert_eq!(missing.len(), 1, "{report:#}");
    assert!(
        missing[0]["message"]
            .as_str()
            .unwrap()
            .contains("missing required field")
    );
    assert_eq!(
        find(&report, "warning", "getGroup.200.docs.json", "/data/title").len(),
        1,
        "{report:#}"
    );
    assert_eq!(report["errors"], 1);
    assert_eq!(report["warnings"], 1);
}

// Proves a changed type is an error at the path of the changed value.
#[test]
fn changed_type_is_an_error_at_its_path() {
    let samples = one_sample("getGroup.200.docs.json", |body| {
        body["data"]["members"] = "x".into()
    });
    let (exit, report) = run_json(&["--samples", path_str(samples.path())]);
    assert_eq!(exit, 1);
    let errors = find(&report, "error", "getGroup.200.docs.json", "/data/members");
    assert_eq!(errors.len(), 1, "{report:#}");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("expected array"),
        "{report:#}"
    );
    assert_eq!(report["errors"], 1);
}

// Proves the path goes through arrays and oneOf items: a member id that is
// neither integer nor string is reported at /data/0/members/1.
#[test]
fn wrong_item_in_a_nested_array_is_reported_at_its_index() {
    let samples = one_sample("listGroups.200.docs.json", |body| {
        body["data"][0]["members"][1] = true.into()
    });
    let (exit, report) = run_json(&["--samples", path_str(samples.path())]);
    assert_eq!(exit, 1);
    assert_eq!(
        find(
            &report,
            "error",
            "listGroups.200.docs.json",
            "/data/0/members/1"
        )
        .len(),
        1,
        "{report:#}"
    );
}

// Proves an extra field is only a warning (exit 0), at its path, and that
// --strict turns it into an error (exit 1).
#[test]
fn extra_field_warns_and_strict_fails() {
    let samples = one_sample("getGroup.200.docs.json", |body| {
        body["data"]["colour"] = "red".into()
    });
    let dir = path_str(samples.path());
    let (exit, report) = run_json(&["--samples", dir]);
    assert_eq!(exit, 0, "{report:#}");
    assert_eq!(
        find(&report, "warning", "getGroup.200.docs.json", "/data/colour").len(),
        1,
        "{report:#}"
    );
    assert_eq!(
        (report["errors"].as_u64(), report["warnings"].as_u64()),
        (Some(0), Some(1))
    );

    let (exit, report) = run_json(&["--samples", dir, "--strict"]);
    assert_eq!(exit, 1);
    assert_eq!(
        find(&report, "error", "getGroup.200.docs.json", "/data/colour").len(),
        1,
        "{report:#}"
    );
    assert_eq!(report["strict"], true);
}

// Proves undeclared fields are found below oneOf/allOf branches and inside
// arrays: an extra key in `links` (PaginationLinks' object branch) and in a
// listed group.
#[test]
fn extra_fields_are_found_through_branches_and_arrays() {
    let samples = one_sample("listGroups.200.links-object.json", |body| {
        body["meta"]["pagination"]["links"]["first"] = "https://example.com/?page=1".into();
        body["data"][0]["archived"] = false.into();
    });
    let (exit, report) = run_json(&["--samples", path_str(samples.path())]);
    assert_eq!(exit, 0, "{report:#}");
    let source = "listGroups.200.links-object.json";
    assert_eq!(
        find(&report, "warning", source, "/meta/pagination/links/first").len(),
        1,
        "{report:#}"
    );
    assert_eq!(
        find(&report, "warning", source, "/data/0/archived").len(),
        1,
        "{report:#}"
    );
}

// Proves the human output has one `severity: file: path: message` line per
// finding, then the summary.
#[test]
fn human_output_is_one_line_per_finding_then_a_summary() {
    let samples = one_sample("getGroup.200.docs.json", |body| {
        body["data"]["colour"] = "red".into()
    });
    let output = run(&["spec-check", "--samples", path_str(samples.path())]);
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with("warning: getGroup.200.docs.json: /data/colour: "),
        "{text}"
    );
    assert!(
        lines[1].starts_with("spec-check: 1 samples, ")
            && lines[1].ends_with("0 errors, 1 warnings"),
        "{text}"
    );
}

// Proves a sample for a status the operation does not declare, and a sample
// whose name breaks the naming rule, are errors rather than silently skipped.
#[test]
fn undeclared_status_and_bad_names_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("getGroup.418.teapot.json"), "{}").unwrap();
    std::fs::write(dir.path().join("getGroup-200.json"), "{}").unwrap();
    let (exit, report) = run_json(&["--samples", path_str(dir.path())]);
    assert_eq!(exit, 1);
    let teapot = find(&report, "error", "getGroup.418.teapot.json", "");
    assert!(
        teapot[0]["message"].as_str().unwrap().contains("418"),
        "{report:#}"
    );
    assert_eq!(
        find(&report, "error", "getGroup-200.json", "").len(),
        1,
        "{report:#}"
    );
}
