//! Reading the spec's text, for `spec-check` and `spec-diff` alike: YAML
//! syntax first, then the OpenAPI 3.0 shape (serde_yaml into
//! `openapiv3::OpenAPI`, exactly what build.rs parses). Every error is one
//! line that starts with its position: `line 3, column 7: not valid YAML: …`
//! or `line 1, column 10: not a valid OpenAPI 3.0 document: …`. Callers put
//! the file's name in front. Owns nothing else.
//!
//! serde_yaml 0.9 is deprecated, but it is what build.rs (and so the crate)
//! parses the spec with, and its errors carry a `Location`; a different
//! parser here could accept or refuse documents the build does not.

use serde_json::Value;

/// The spec as a typed OpenAPI document.
pub fn parse_openapi(text: &str) -> Result<openapiv3::OpenAPI, String> {
    syntax(text)?;
    serde_yaml::from_str(text).map_err(|e| positioned(&e, "not a valid OpenAPI 3.0 document"))
}

/// The spec as a JSON value (what drift compares), after the same checks as
/// [`parse_openapi`].
pub fn parse_value(text: &str) -> Result<Value, String> {
    parse_openapi(text)?;
    serde_yaml::from_str(text).map_err(|e| positioned(&e, "cannot be read as JSON"))
}

/// Fails with the position of the first YAML syntax error, if any.
fn syntax(text: &str) -> Result<(), String> {
    serde_yaml::from_str::<serde_yaml::Value>(text)
        .map(|_| ())
        .map_err(|e| positioned(&e, "not valid YAML"))
}

/// `line L, column C: WHAT: MESSAGE` on one line, the position taken out of
/// serde_yaml's message (where it repeats it) and put in front.
fn positioned(error: &serde_yaml::Error, what: &str) -> String {
    let mut message = error.to_string();
    let position = error.location().map(|at| {
        let (line, column) = (at.line(), at.column());
        message = message.replacen(&format!(" at line {line} column {column}"), "", 1);
        format!("line {line}, column {column}: ")
    });
    let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
    format!("{}{what}: {message}", position.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves a YAML syntax error is one line that starts with its position
    // (the line and column the parser stopped at) and says it is YAML.
    #[test]
    fn syntax_errors_start_with_their_position() {
        let error = parse_openapi("openapi: 3.0.3\ninfo: {title: x\npaths: {}\n").unwrap_err();
        assert!(error.starts_with("line "), "{error}");
        assert!(error.contains(": not valid YAML: "), "{error}");
        assert!(!error.contains('\n'), "{error}");
        let error = parse_openapi("a: [1, 2\n").unwrap_err();
        assert!(
            error.starts_with("line 2, column 1: not valid YAML: "),
            "{error}"
        );
    }

    // Proves valid YAML that is not an OpenAPI document is reported as such,
    // with the position of the offending value.
    #[test]
    fn shape_errors_start_with_their_position() {
        let text = "openapi: [3]\ninfo: {title: t, version: '1'}\npaths: {}\n";
        let error = parse_openapi(text).unwrap_err();
        assert!(
            error.starts_with("line 1, column 10: not a valid OpenAPI 3.0 document: "),
            "{error}"
        );
        assert!(!error.contains("at line"), "{error}");
    }

    // Proves the repository's spec parses both ways.
    #[test]
    fn the_repository_spec_parses() {
        let text =
            std::fs::read_to_string(crate::repo_root().join("spec/tallyfy-groups.yaml")).unwrap();
        assert!(parse_openapi(&text).is_ok());
        assert!(parse_value(&text).unwrap()["paths"].is_object());
    }
}
