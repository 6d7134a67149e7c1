//! `Checker::check_response`, the entry point a live mode will feed fetched
//! bodies to (operationId, status, bytes), used here as a library.

use std::path::Path;

use xtask::drift::Checker;
use xtask::report::Severity;
use xtask::spec::Spec;

fn checker() -> Checker {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/tallyfy-groups.yaml");
    Checker::new(
        Spec::load(&path, "spec/tallyfy-groups.yaml").expect("the repository's spec loads"),
    )
}

// Proves a body that matches its schema yields no finding, whatever its source.
#[test]
fn a_valid_body_has_no_findings() {
    let body = br#"{"data": {"id": "53a4560dc877f9b4f709f97630efbb5a", "name": "Sales Team", "members": ["1001"]}}"#;
    assert_eq!(
        checker().check_response("live", "getGroup", 200, body),
        vec![]
    );
}

// Proves the response is chosen by status: the same body that is a valid 404
// error is a missing `data` for a 200.
#[test]
fn the_schema_follows_the_status() {
    let body = br#"{"error": true, "message": "Resource not found", "code": "RESOURCE_NOT_FOUND"}"#;
    let checker = checker();
    assert_eq!(
        checker.check_response("live", "getGroup", 404, body),
        vec![]
    );
    let findings = checker.check_response("live", "getGroup", 200, body);
    assert!(
        findings
            .iter()
            .any(|f| f.severity == Severity::Error && f.path == "/data"),
        "{findings:?}"
    );
}

// Proves bodies that are not JSON (a gateway's HTML page) are errors, not panics.
#[test]
fn an_html_page_is_an_error() {
    let findings = checker().check_response(
        "live",
        "listGroups",
        502,
        b"<html><body>Bad Gateway</body></html>",
    );
    assert_eq!(findings.len(), 1);
    assert!(findings[0].message.contains("not JSON"), "{findings:?}");
}

// Proves a 204 must have no body: empty is fine, a body is an error.
#[test]
fn no_content_means_no_body() {
    let checker = checker();
    assert_eq!(
        checker.check_response("live", "deleteGroup", 204, b""),
        vec![]
    );
    let findings = checker.check_response("live", "deleteGroup", 204, b"{}");
    assert_eq!(findings[0].severity, Severity::Error, "{findings:?}");
}

// Proves an operationId the spec does not have is reported, not ignored.
#[test]
fn an_unknown_operation_is_an_error() {
    let findings = checker().check_response("live", "archiveGroup", 200, b"{}");
    assert!(findings[0].message.contains("archiveGroup"), "{findings:?}");
}

// Proves a permissive `additionalProperties` (the spec's `{}` on `Group` and
// `ErrorBody`, which makes the generated types keep unknown keys) does not silence
// drift: a field the spec does not name is still a warning, in a group and in an
// error body, while a map with a typed value schema (`errors`) declares its keys.
#[test]
fn unknown_fields_warn_despite_permissive_additional_properties() {
    let spec = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/tallyfy-groups.yaml"),
    )
    .unwrap();
    assert!(
        spec.contains("    Group:\n      type: object\n      additionalProperties: {}\n"),
        "the premise: Group keeps unknown keys"
    );
    let checker = checker();
    let body = br#"{"data": {"id": "53a4560dc877f9b4f709f97630efbb5a", "name": "Sales", "is_system": false}}"#;
    let findings = checker.check_response("live", "getGroup", 200, body);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].severity, Severity::Warning, "{findings:?}");
    assert_eq!(findings[0].path, "/data/is_system", "{findings:?}");

    let body = br#"{"message": "The given data was invalid.", "errors": {"name": ["required"]}, "trace_id": "t1"}"#;
    let findings = checker.check_response("live", "getGroup", 422, body);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].path, "/trace_id", "{findings:?}");
}
