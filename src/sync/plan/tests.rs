//! Unit tests of the plan: each action, what is not managed, ignore lists, prune,
//! the request count and the estimate under quotas.

use std::time::Duration;

use serde_json::json;

use super::*;
use crate::sync::{DesiredGroup, DesiredState, Ignore};

fn server_group(id: &str, name: &str, members: serde_json::Value, guests: &[&str]) -> Group {
    serde_json::from_value(json!({
        "id": id, "name": name, "description": "As read.", "members": members, "guests": guests,
    }))
    .unwrap()
}

fn want(name: &str) -> DesiredGroup {
    DesiredGroup {
        name: name.into(),
        ..DesiredGroup::default()
    }
}

fn current() -> Vec<Group> {
    vec![
        server_group("g1", "Sales", json!([1, "2", 3]), &["a@example.com"]),
        server_group("g2", "Ops", json!([]), &[]),
        server_group("g3", "Admins", json!([1]), &[]),
    ]
}

// Proves members and guests are diffed both ways (ids sent as strings are numbers,
// emails compare case-insensitively), a group whose fields are not in the file is
// unchanged, an absent group is created, and nothing is deleted without prune.
#[test]
fn update_create_and_unmanaged() {
    let desired = DesiredState {
        groups: vec![
            DesiredGroup {
                members: Some(vec![2, 3, 4]),
                guests: Some(vec!["A@example.com".into(), "b@example.com".into()]),
                ..want("Sales")
            },
            want("Ops"),
            DesiredGroup {
                members: Some(vec![7]),
                ..want("New")
            },
        ],
        ..DesiredState::default()
    };
    let plan = Plan::new(&desired, &current()).unwrap();
    assert_eq!(
        plan.changes,
        [
            Change::Update {
                id: "g1".into(),
                name: "Sales".into(),
                rename: None,
                description: None,
                members_add: vec![4],
                members_remove: vec![1],
                guests_add: vec!["b@example.com".into()],
                guests_remove: vec![],
            },
            Change::Create {
                name: "New".into(),
                description: None,
                members: vec![7],
                guests: vec![]
            },
        ]
    );
    assert_eq!(
        plan.summary,
        Summary {
            create: 1,
            update: 1,
            delete: 0,
            unchanged: 1
        }
    );
    // One listing page, a create (1) and an update (4).
    assert_eq!(plan.requests(), 6);
}

// Proves prune deletes what the file does not list except ignored groups, ignored
// members are neither added nor removed, and an id pins a group so a new name is a
// rename.
#[test]
fn prune_ignore_and_rename() {
    let desired = DesiredState {
        groups: vec![DesiredGroup {
            id: Some("g1".into()),
            members: Some(vec![9]),
            description: Some("New text.".into()),
            ..want("Sales and renewals")
        }],
        ignore: Ignore {
            groups: vec!["Adm*".into()],
            members: vec![1, 9],
            guests: vec!["*@example.com".into()],
        },
        prune: true,
    };
    let plan = Plan::new(&desired, &current()).unwrap();
    assert_eq!(
        plan.changes,
        [
            Change::Update {
                id: "g1".into(),
                name: "Sales".into(),
                rename: Some("Sales and renewals".into()),
                description: Some("New text.".into()),
                members_add: vec![],
                members_remove: vec![2, 3],
                guests_add: vec![],
                guests_remove: vec![],
            },
            Change::Delete {
                id: "g2".into(),
                name: "Ops".into()
            },
        ]
    );
    assert_eq!(plan.changes.iter().map(Change::removals).sum::<usize>(), 3);
}

// Proves a plan of the groups as they are is empty (what `export` then `plan` gives).
#[test]
fn the_state_as_read_plans_no_change() {
    let groups = current();
    let desired = DesiredState {
        groups: groups
            .iter()
            .map(|g| DesiredGroup {
                name: g.name.clone(),
                id: None,
                description: g.description.clone(),
                members: Some(g.member_ids().unwrap()),
                guests: Some(g.guests.clone()),
            })
            .collect(),
        ignore: Ignore::default(),
        prune: true,
    };
    let plan = Plan::new(&desired, &groups).unwrap();
    assert!(plan.is_empty(), "{:#?}", plan.changes);
    assert_eq!(plan.summary.unchanged, 3);
    assert_eq!(plan.requests(), 1);
}

// Proves what cannot be planned is refused, naming the field: an unknown id, and a
// problem of check().
#[test]
fn unknown_id_and_bad_state_are_refused() {
    let desired = DesiredState {
        groups: vec![
            DesiredGroup {
                id: Some("nope".into()),
                ..want("X")
            },
            want(""),
        ],
        ..DesiredState::default()
    };
    let problems = Plan::new(&desired, &current()).unwrap_err();
    assert_eq!(
        problems.iter().map(|p| p.path.as_str()).collect::<Vec<_>>(),
        ["groups[1].name"]
    );
    let desired = DesiredState {
        groups: vec![DesiredGroup {
            id: Some("nope".into()),
            ..want("X")
        }],
        ..DesiredState::default()
    };
    let problems = Plan::new(&desired, &current()).unwrap_err();
    assert_eq!(problems[0].path, "groups[0].id");
}

// Proves the estimate: the slowest quota's windows after the first, zero when all
// requests fit in the first window of every quota.
#[test]
fn estimate_under_quotas() {
    let plan = Plan {
        changes: vec![
            Change::Delete {
                id: "g".into(),
                name: "n".into()
            };
            100
        ],
        groups_read: 250,
        ..Plan::new(&DesiredState::default(), &[]).unwrap()
    };
    // 3 listing pages + 200 = 203 requests.
    assert_eq!(plan.requests(), 203);
    let tallyfy = [
        (100, Duration::from_secs(60)),
        (1000, Duration::from_secs(3600)),
    ];
    assert_eq!(plan.estimate(&tallyfy), Duration::from_secs(120));
    let hourly = [
        (100, Duration::from_secs(60)),
        (150, Duration::from_secs(3600)),
    ];
    assert_eq!(plan.estimate(&hourly), Duration::from_secs(3600));
    assert_eq!(
        plan.estimate(&[(1000, Duration::from_secs(60))]),
        Duration::ZERO
    );
    assert_eq!(plan.estimate(&[]), Duration::ZERO);
}

// Proves the file reads as documented: unknown keys and `members: null` are refused,
// absent fields are not managed, and the JSON form of a plan has the documented keys.
#[test]
fn file_shape_and_json() {
    let text = r#"{"groups": [{"name": "Sales", "members": [1001]}], "ignore": {"members": [1]}}"#;
    let desired: DesiredState = serde_json::from_str(text).unwrap();
    assert_eq!(desired.groups[0].guests, None);
    for bad in [
        r#"{"groups": [{"name": "Sales", "members": null}]}"#,
        r#"{"groups": [{"name": "Sales", "colour": "red"}]}"#,
        r#"{"groups": [], "extra": 1}"#,
    ] {
        assert!(serde_json::from_str::<DesiredState>(bad).is_err(), "{bad}");
    }
    let plan = Plan::new(&desired, &current()).unwrap();
    let json = serde_json::to_value(&plan).unwrap();
    assert_eq!(json["changes"][0]["action"], "update");
    assert_eq!(json["changes"][0]["members_add"], json!([1001]));
    assert_eq!(
        json["summary"],
        json!({"create": 0, "update": 1, "delete": 0, "unchanged": 0})
    );
}
