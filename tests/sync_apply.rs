//! `sync` applied against the sandbox: a plan converges (a second plan is empty and a
//! second apply sends no write), an outside change landing between the apply's read
//! and its write is kept, one failing group does not stop the others and is named,
//! and the removal limit refuses before anything is sent.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use common::sandbox_builder;
use tallyfy_groups::sync::{Change, DesiredGroup, DesiredState, MaxRemovals, Plan};
use tallyfy_groups::{Client, Group};
use tallyfy_groups_sandbox::{RequestInfo, Sandbox};

fn client(sandbox: &Sandbox) -> Client {
    sandbox_builder(sandbox).build().expect("client builds")
}

async fn all(client: &Client) -> Vec<Group> {
    use futures::TryStreamExt;
    client.groups().list().items().try_collect().await.unwrap()
}

fn file(text: &str) -> DesiredState {
    serde_json::from_str(text).expect("a desired state")
}

// Proves an apply converges: after it, a plan of the same file is empty, and applying
// that plan sends only the listing (no write).
#[tokio::test]
async fn apply_converges() {
    let sandbox = Sandbox::start_seeded(5).await;
    let client = client(&sandbox);
    let desired = file(
        r#"{"groups": [
            {"name": "Group 0001", "members": [1010, 7], "description": "Sales, renewed."},
            {"name": "Brand new", "members": [5], "guests": ["a@example.com"]}
        ]}"#,
    );
    let plan = Plan::new(&desired, &all(&client).await).unwrap();
    assert_eq!((plan.summary.create, plan.summary.update), (1, 1));
    let outcomes = plan.apply(&client.groups(), 4).await;
    assert!(outcomes.iter().all(|o| o.result.is_ok()), "{outcomes:#?}");
    let again = Plan::new(&desired, &all(&client).await).unwrap();
    assert!(again.is_empty(), "{:#?}", again.changes);
    let before = sandbox.request_count();
    assert!(again.apply(&client.groups(), 4).await.is_empty());
    assert_eq!(
        sandbox.request_count(),
        before,
        "an empty plan sends nothing"
    );
}

// Proves an outside addition to a group whose members the file does not manage
// survives an apply that changes its description: the other writer adds 9001 just
// before our compare read is answered; the apply re-applies its change to the fresh
// copy and the group ends with the new description and the member.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outside_addition_survives() {
    type Other = Arc<std::sync::OnceLock<(Client, String)>>;
    let other: Other = Arc::default();
    let gets = Arc::new(AtomicU32::new(0));
    let hook = {
        let (other, gets) = (other.clone(), gets.clone());
        move |info: RequestInfo| {
            let (other, gets) = (other.clone(), gets.clone());
            async move {
                let Some((client, id)) = other.get() else {
                    return;
                };
                if info.method != "GET" || !info.path.ends_with(id.as_str()) {
                    return;
                }
                // The apply's read is GET 1, its compare read GET 2.
                if gets.fetch_add(1, Ordering::SeqCst) == 1 {
                    client.groups().add_members(id, [9001]).await.unwrap();
                }
            }
        }
    };
    let sandbox = Sandbox::builder().seed(3).on_request(hook).start().await;
    let ours = client(&sandbox);
    let groups = all(&ours).await;
    let target = groups
        .iter()
        .find(|g| g.name == "Group 0002")
        .unwrap()
        .clone();
    other.set((client(&sandbox), target.id.clone())).unwrap();
    let desired =
        file(r#"{"groups": [{"name": "Group 0002", "description": "Support, rewritten."}]}"#);
    let plan = Plan::new(&desired, &groups).unwrap();
    let outcomes = plan.apply(&ours.groups(), 1).await;
    assert!(outcomes[0].result.is_ok(), "{outcomes:#?}");
    let after = ours.groups().get(&target.id).send().await.unwrap();
    assert_eq!(after.description.as_deref(), Some("Support, rewritten."));
    let mut expected = target.member_ids().unwrap();
    expected.push(9001);
    assert_eq!(after.member_ids().unwrap(), expected);
}

