//! The five endpoints' happy paths and the group JSON, against a real socket.

mod common;

use common::{http, names, send};
use serde_json::{Value, json};
use tallyfy_groups_sandbox::{SANDBOX_ORG_ID, SEED_DESCRIPTIONS, Sandbox};

fn is_iso_utc(s: &str) -> bool {
    // YYYY-MM-DDTHH:MM:SSZ
    let b = s.as_bytes();
    b.len() == 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z'
}

fn is_group_id(s: &str) -> bool {
    s.len() == 32 && s.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f'))
}

/// Proves seeded groups carry every documented field in the documented types
/// (32-hex id, logo null, integer members, email guests, ISO 8601 `Z`
/// timestamps), with the names, descriptions, members and guests the builder
/// documents, and that seeded ids are the same in two sandboxes.
#[tokio::test]
async fn seeded_groups_have_the_api_shape() {
    let http = http();
    let a = Sandbox::start_seeded(5).await;
    let b = Sandbox::start_seeded(5).await;
    let list = send(http.get(a.groups_url())).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.header("content-type"), Some("application/json"));
    let groups = list.body["data"].as_array().unwrap();
    assert_eq!(groups.len(), 5);
    for (i, g) in groups.iter().enumerate() {
        let n = i + 1;
        assert!(is_group_id(g["id"].as_str().unwrap()), "{g}");
        assert_eq!(g["name"], format!("Group {n:04}"));
        assert_eq!(g["description"], SEED_DESCRIPTIONS[i % 4]);
        assert_eq!(g["logo"], Value::Null);
        assert_eq!(g["members"].as_array().unwrap().len(), n % 3);
        assert!(g["members"].as_array().unwrap().iter().all(Value::is_i64));
        assert!(is_iso_utc(g["created_at"].as_str().unwrap()), "{g}");
        assert!(is_iso_utc(g["last_updated"].as_str().unwrap()), "{g}");
    }
    assert_eq!(groups[0]["created_at"], "2023-01-15T09:00:00Z");
    assert_eq!(groups[1]["members"], json!([1020, 1021]));
    assert_eq!(groups[4]["guests"], json!(["guest0005@example.com"]));
    assert_eq!(groups[0]["guests"], json!([]));
    let ids_b = send(http.get(b.groups_url())).await.body["data"].clone();
    let ids = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|g| g["id"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&list.body["data"]), ids(&ids_b));
}

/// Proves create answers 201 `{"data": group}` with a fresh 32-hex id and the
/// given fields (trimmed name, deduplicated members, string member ids
/// accepted), and that get then answers 200 with the same group.
#[tokio::test]
async fn create_then_get() {
    let http = http();
    let sandbox = Sandbox::start_seeded(0).await;
    let created = send(http.post(sandbox.groups_url()).json(&json!({
        "name": "  Sales Team ",
        "description": "Handles all sales inquiries.",
        "members": [1001, "1005", 1001],
        "guests": ["client.a@example.com"],
    })))
    .await;
    assert_eq!(created.status, 201, "{}", created.raw);
    let group = &created.body["data"];
    assert!(is_group_id(group["id"].as_str().unwrap()));
    assert_eq!(group["name"], "Sales Team");
    assert_eq!(group["members"], json!([1001, 1005]));
    assert_eq!(group["guests"], json!(["client.a@example.com"]));
    assert_eq!(group["logo"], Value::Null);
    assert_eq!(group["created_at"], group["last_updated"]);
    assert!(group.get("assets").is_none());

    let got = send(http.get(sandbox.group_url(group["id"].as_str().unwrap()))).await;
    assert_eq!(got.status, 200);
    assert_eq!(&got.body["data"], group);
}

/// Proves create without members, guests or description (the live server's
/// `sometimes` rule lets the key be left out) stores empty lists and a null
/// description, which a get then reports as null too.
#[tokio::test]
async fn create_minimal() {
    let http = http();
    let sandbox = Sandbox::start_seeded(0).await;
    let created = send(
        http.post(sandbox.groups_url())
            .json(&json!({"name": "Bare"})),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.raw);
    assert_eq!(created.body["data"]["members"], json!([]));
    assert_eq!(created.body["data"]["guests"], json!([]));
    assert_eq!(created.body["data"]["description"], Value::Null);
    let id = created.body["data"]["id"].as_str().unwrap();
    let got = send(http.get(sandbox.group_url(id))).await;
    assert_eq!(got.body["data"]["description"], Value::Null);
}

/// Proves get with `with=assets` adds `"assets": []` and without it there is no `assets`.
#[tokio::test]
async fn get_with_assets() {
    let http = http();
    let sandbox = Sandbox::start_seeded(1).await;
    let list = send(http.get(sandbox.groups_url())).await;
    let url = sandbox.group_url(list.body["data"][0]["id"].as_str().unwrap());
    let plain = send(http.get(&url)).await;
    assert!(plain.body["data"].get("assets").is_none());
    let with = send(http.get(&url).query(&[("with", "assets")])).await;
    assert_eq!(with.status, 200);
    assert_eq!(with.body["data"]["assets"], json!([]));
}

