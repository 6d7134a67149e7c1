//! Several processes writing one group at once (issue #28), without a coordinator:
//! every CLI process that prints success has its change in the group at the end, and
//! every other one exits non-zero naming what it could not apply. Against one
//! sandbox server with latency, as a new user would run it.

mod common;

use std::collections::BTreeSet;
use std::process::{Child, Stdio};
use std::time::Duration;

use common::groups_exe;
use tallyfy_groups_sandbox::Sandbox;

/// `tallyfy-groups ARGS` against `sandbox` as the live API would be addressed.
fn spawn(sandbox: &Sandbox, args: &[&str]) -> Child {
    std::process::Command::new(groups_exe())
        .args(args)
        .env("TALLYFY_ACCESS_TOKEN", "sandbox-token")
        .env("TALLYFY_ORG_ID", sandbox.org_id())
        .env("TALLYFY_BASE_URL", sandbox.base_url())
        .env_remove("TALLYFY_SANDBOX_STATE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the CLI starts")
}

// Proves that without a coordinator no process reports a change that is not there:
// 20 processes started at once, each adding its own member to the same group on a
// server with 20 ms of latency; at the end, each one that exited 0 has its member in
// the group, and each one that did not named its member on stderr. (Before
// confirm-after-write, 17 of 20 printed success and 2 members were kept.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_processes_never_report_a_lost_addition() {
    let sandbox = Sandbox::builder()
        .latency(Duration::from_millis(20))
        .start()
        .await;
    let client = tallyfy_groups::Client::builder()
        .token("sandbox-token")
        .org_id(sandbox.org_id())
        .base_url(sandbox.base_url())
        .build()
        .unwrap();
    let group = client.groups().create("Twenty").send().await.unwrap();
    let ids: Vec<i64> = (1..=20).map(|n| 7000 + n).collect();
    let children: Vec<(i64, Child)> = (ids.iter())
        .map(|id| {
            let child = spawn(&sandbox, &["add-members", &group.id, &id.to_string()]);
            (*id, child)
        })
        .collect();
    let outputs = tokio::task::spawn_blocking(move || {
        (children.into_iter())
            .map(|(id, child)| (id, child.wait_with_output().expect("the CLI ends")))
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    let group = client.groups().get(&group.id).send().await.unwrap();
    let present: BTreeSet<i64> = group.member_ids().unwrap().into_iter().collect();
    let mut succeeded = 0;
    for (id, output) in &outputs {
        let stderr = String::from_utf8_lossy(&output.stderr);
        if output.status.success() {
            succeeded += 1;
            assert!(
                present.contains(id),
                "member {id} was reported added but is not in the group"
            );
        } else {
            assert!(
                stderr.contains(&id.to_string()),
                "a failed process must name its member {id}: {stderr}"
            );
        }
    }
    eprintln!(
        "20 processes without a coordinator: {succeeded} succeeded, {} members present",
        present.len()
    );
}