// Proves one failing group does not stop the others and is named with the server's
// message: a pinned rename to a name another group has (422), beside a create.
#[tokio::test]
async fn a_taken_name_fails_alone() {
    let sandbox = Sandbox::start_seeded(3).await;
    let client = client(&sandbox);
    let groups = all(&client).await;
    let first = groups.iter().find(|g| g.name == "Group 0001").unwrap();
    let desired = DesiredState {
        groups: vec![
            DesiredGroup {
                name: "Group 0002".into(),
                id: Some(first.id.clone()),
                ..DesiredGroup::default()
            },
            DesiredGroup {
                name: "Fresh".into(),
                ..DesiredGroup::default()
            },
        ],
        ..DesiredState::default()
    };
    let plan = Plan::new(&desired, &groups).unwrap();
    let outcomes = plan.apply(&client.groups(), 2).await;
    assert!(
        matches!(&outcomes[0].change, Change::Update { rename: Some(n), .. } if n == "Group 0002")
    );
    let error = outcomes[0].result.as_ref().unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(422), "{error}");
    assert!(error.to_string().contains("taken"), "{error}");
    assert!(outcomes[1].result.is_ok(), "{:?}", outcomes[1].result);
    assert!(all(&client).await.iter().any(|g| g.name == "Fresh"));
}

