//! Decodes every response sample of `spec/samples` into our types and into the
//! generated client's, as each client would (ours with `serde_json::from_slice`,
//! the generated one with `serde_json::from_str` on the body text), and compares
//! what both read where both succeed.

use std::path::Path;

use openapi_client::models as generated;
use summary::{gen_summary, our_summary};
use tallyfy_groups::raw::types as ours;

/// Prints one line per sample; returns whether the generated client decoded every
/// sample that ours decoded, to the same content.
pub fn check(dir: &Path) -> bool {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("spec/samples exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let (mut total, mut problems) = (0, 0);
    for path in files {
        let name = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(&path).expect("a readable sample");
        let mut parts = name.split('.');
        let (op, status) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let success = status.starts_with('2');
        let (kind, ours, theirs) = match (op, success) {
            ("deleteGroup", true) => continue,
            ("listGroups", true) => (
                "GroupList",
                serde_json::from_slice::<ours::GroupList>(text.as_bytes())
                    .map(|l| our_summary(&l.data)),
                serde_json::from_str::<generated::GroupList>(&text).map(|l| gen_summary(&l.data)),
            ),
            (_, true) => (
                "GroupResponse",
                serde_json::from_slice::<ours::GroupResponse>(text.as_bytes())
                    .map(|r| our_summary(std::slice::from_ref(&r.data))),
                serde_json::from_str::<generated::GroupResponse>(&text)
                    .map(|r| gen_summary(std::slice::from_ref(&r.data))),
            ),
            (_, false) => (
                "ErrorBody",
                serde_json::from_slice::<ours::ErrorBody>(text.as_bytes())
                    .map(|e| format!("{:?}/{:?}", e.message, e.code)),
                serde_json::from_str::<generated::ErrorBody>(&text)
                    .map(|e| format!("{:?}/{:?}", e.message, e.code)),
            ),
        };
        total += 1;
        let verdict = match (&ours, &theirs) {
            (Ok(a), Ok(b)) if a == b => "same".to_owned(),
            (Ok(a), Ok(b)) => format!("DIFFERENT: ours {a} / generated {b}"),
            (Ok(_), Err(e)) => format!("generated FAILS: {e}"),
            (Err(e), Ok(_)) => format!("ours FAILS: {e}"),
            (Err(a), Err(b)) => format!("both fail: {a} / {b}"),
        };
        if verdict != "same" {
            problems += 1;
        }
        println!("{name:<45} {kind:<13} {verdict}");
    }
    println!("{total} samples, {problems} decoded differently or not at all");
    problems == 0
}

/// What both clients' groups are compared on, as text: ids, names, member ids,
/// guests and the instants of the timestamps (whatever offset they were written in).
mod summary {
    use openapi_client::models as generated;
    use tallyfy_groups::raw::types as ours;

    pub fn our_summary(groups: &[ours::Group]) -> String {
        groups
            .iter()
            .map(|g| {
                let members: Vec<String> = g.members.iter().map(ToString::to_string).collect();
                let instants = [g.created_at, g.last_updated, g.updated_at, g.deleted_at]
                    .map(|t| t.map(|t| t.timestamp_nanos_opt()));
                format!(
                    "{}|{}|{:?}|{:?}|{:?}|{instants:?}",
                    g.id, g.name, g.description, members, g.guests
                )
            })
            .collect::<Vec<_>>()
            .join(";")
    }

    pub fn gen_summary(groups: &[generated::Group]) -> String {
        groups
            .iter()
            .map(|g| {
                let members: Vec<String> = g
                    .members
                    .iter()
                    .flatten()
                    .map(|m| match m {
                        generated::MemberId::Integer(id) => id.to_string(),
                        generated::MemberId::String(id) => id.clone(),
                    })
                    .collect();
                let instant = |t: &Option<Option<chrono::DateTime<chrono::FixedOffset>>>| {
                    t.flatten().map(|t| t.timestamp_nanos_opt())
                };
                let instants =
                    [&g.created_at, &g.last_updated, &g.updated_at, &g.deleted_at].map(instant);
                format!(
                    "{}|{}|{:?}|{:?}|{:?}|{instants:?}",
                    g.id,
                    g.name,
                    g.description.clone().flatten(),
                    members,
                    g.guests.clone().unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join(";")
    }
}