/// Proves PUT answers 201 `{"data": group}`, replaces members and guests
/// wholesale, keeps them when omitted, keeps id and created_at, moves
/// last_updated forward, and allows keeping the group's own name.
#[tokio::test]
async fn update_replaces_lists() {
    let http = http();
    let sandbox = Sandbox::start_seeded(2).await;
    let before = send(http.get(sandbox.groups_url())).await.body["data"][1].clone();
    assert_eq!(before["members"], json!([1020, 1021]));
    let url = sandbox.group_url(before["id"].as_str().unwrap());

    let updated = send(http.put(&url).json(&json!({
        "name": "Group 0002",
        "description": "Renewals too.",
        "members": [7, 8],
        "guests": ["x@example.com"],
    })))
    .await;
    assert_eq!(updated.status, 201, "{}", updated.raw);
    let after = &updated.body["data"];
    assert_eq!(after["id"], before["id"]);
    assert_eq!(after["created_at"], before["created_at"]);
    assert_eq!(after["description"], "Renewals too.");
    assert_eq!(after["members"], json!([7, 8]));
    assert_eq!(after["guests"], json!(["x@example.com"]));
    assert!(after["last_updated"].as_str() > before["last_updated"].as_str());

    // Without `description` the description is kept (the `sometimes` rule).
    let again = send(http.put(&url).json(&json!({"name": "Renamed"}))).await;
    assert_eq!(again.status, 201, "{}", again.raw);
    assert_eq!(again.body["data"]["name"], "Renamed");
    assert_eq!(again.body["data"]["description"], "Renewals too.");
    assert_eq!(again.body["data"]["members"], json!([7, 8]));
    let emptied = send(http.put(&url).json(&json!({
        "name": "Renamed", "members": [], "guests": []
    })))
    .await;
    assert_eq!(emptied.body["data"]["members"], json!([]));
    assert_eq!(emptied.body["data"]["guests"], json!([]));
    let got = send(http.get(&url)).await;
    assert_eq!(got.body["data"], emptied.body["data"]);
}

/// Proves delete answers 204 with an empty body, is a hard delete (get and a
/// second delete answer 404) and the list shrinks.
#[tokio::test]
async fn delete_is_hard() {
    let http = http();
    let sandbox = Sandbox::start_seeded(3).await;
    let id = send(http.get(sandbox.groups_url())).await.body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let deleted = send(http.delete(sandbox.group_url(&id))).await;
    assert_eq!(deleted.status, 204);
    assert!(deleted.raw.is_empty());
    assert_eq!(send(http.get(sandbox.group_url(&id))).await.status, 404);
    assert_eq!(send(http.delete(sandbox.group_url(&id))).await.status, 404);
    let list = send(http.get(sandbox.groups_url())).await;
    assert_eq!(names(&list), ["Group 0002", "Group 0003"]);
    assert_eq!(list.body["meta"]["pagination"]["total"], 2);
}

/// Proves organisations are separate stores: seeds live only in
/// `SANDBOX_ORG_ID`, another org id starts empty, groups created there are
/// invisible from the seeded org, and a group is 404 under the wrong org.
#[tokio::test]
async fn organisations_are_isolated() {
    let http = http();
    let sandbox = Sandbox::start_seeded(2).await;
    assert_eq!(sandbox.org_id(), SANDBOX_ORG_ID);
    let other = format!("{}/organizations/other-org/groups", sandbox.base_url());
    let empty = send(http.get(&other)).await;
    assert_eq!(empty.status, 200);
    assert_eq!(empty.body["data"], json!([]));

    // The same name as a seeded group is fine in another organisation.
    let created = send(
        http.post(&other)
            .json(&json!({"name": "Group 0001", "description": "elsewhere"})),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.raw);
    let id = created.body["data"]["id"].as_str().unwrap();
    assert_eq!(names(&send(http.get(&other)).await), ["Group 0001"]);
    assert_eq!(
        send(http.get(sandbox.groups_url())).await.body["meta"]["pagination"]["total"],
        2
    );
    assert_eq!(send(http.get(sandbox.group_url(id))).await.status, 404);
    assert_eq!(send(http.get(format!("{other}/{id}"))).await.status, 200);
}

/// Proves the base URL has the documented shape (`http://127.0.0.1:PORT/api`)
/// and the helpers build the documented paths under it.
#[tokio::test]
async fn urls_follow_the_api_paths() {
    let http = http();
    let sandbox = Sandbox::builder().start().await;
    let base = format!("http://127.0.0.1:{}/api", sandbox.addr().port());
    assert_eq!(sandbox.base_url(), base);
    assert_eq!(
        sandbox.groups_url(),
        format!("{base}/organizations/{SANDBOX_ORG_ID}/groups")
    );
    assert_eq!(
        sandbox.group_url("abc"),
        format!("{}/abc", sandbox.groups_url())
    );
    // The documented client headers are accepted (and not required).
    let answer = send(
        http.get(sandbox.groups_url())
            .header("X-Tallyfy-Client", "APIClient")
            .header("Accept", "application/json"),
    )
    .await;
    assert_eq!(answer.status, 200);
}
