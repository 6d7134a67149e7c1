//! The checks a desired state passes before anything is read or sent: names (not
//! blank, within the spec's length, unique), ids (unique), member ids (within the
//! spec's range), guest emails (well formed), and no guest listed twice. Every
//! problem is reported, each with the path of the field it is about.

use std::collections::HashMap;
use std::fmt;

use super::DesiredState;
use crate::generated::types::CreateGroupRequestName;
use crate::validate;

/// One thing wrong with a desired state: where (`groups[2].name`) and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The field, as a path from the top of the file: `groups[2].members[0]`.
    pub path: String,
    /// What is wrong, and what was expected.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl DesiredState {
    /// Every problem of this desired state; empty when it can be planned.
    pub fn check(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut problem = |path: String, message: String| problems.push(Problem { path, message });
        let mut names: HashMap<&str, usize> = HashMap::new();
        let mut ids: HashMap<&str, usize> = HashMap::new();
        for (i, group) in self.groups.iter().enumerate() {
            let at = |field: &str| format!("groups[{i}].{field}");
            match validate::name::<CreateGroupRequestName>(group.name.clone()) {
                Err(rejected) => problem(at("name"), format!("a group name {}", rejected.reason)),
                Ok(_) => {
                    if let Some(first) = names.insert(group.name.as_str(), i) {
                        problem(
                            at("name"),
                            format!("{:?} is also the name of groups[{first}]", group.name),
                        );
                    }
                }
            }
            if let Some(id) = &group.id {
                if let Err(rejected) = validate::group_id(id) {
                    problem(at("id"), format!("a group id {}", rejected.reason));
                } else if let Some(first) = ids.insert(id.as_str(), i) {
                    problem(
                        at("id"),
                        format!("{id:?} is also the id of groups[{first}]"),
                    );
                }
            }
            if group
                .description
                .as_deref()
                .is_some_and(|d| d.trim().is_empty())
            {
                problem(
                    at("description"),
                    "must not be blank (the API cannot clear a description; leave it out)".into(),
                );
            }
            for (j, id) in group.members.iter().flatten().enumerate() {
                if let Err(rejected) = validate::member_ids(&[*id]) {
                    problem(at(&format!("members[{j}]")), rejected.reason);
                }
            }
            let mut seen: HashMap<String, usize> = HashMap::new();
            for (j, email) in group.guests.iter().flatten().enumerate() {
                if !is_email(email) {
                    problem(
                        at(&format!("guests[{j}]")),
                        format!("{email:?} is not an email address"),
                    );
                } else if let Some(first) = seen.insert(email.to_ascii_lowercase(), j) {
                    problem(
                        at(&format!("guests[{j}]")),
                        format!("{email:?} is also guests[{first}]"),
                    );
                }
            }
        }
        for (j, id) in self.ignore.members.iter().enumerate() {
            if let Err(rejected) = validate::member_ids(&[*id]) {
                problem(format!("ignore.members[{j}]"), rejected.reason);
            }
        }
        problems
    }
}

/// An address with one `@`, something before it, a dotted domain after it, and no
/// whitespace: what a person could have meant as an email (the server checks the rest).
fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::DesiredGroup;

    fn group(name: &str) -> DesiredGroup {
        DesiredGroup {
            name: name.into(),
            ..DesiredGroup::default()
        }
    }

    // Proves every kind of problem is found, each at its own path, in one pass.
    #[test]
    fn every_problem_is_named_with_its_path() {
        let state = DesiredState {
            groups: vec![
                DesiredGroup {
                    id: Some("a1".into()),
                    members: Some(vec![1, 0]),
                    guests: Some(vec![
                        "ok@example.com".into(),
                        "not-an-email".into(),
                        "OK@example.com".into(),
                    ]),
                    ..group("Sales")
                },
                DesiredGroup {
                    id: Some("a1".into()),
                    description: Some("  ".into()),
                    ..group("Sales")
                },
                group(""),
                group(&"x".repeat(201)),
            ],
            ..DesiredState::default()
        };
        let paths: Vec<String> = state.check().into_iter().map(|p| p.path).collect();
        assert_eq!(
            paths,
            [
                "groups[0].members[1]",
                "groups[0].guests[1]",
                "groups[0].guests[2]",
                "groups[1].name",
                "groups[1].id",
                "groups[1].description",
                "groups[2].name",
                "groups[3].name",
            ]
        );
    }

    // Proves a good state has no problem, and emails are judged as documented.
    #[test]
    fn a_good_state_passes() {
        let state = DesiredState {
            groups: vec![DesiredGroup {
                members: Some(vec![1001]),
                guests: Some(vec!["a.b@ops.example.com".into()]),
                ..group("Ops")
            }],
            ..DesiredState::default()
        };
        assert_eq!(state.check(), []);
        for bad in [
            "a@b",
            "@example.com",
            "a@.com",
            "a@example.",
            "a b@example.com",
            "a@b@c.com",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}
