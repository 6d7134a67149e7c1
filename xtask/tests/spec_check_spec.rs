//! `cargo xtask spec-check` on the spec itself: a copy with one thing broken
//! (an example, a `$ref`, an operationId, the document) is reported.

mod common;

use common::*;

// Proves the spec's own examples are validated: an example that contradicts its
// schema (a response example whose members is a string) is an error that names
// the example's place in the spec and the path inside it.
#[test]
fn spec_example_contradicting_its_schema_is_reported() {
    let from = "              example:\n                data:\n                  id: 53a4560dc877f9b4f709f97630efbb5a\n                  name: Sales Team\n                  description: Handles all sales inquiries.\n                  logo: null\n                  members: [1001, 1005]";
    let to = from.replace("members: [1001, 1005]", "members: oops");
    let dir = edited_spec(from, &to);
    let spec = dir.path().join("spec.yaml");
    let samples = dir.path().join("samples");
    let (exit, report) = run_json(&[
        "--spec",
        spec.to_str().unwrap(),
        "--samples",
        samples.to_str().unwrap(),
    ]);
    assert_eq!(exit, 1);
    let source = "#/paths/~1organizations~1{org_id}~1groups/post/responses/201/content/application~1json/example";
    assert_eq!(
        find(&report, "error", source, "/data/members").len(),
        1,
        "{report:#}"
    );
    assert_eq!(report["errors"], 1, "{report:#}");
}

// Proves parameter examples are validated too (per_page allows at most 100).
#[test]
fn parameter_example_out_of_range_is_reported() {
    let dir = edited_spec("          example: 25\n", "          example: 500\n");
    let spec = dir.path().join("spec.yaml");
    let samples = dir.path().join("samples");
    let (exit, report) = run_json(&[
        "--spec",
        spec.to_str().unwrap(),
        "--samples",
        samples.to_str().unwrap(),
    ]);
    assert_eq!(exit, 1);
    let hits = find(
        &report,
        "error",
        "#/paths/~1organizations~1{org_id}~1groups/get/parameters/1/example",
        "",
    );
    assert!(
        hits[0]["message"].as_str().unwrap().contains("maximum 100"),
        "{report:#}"
    );
}

// Proves an unresolvable `$ref` is reported at the object holding it.
#[test]
fn unresolvable_ref_is_reported() {
    let dir = edited_spec(
        "$ref: \"#/components/schemas/ErrorFlag\"",
        "$ref: \"#/components/schemas/ErrorFlagg\"",
    );
    let spec = dir.path().join("spec.yaml");
    let samples = dir.path().join("samples");
    let (exit, report) = run_json(&[
        "--spec",
        spec.to_str().unwrap(),
        "--samples",
        samples.to_str().unwrap(),
    ]);
    assert_eq!(exit, 1);
    let hits = find(
        &report,
        "error",
        "spec.yaml",
        "/components/schemas/ErrorBody/properties/error",
    );
    assert_eq!(hits.len(), 1, "{report:#}");
    assert!(
        hits[0]["message"]
            .as_str()
            .unwrap()
            .contains("unresolvable $ref"),
        "{report:#}"
    );
}

// Proves an operation without an operationId is reported at the operation.
#[test]
fn missing_operation_id_is_reported() {
    let dir = edited_spec("      operationId: deleteGroup\n", "");
    let spec = dir.path().join("spec.yaml");
    let samples = dir.path().join("samples");
    let (exit, report) = run_json(&[
        "--spec",
        spec.to_str().unwrap(),
        "--samples",
        samples.to_str().unwrap(),
    ]);
    assert_eq!(exit, 1);
    let hits = find(
        &report,
        "error",
        "spec.yaml",
        "/paths/~1organizations~1{org_id}~1groups~1{group_id}/delete",
    );
    assert!(
        hits[0]["message"]
            .as_str()
            .unwrap()
            .contains("no operationId"),
        "{report:#}"
    );
}

// Proves a document openapiv3 rejects is one error finding (exit 1), not a
// crash, that names the spec file and starts with the position of the bad
// value (`openapi: [3]` is on the spec's first line, its value at column 10).
#[test]
fn invalid_spec_is_an_error() {
    let dir = edited_spec("openapi: 3.0.3", "openapi: [3]");
    let spec = dir.path().join("spec.yaml");
    let samples = dir.path().join("samples");
    let (exit, report) = run_json(&[
        "--spec",
        spec.to_str().unwrap(),
        "--samples",
        samples.to_str().unwrap(),
    ]);
    assert_eq!(exit, 1);
    assert_eq!(report["errors"], 1, "{report:#}");
    let message = findings(&report)[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("line 1, column 10: not a valid OpenAPI 3.0 document: "),
        "{report:#}"
    );
}

// Proves a spec that is not even YAML (an unclosed flow mapping) is one
// error line, in the human output too, with the file and the position at
// which the parser gave up, and no other finding.
#[test]
fn unparsable_yaml_is_one_error_with_its_position() {
    let dir = edited_spec("openapi: 3.0.3\n", "openapi: 3.0.3\ninfo: {title: [\n");
    let spec = dir.path().join("spec.yaml");
    let samples = dir.path().join("samples");
    let args = [
        "spec-check",
        "--spec",
        spec.to_str().unwrap(),
        "--samples",
        samples.to_str().unwrap(),
    ];
    let output = run(&args);
    assert_eq!(code(&output), 1);
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "one finding and the summary: {text}");
    assert!(lines[0].contains("spec.yaml"), "{text}");
    let at = lines[0].find("line ").expect("a position");
    assert!(lines[0][at..].contains(": not valid YAML: "), "{text}");
    assert!(lines[1].contains(" 1 errors"), "{text}");
}
