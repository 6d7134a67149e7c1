//! The public-API half of spec-diff: compares two rustdoc JSON files of the
//! library with the `public-api` crate and decides, item by item, whether the
//! change breaks users. Must not build anything (`rustdoc` does that) and must
//! not know any of the crate's own item names.
//!
//! public-api only sorts items into removed / changed / added. An addition
//! can break users too, so additions are checked against the new crate's
//! rustdoc JSON (the rules of cargo-semver-checks):
//! - a field added to a struct (or enum variant) that users can build with a
//!   literal: not `#[non_exhaustive]`, no private fields;
//! - a variant added to an enum that is not `#[non_exhaustive]`;
//! - a trait method without a default body (users' impls stop compiling).
//!
//! Re-pinning: public-api reads exactly one rustdoc JSON format version, the
//! one the toolchain's rustdoc writes (`"format_version"` at the top of the
//! JSON; Rust 1.95 writes v57, read by public-api 0.52.1 through rustdoc-types
//! 0.57). When the toolchain changes and `build` fails with a format error,
//! look up public-api's CHANGELOG for the release that names the new format
//! version, set `public-api = "=X.Y.Z"` and the matching `rustdoc-types`
//! minor in xtask/Cargo.toml, and update `FORMAT_VERSION`'s note here.

use std::collections::BTreeSet;
use std::path::Path;

use public_api::diff::PublicApiDiff;
use rustdoc_types::{Attribute, Crate, Id, ItemEnum, StructKind, VariantKind};
use serde::Serialize;

/// The rustdoc JSON format this pin reads (see the module notes to re-pin).
pub const FORMAT_VERSION: u32 = rustdoc_types::FORMAT_VERSION;

/// The semver meaning of a public API change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Impact {
    Breaking,
    Addition,
}

/// One line of the public API diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiChange {
    pub impact: Impact,
    /// `removed`, `changed` or `added`.
    pub kind: &'static str,
    /// The item as public-api renders it (the new form for a change).
    pub item: String,
    /// For a change: the old form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    /// Why an addition breaks users, where it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Compares the public APIs in two rustdoc JSON files; breaking changes first.
pub fn compare(old_json: &Path, new_json: &Path) -> Result<Vec<ApiChange>, String> {
    let load = |path: &Path| {
        public_api::Builder::from_rustdoc_json(path)
            .omit_blanket_impls(true)
            .build()
            .map_err(|e| {
                format!(
                    "public-api cannot read {} (it reads rustdoc JSON format v{FORMAT_VERSION}; \
                     see xtask/src/spec_diff/api.rs to re-pin it): {e}",
                    path.display()
                )
            })
    };
    let (old, new) = (load(old_json)?, load(new_json)?);
    let text = std::fs::read_to_string(new_json)
        .map_err(|e| format!("cannot read {}: {e}", new_json.display()))?;
    let krate: Crate = serde_json::from_str(&text)
        .map_err(|e| format!("cannot read {}: {e}", new_json.display()))?;

    let diff = PublicApiDiff::between(old, new);
    let mut out = Vec::new();
    for item in &diff.removed {
        out.push(ApiChange {
            impact: Impact::Breaking,
            kind: "removed",
            item: item.to_string(),
            old: None,
            reason: None,
        });
    }
    for change in &diff.changed {
        out.push(ApiChange {
            impact: Impact::Breaking,
            kind: "changed",
            item: change.new.to_string(),
            old: Some(change.old.to_string()),
            reason: None,
        });
    }
    let mut seen = BTreeSet::new();
    for item in &diff.added {
        let reason = breaking_addition(&krate, item.id(), item.parent_id());
        // The same item re-exported at several paths breaks once.
        if reason.is_some() && !seen.insert(item.id()) {
            continue;
        }
        out.push(ApiChange {
            impact: if reason.is_some() {
                Impact::Breaking
            } else {
                Impact::Addition
            },
            kind: "added",
            item: item.to_string(),
            old: None,
            reason,
        });
    }
    out.sort_by_key(|a| a.impact);
    Ok(out)
}

/// Why adding item `id` (child of `parent`) breaks users, if it does.
fn breaking_addition(krate: &Crate, id: Id, parent: Option<Id>) -> Option<String> {
    let item = krate.index.get(&id)?;
    let parent = krate.index.get(&parent?)?;
    let exhaustive = !parent.attrs.contains(&Attribute::NonExhaustive);
    let parent_name = parent.name.as_deref().unwrap_or("?");
    match (&item.inner, &parent.inner) {
        (ItemEnum::StructField(_), ItemEnum::Struct(s)) if exhaustive => match &s.kind {
            StructKind::Plain {
                has_stripped_fields: false,
                ..
            } => Some(format!(
                "a field added to struct {parent_name}, which is not #[non_exhaustive] and has \
                 only public fields: code that builds it with a struct literal stops compiling"
            )),
            StructKind::Tuple(fields) if fields.iter().all(Option::is_some) => Some(format!(
                "a field added to tuple struct {parent_name}, which users can build: their \
                 constructor calls stop compiling"
            )),
            _ => None,
        },
        (ItemEnum::StructField(_), ItemEnum::Variant(v)) if exhaustive => match &v.kind {
            VariantKind::Struct {
                has_stripped_fields: false,
                ..
            }
            | VariantKind::Tuple(_) => Some(format!(
                "a field added to enum variant {parent_name}: code that builds or matches it \
                 stops compiling"
            )),
            _ => None,
        },
        (ItemEnum::Variant(_), ItemEnum::Enum(_)) if exhaustive => Some(format!(
            "a variant added to enum {parent_name}, which is not #[non_exhaustive]: \
             exhaustive matches on it stop compiling"
        )),
        (ItemEnum::Function(f), ItemEnum::Trait(_)) if !f.has_body => Some(format!(
            "a required method added to trait {parent_name}: implementations stop compiling"
        )),
        _ => None,
    }
}