// Proves the removal limit: a prune that would delete every group is refused before
// anything is sent (the default limit), a count limit is applied as given, and
// add-only drops every removal.
#[tokio::test]
async fn removal_limit_and_add_only() {
    let sandbox = Sandbox::start_seeded(20).await;
    let client = client(&sandbox);
    let groups = all(&client).await;
    let desired = file(r#"{"groups": [{"name": "Group 0001", "members": [5]}], "prune": true}"#);
    let plan = Plan::new(&desired, &groups).unwrap();
    assert_eq!(plan.summary.delete, 19);
    let refused = plan.check_removals(None).unwrap_err();
    assert!(refused.contains("nothing was sent"), "{refused}");
    assert!(plan.check_removals(Some(MaxRemovals::Count(1000))).is_ok());
    assert!("25%".parse::<MaxRemovals>().is_ok() && "x%".parse::<MaxRemovals>().is_err());
    let add_only = plan.add_only();
    assert_eq!(add_only.removals(), 0);
    assert_eq!(add_only.summary.delete, 0);
    let before = sandbox.request_count();
    let outcomes = add_only.apply(&client.groups(), 4).await;
    assert!(outcomes.iter().all(|o| o.result.is_ok()));
    let first = all(&client)
        .await
        .into_iter()
        .find(|g| g.name == "Group 0001")
        .unwrap();
    assert!(first.member_ids().unwrap().contains(&5));
    assert_eq!(all(&client).await.len(), 20, "add-only deletes nothing");
    assert!(sandbox.request_count() > before);
}

// Proves resume after a run died between sending a create and recording it: the
// journal shows the create's intent without a result and the group exists, so the
// resumed run does not create it again; a change recorded done is not sent again;
// the rest is applied.
#[tokio::test]
async fn resume_does_not_repeat_a_create_that_landed() {
    let sandbox = Sandbox::start_seeded(2).await;
    let client = client(&sandbox);
    let desired =
        file(r#"{"groups": [{"name": "Landed"}, {"name": "Recorded"}, {"name": "Pending"}]}"#);
    let plan = Plan::new(&desired, &all(&client).await).unwrap();
    let dir = std::env::temp_dir().join(format!("sync-resume-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("journal");
    // The interrupted run: "Recorded" was created and recorded; "Landed" was sent
    // (the server has it) but the run died before recording the result.
    let journal = tallyfy_groups::sync::Journal::create(&path, &plan).unwrap();
    drop(journal);
    client.groups().create("Recorded").send().await.unwrap();
    client.groups().create("Landed").send().await.unwrap();
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("{\"entry\":\"intent\",\"seq\":1}\n{\"entry\":\"done\",\"seq\":1}\n");
    text.push_str("{\"entry\":\"intent\",\"seq\":0}\n{\"entry\":\"do"); // cut by the kill
    std::fs::write(&path, text).unwrap();

    let (journal, resumed) = tallyfy_groups::sync::Journal::resume(&path).unwrap();
    assert_eq!(resumed.done.iter().copied().collect::<Vec<_>>(), [1]);
    assert_eq!(resumed.unknown.iter().copied().collect::<Vec<_>>(), [0]);
    let outcomes = Plan::resume(&resumed, &client.groups(), 1, &journal).await;
    assert_eq!(outcomes.len(), 2, "the recorded change is not tried again");
    assert!(outcomes.iter().all(|o| o.result.is_ok()), "{outcomes:#?}");
    let names: Vec<String> = all(&client).await.into_iter().map(|g| g.name).collect();
    for name in ["Landed", "Recorded", "Pending"] {
        assert_eq!(
            names.iter().filter(|n| *n == name).count(),
            1,
            "{name}: {names:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// Proves undo reverses what a journal shows as applied: the previous members come
// back (the added one leaves, the removed one returns), a created group is deleted,
// and a deleted group is created again by name (with a note that its id is new).
#[tokio::test]
async fn undo_restores_the_previous_state() {
    let sandbox = Sandbox::start_seeded(3).await;
    let client = client(&sandbox);
    let before = all(&client).await;
    let first = before
        .iter()
        .find(|g| g.name == "Group 0001")
        .unwrap()
        .clone();
    let desired = file(
        r#"{"groups": [
            {"name": "Group 0001", "members": [7]},
            {"name": "Group 0002"},
            {"name": "Made by the apply"}
        ], "prune": true}"#,
    );
    let plan = Plan::new(&desired, &before).unwrap();
    assert_eq!(
        (
            plan.summary.create,
            plan.summary.update,
            plan.summary.delete
        ),
        (1, 1, 1)
    );
    let dir = std::env::temp_dir().join(format!("sync-undo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("journal");
    let journal = tallyfy_groups::sync::Journal::create(&path, &plan).unwrap();
    let outcomes = plan.apply_journaled(&client.groups(), 2, &journal).await;
    assert!(outcomes.iter().all(|o| o.result.is_ok()), "{outcomes:#?}");
    drop(journal);

    let (_, resumed) = tallyfy_groups::sync::Journal::resume(&path).unwrap();
    let (undo, notes) = Plan::undo(&resumed);
    assert_eq!(
        (
            undo.summary.create,
            undo.summary.update,
            undo.summary.delete
        ),
        (1, 1, 1)
    );
    assert!(notes.iter().any(|n| n.contains("new id")), "{notes:?}");
    let outcomes = undo.apply(&client.groups(), 1).await;
    assert!(outcomes.iter().all(|o| o.result.is_ok()), "{outcomes:#?}");
    let after = all(&client).await;
    let restored = after.iter().find(|g| g.id == first.id).unwrap();
    assert_eq!(restored.member_ids().unwrap(), first.member_ids().unwrap());
    let mut names: Vec<&str> = after.iter().map(|g| g.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["Group 0001", "Group 0002", "Group 0003"]);
    let _ = std::fs::remove_dir_all(&dir);
}

// Proves a saved plan writes only groups still as it recorded them: after an outside
// change to one planned group, applying the saved plan reports that group stale and
// does not write it, while the other planned group is written.
#[tokio::test]
async fn a_stale_saved_plan_skips_the_changed_group() {
    let sandbox = Sandbox::start_seeded(3).await;
    let client = client(&sandbox);
    let groups = all(&client).await;
    let desired = file(
        r#"{"groups": [
            {"name": "Group 0001", "description": "One, planned."},
            {"name": "Group 0002", "description": "Two, planned."}
        ]}"#,
    );
    let saved = Plan::new(&desired, &groups).unwrap().to_saved();
    let changed = groups.iter().find(|g| g.name == "Group 0001").unwrap();
    client
        .groups()
        .add_members(&changed.id, [4242])
        .await
        .unwrap();
    let plan = Plan::from_saved(&saved).unwrap();
    let outcomes = plan.apply(&client.groups(), 1).await;
    let stale = outcomes[0].result.as_ref().unwrap_err();
    assert!(stale.to_string().contains("stale"), "{stale}");
    assert!(outcomes[1].result.is_ok(), "{:?}", outcomes[1].result);
    let after = all(&client).await;
    let one = after.iter().find(|g| g.name == "Group 0001").unwrap();
    let two = after.iter().find(|g| g.name == "Group 0002").unwrap();
    assert_ne!(one.description.as_deref(), Some("One, planned."));
    assert!(one.member_ids().unwrap().contains(&4242));
    assert_eq!(two.description.as_deref(), Some("Two, planned."));
    assert!(Plan::from_saved("{}").is_err());
}
