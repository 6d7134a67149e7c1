//! The semver verdict of spec-diff and the version check: what the OpenAPI
//! changes, the public API changes and a library that no longer builds
//! together demand, and whether the version in Cargo.toml was bumped enough.
//! Must not compute any diff itself.

use serde::Serialize;

use super::api::{ApiChange, Impact};
use super::diagnostics::BuildError;
use super::openapi::{Class, SpecChange};

/// How big a change is, in semver terms (before the 0.x shift).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// Nothing changed that users or the wire can see.
    None,
    /// Documentation or generated code only.
    Patch,
    /// Additions: new items, new optional fields, new things the server accepts.
    Minor,
    /// Breaking: users' code stops compiling, or old clients fail on the wire.
    Major,
}

impl Level {
    pub fn label(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Patch => "patch",
            Level::Minor => "minor",
            Level::Major => "major",
        }
    }

    /// How the verdict reads: `breaking (major)`, `minor`, `patch`, `no change`.
    pub fn verdict_label(self) -> &'static str {
        match self {
            Level::None => "no change",
            Level::Patch => "patch",
            Level::Minor => "minor",
            Level::Major => "breaking (major)",
        }
    }
}

/// The verdict and the lines that decide it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub level: Level,
    /// [`Level::verdict_label`], for readers of the JSON.
    pub label: &'static str,
    /// The few changes that set the level (the most severe kind only).
    pub deciding: Vec<String>,
    /// Changes nobody could classify; the level may be too low.
    pub needs_review: usize,
    /// Whether the public API was compared (false: OpenAPI and generated code
    /// only, or the crate does not build).
    pub api_compared: bool,
    /// Whether the crate builds with the new spec (`None`: not built, `--no-api`).
    pub builds: Option<bool>,
}

/// The level each source demands, the highest wins. A library that no
/// longer builds (`broken`: the errors, `None` when it builds or was not
/// built) is major: users get a crate whose hand-written API had to change.
/// A breaking wire change for clients is major even where the Rust API does
/// not show it; a change the server must make first is minor (the crate's
/// users are unaffected).
pub fn decide(
    spec: &[SpecChange],
    code_changed: bool,
    api: Option<&[ApiChange]>,
    broken: Option<&[BuildError]>,
) -> Verdict {
    let mut candidates: Vec<(Level, String)> = Vec::new();
    if let Some(errors) = broken {
        if errors.is_empty() {
            let line = "build: the crate does not build with the new spec".to_string();
            candidates.push((Level::Major, line));
        }
        for error in errors {
            candidates.push((Level::Major, format!("does not compile: {}", error.line())));
        }
    }
    for change in spec {
        let level = match change.class {
            Class::BreakingForClients => Level::Major,
            Class::BreakingForServer | Class::NeedsReview => Level::Minor,
            Class::Compatible if change.documentation => Level::Patch,
            Class::Compatible => Level::Minor,
        };
        candidates.push((
            level,
            format!(
                "spec: {} at {}: {}",
                change.class.label(),
                change.path,
                change.message
            ),
        ));
    }
    if code_changed {
        candidates.push((Level::Patch, "generated code changed".into()));
    }
    if let Some(api) = api {
        for change in api {
            let level = match change.impact {
                Impact::Breaking => Level::Major,
                Impact::Addition => Level::Minor,
            };
            let line = match (&change.reason, &change.old) {
                (Some(reason), _) => format!("api: added {}: {reason}", change.item),
                (None, Some(old)) => format!("api: changed {old} → {}", change.item),
                (None, None) => format!("api: {} {}", change.kind, change.item),
            };
            candidates.push((level, line));
        }
    }
    let level = candidates.iter().map(|c| c.0).max().unwrap_or(Level::None);
    let mut deciding: Vec<String> = Vec::new();
    for (_, line) in candidates
        .into_iter()
        .filter(|c| c.0 == level && level != Level::None)
    {
        // Items public-api renders alike (two `impl` blocks) decide once.
        if !deciding.contains(&line) {
            deciding.push(line);
        }
    }
    Verdict {
        level,
        label: level.verdict_label(),
        deciding,
        needs_review: spec
            .iter()
            .filter(|c| c.class == Class::NeedsReview)
            .count(),
        api_compared: api.is_some(),
        builds: match (broken, api) {
            (Some(_), _) => Some(false),
            (None, Some(_)) => Some(true),
            (None, None) => None,
        },
    }
}

/// The smallest version that `level` allows after `base`. For 0.x versions
/// (Cargo's rule) a breaking change bumps the minor, anything else the patch.
pub fn required(base: &semver::Version, level: Level) -> semver::Version {
    let (major, minor, patch) = (base.major, base.minor, base.patch);
    let (major, minor, patch) = match (major, minor, level) {
        (_, _, Level::None) => return base.clone(),
        (0, 0, _) => (0, 0, patch + 1),
        (0, _, Level::Major) => (0, minor + 1, 0),
        (0, _, _) => (0, minor, patch + 1),
        (_, _, Level::Major) => (major + 1, 0, 0),
        (_, _, Level::Minor) => (major, minor + 1, 0),
        (_, _, Level::Patch) => (major, minor, patch + 1),
    };
    semver::Version::new(major, minor, patch)
}

/// The outcome of `--check-version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionCheck {
    pub base: String,
    pub head: String,
    pub required: String,
    pub ok: bool,
}

/// Compares the head version with what the verdict requires after the base.
pub fn check_version(base: &str, head: &str, level: Level) -> Result<VersionCheck, String> {
    let parse = |v: &str| {
        semver::Version::parse(v).map_err(|e| format!("version {v:?} in Cargo.toml: {e}"))
    };
    let (base_v, head_v) = (parse(base)?, parse(head)?);
    let needed = required(&base_v, level);
    Ok(VersionCheck {
        base: base.to_string(),
        head: head.to_string(),
        required: needed.to_string(),
        ok: head_v >= needed,
    })
}
