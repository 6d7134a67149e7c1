//! The desired-state file: read as YAML (JSON is YAML too) into
//! `tallyfy_groups::sync::DesiredState`, refused with `FILE:LINE:COLUMN: …` lines
//! when it is not YAML, has a key the format does not know, a value of the wrong
//! kind, or fails the library's checks (each problem at the field it names); and
//! written back as YAML by `export`.

use std::path::Path;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_saphyr::{Location, Spanned};
use tallyfy_groups::sync::{DesiredState, Problem};

/// Reads and checks the file at `path`; the error is one line per problem.
pub fn read(path: &Path) -> Result<DesiredState, String> {
    let name = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
    let desired: DesiredState = serde_saphyr::from_str(&text).map_err(|e| {
        let message = e.without_snippet().to_string();
        match e.location() {
            Some(at) => {
                // The message ends with the location already given in front.
                let suffix = format!(" at line {}, column {}", at.line(), at.column());
                let message = message.strip_suffix(&suffix).unwrap_or(&message);
                format!("{name}:{}:{}: {message}", at.line(), at.column())
            }
            None => format!("{name}: {message}"),
        }
    })?;
    let problems = desired.check();
    if problems.is_empty() {
        return Ok(desired);
    }
    let spans: Spans = serde_saphyr::from_str(&text).unwrap_or_default();
    Err(problems
        .iter()
        .map(|problem| match spans.find(problem) {
            Some(at) => format!("{name}:{}:{}: {problem}", at.line(), at.column()),
            None => format!("{name}: {problem}"),
        })
        .collect::<Vec<_>>()
        .join("\n"))
}

/// `state` as the file's YAML.
pub fn to_yaml(state: &DesiredState) -> Result<String, String> {
    serde_saphyr::to_string(state).map_err(|e| format!("cannot write the file: {e}"))
}

/// Where each field of a (well-formed) file is: the same shape, values ignored.
#[derive(Default, Deserialize)]
struct Spans {
    #[serde(default)]
    groups: Vec<Spanned<GroupSpans>>,
    #[serde(default)]
    ignore: Option<IgnoreSpans>,
}

#[derive(Default, Deserialize)]
struct GroupSpans {
    name: Option<Spanned<IgnoredAny>>,
    id: Option<Spanned<IgnoredAny>>,
    description: Option<Spanned<IgnoredAny>>,
    #[serde(default)]
    members: Vec<Spanned<IgnoredAny>>,
    #[serde(default)]
    guests: Vec<Spanned<IgnoredAny>>,
}

#[derive(Default, Deserialize)]
struct IgnoreSpans {
    #[serde(default)]
    members: Vec<Spanned<IgnoredAny>>,
}

impl Spans {
    /// The location of the field `problem.path` names (`groups[2].members[0]`, …).
    fn find(&self, problem: &Problem) -> Option<Location> {
        let (head, rest) = problem.path.split_once('.')?;
        let index = |part: &str, name: &str| -> Option<usize> {
            part.strip_prefix(name)?
                .strip_prefix('[')?
                .strip_suffix(']')?
                .parse()
                .ok()
        };
        if head == "ignore" {
            let j = index(rest, "members")?;
            return Some(self.ignore.as_ref()?.members.get(j)?.referenced);
        }
        let group = self.groups.get(index(head, "groups")?)?;
        let field = |f: &Option<Spanned<IgnoredAny>>| f.as_ref().map(|s| s.referenced);
        let at = match rest {
            "name" => field(&group.value.name),
            "id" => field(&group.value.id),
            "description" => field(&group.value.description),
            other => index(other, "members")
                .and_then(|j| group.value.members.get(j))
                .or_else(|| index(other, "guests").and_then(|j| group.value.guests.get(j)))
                .map(|s| s.referenced),
        };
        at.or(Some(group.referenced))
    }
}
