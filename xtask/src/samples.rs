//! Recorded response bodies in `spec/samples/`. Owns the file naming
//! (`<operationId>.<status>.<variant>.json`) and feeding each file through
//! `Checker::check_response`, exactly as a live body would be.

use std::path::{Path, PathBuf};

use crate::drift::Checker;
use crate::report::Finding;

/// The parts of a sample's file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleName {
    pub operation_id: String,
    pub status: u16,
    pub variant: String,
}

/// Parses `<operationId>.<status>.<variant>.json`: an operationId of letters,
/// digits and `_`, a three-digit status, and a variant of lowercase letters,
/// digits and `-`.
pub fn parse_sample_name(file_name: &str) -> Result<SampleName, String> {
    let usage = "expected <operationId>.<status>.<variant>.json, e.g. getGroup.200.docs.json";
    let parts: Vec<&str> = file_name.split('.').collect();
    let [operation_id, status, variant, "json"] = parts.as_slice() else {
        return Err(format!("bad sample name `{file_name}`: {usage}"));
    };
    let id_ok = !operation_id.is_empty()
        && operation_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    let status_ok =
        status.len() == 3 && status.chars().all(|c| c.is_ascii_digit()) && !status.starts_with('0');
    let variant_ok = !variant.is_empty()
        && variant
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !(id_ok && status_ok && variant_ok) {
        return Err(format!("bad sample name `{file_name}`: {usage}"));
    }
    Ok(SampleName {
        operation_id: operation_id.to_string(),
        status: status
            .parse()
            .map_err(|_| format!("bad status in `{file_name}`"))?,
        variant: variant.to_string(),
    })
}

/// The `*.json` files of `dir`, sorted by name.
pub fn sample_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Checks one sample file; findings name it by its file name.
pub fn check_sample(checker: &Checker, path: &Path) -> Vec<Finding> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match parse_sample_name(&file_name) {
        Ok(name) => name,
        Err(message) => return vec![Finding::error(&file_name, "", message)],
    };
    match std::fs::read(path) {
        Ok(body) => checker.check_response(&file_name, &name.operation_id, name.status, &body),
        Err(e) => vec![Finding::error(&file_name, "", format!("cannot read: {e}"))],
    }
}

/// Checks every sample in `dir`; returns how many there were, and the findings.
pub fn check_samples(checker: &Checker, dir: &Path) -> std::io::Result<(usize, Vec<Finding>)> {
    let files = sample_files(dir)?;
    let findings = files
        .iter()
        .flat_map(|f| check_sample(checker, f))
        .collect();
    Ok((files.len(), findings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_bad_names_are_refused() {
        let name = parse_sample_name("getGroup.200.string-member-ids.json").unwrap();
        assert_eq!(name.operation_id, "getGroup");
        assert_eq!(name.status, 200);
        assert_eq!(name.variant, "string-member-ids");
        for bad in [
            "getGroup.200.json",
            "getGroup.20.x.json",
            "getGroup.200.X.json",
            "a.200.b.c.json",
        ] {
            assert!(parse_sample_name(bad).is_err(), "{bad}");
        }
    }
}
