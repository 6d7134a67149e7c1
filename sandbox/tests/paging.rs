//! The list endpoint: the Fractal paging envelope, links, `q`, `sort_by`, `with`.

mod common;

use common::{http, names, send};
use serde_json::json;
use tallyfy_groups_sandbox::Sandbox;

/// Proves the envelope over three pages of 25 groups at `per_page=10`:
/// `total`, `count`, `per_page`, `current_page`, `total_pages`; `links` with
/// only `next` on the first page, both in the middle, only `previous` on the
/// last; the links are absolute URLs under the base URL; and following `next`
/// from page 1 visits every group exactly once, in order.
#[tokio::test]
async fn envelope_and_links_over_pages() {
    let http = http();
    let sandbox = Sandbox::start_seeded(25).await;
    let page = |n: u32| {
        http.get(sandbox.groups_url())
            .query(&[("per_page", "10".to_owned()), ("page", n.to_string())])
    };
    let first = send(page(1)).await;
    let p = &first.body["meta"]["pagination"];
    assert_eq!(p["total"], 25);
    assert_eq!(p["count"], 10);
    assert_eq!(p["per_page"], 10);
    assert_eq!(p["current_page"], 1);
    assert_eq!(p["total_pages"], 3);
    assert!(p["links"].get("previous").is_none(), "{}", first.raw);
    let next = p["links"]["next"].as_str().unwrap();
    assert!(next.starts_with(&sandbox.groups_url()), "{next}");
    assert!(
        next.contains("page=2") && next.contains("per_page=10"),
        "{next}"
    );

    let middle = send(page(2)).await;
    let links = &middle.body["meta"]["pagination"]["links"];
    assert!(links["previous"].as_str().unwrap().ends_with("page=1"));
    assert!(links["next"].as_str().unwrap().ends_with("page=3"));

    let last = send(page(3)).await;
    let p = &last.body["meta"]["pagination"];
    assert_eq!(p["count"], 5);
    assert_eq!(p["current_page"], 3);
    assert!(p["links"].get("next").is_none(), "{}", last.raw);
    assert!(p["links"]["previous"].as_str().unwrap().ends_with("page=2"));

    let mut seen = Vec::new();
    let mut url = Some(format!("{}?per_page=10", sandbox.groups_url()));
    while let Some(current) = url {
        let answer = send(http.get(&current)).await;
        assert_eq!(answer.status, 200);
        seen.extend(names(&answer));
        url = answer.body["meta"]["pagination"]["links"]["next"]
            .as_str()
            .map(str::to_owned);
    }
    let expected: Vec<String> = (1..=25).map(|i| format!("Group {i:04}")).collect();
    assert_eq!(seen, expected);
}

/// Proves a single page (and an empty list) encodes `links` as `[]`, as PHP
/// encodes an empty map, with `total_pages` 1, and that `per_page` defaults to 10.
#[tokio::test]
async fn single_page_has_empty_links_array() {
    let http = http();
    let sandbox = Sandbox::start_seeded(12).await;
    let default = send(http.get(sandbox.groups_url())).await;
    assert_eq!(default.body["meta"]["pagination"]["per_page"], 10);
    assert_eq!(default.body["meta"]["pagination"]["count"], 10);
    let all = send(http.get(sandbox.groups_url()).query(&[("per_page", "100")])).await;
    assert_eq!(all.body["meta"]["pagination"]["links"], json!([]));
    assert_eq!(all.body["meta"]["pagination"]["total_pages"], 1);
    let none = send(
        http.get(sandbox.groups_url())
            .query(&[("q", "no such group")]),
    )
    .await;
    assert_eq!(none.body["data"], json!([]));
    assert_eq!(
        none.body["meta"]["pagination"],
        json!({"total": 0, "count": 0, "per_page": 10, "current_page": 1, "total_pages": 1, "links": []})
    );
}

/// Proves a page past the last one is empty, keeps `current_page`, and links
/// back to the page before it without a `next`.
#[tokio::test]
async fn page_past_the_end_is_empty() {
    let http = http();
    let sandbox = Sandbox::start_seeded(5).await;
    let answer = send(http.get(sandbox.groups_url()).query(&[("page", "4")])).await;
    assert_eq!(answer.status, 200);
    let p = &answer.body["meta"]["pagination"];
    assert_eq!(answer.body["data"], json!([]));
    assert_eq!(
        (p["count"].clone(), p["current_page"].clone()),
        (json!(0), json!(4))
    );
    assert!(p["links"]["previous"].as_str().unwrap().ends_with("page=3"));
    assert!(p["links"].get("next").is_none());
}

/// Proves the links keep `q`, `per_page`, `sort_by` and `with`, so following
/// them pages through the same filtered, sorted list.
#[tokio::test]
async fn links_keep_the_other_parameters() {
    let http = http();
    let sandbox = Sandbox::start_seeded(40).await;
    let answer = send(http.get(sandbox.groups_url()).query(&[
        ("q", "sales inquiries"),
        ("per_page", "3"),
        ("sort_by", "name"),
        ("with", "assets"),
    ]))
    .await;
    let next = answer.body["meta"]["pagination"]["links"]["next"]
        .as_str()
        .unwrap();
    for part in [
        "q=sales+inquiries",
        "per_page=3",
        "sort_by=name",
        "with=assets",
        "page=2",
    ] {
        assert!(next.contains(part), "{part} missing from {next}");
    }
    let second = send(http.get(next)).await;
    assert_eq!(names(&second), ["Group 0013", "Group 0017", "Group 0021"]);
    assert_eq!(second.body["data"][0]["assets"], json!([]));
}

/// Proves `q` is a case-insensitive substring search over name and description.
#[tokio::test]
async fn q_searches_name_and_description() {
    let http = http();
    let sandbox = Sandbox::start_seeded(20).await;
    let search = |q: &'static str| send(http.get(sandbox.groups_url()).query(&[("q", q)]));
    // Descriptions: every fourth group, from group 1, "Handles sales inquiries."
    let sales = search("SALES").await;
    assert_eq!(
        names(&sales),
        [
            "Group 0001",
            "Group 0005",
            "Group 0009",
            "Group 0013",
            "Group 0017"
        ]
    );
    assert_eq!(sales.body["meta"]["pagination"]["total"], 5);
    assert_eq!(names(&search("group 0012").await), ["Group 0012"]);
    assert_eq!(names(&search("0012").await), ["Group 0012"]);
    // An empty q is no filter.
    assert_eq!(search("").await.body["meta"]["pagination"]["total"], 20);
}

/// Proves `sort_by`: `created_at` (the default) is creation order, `name` is
/// case-insensitive alphabetical, `updated_at` orders by `last_updated` (and
/// differs from creation order for seeds), and an update moves a group last.
#[tokio::test]
async fn sort_by_each_field() {
    let http = http();
    let sandbox = Sandbox::start_seeded(20).await;
    for (name, description) in [("zeta", "z"), ("Alpha", "a")] {
        let created = send(
            http.post(sandbox.groups_url())
                .json(&json!({"name": name, "description": description})),
        )
        .await;
        assert_eq!(created.status, 201);
    }
    let sorted = |by: &'static str| {
        send(
            http.get(sandbox.groups_url())
                .query(&[("sort_by", by), ("per_page", "100")]),
        )
    };
    let by_created = names(&sorted("created_at").await);
    assert_eq!(by_created[..2], ["Group 0001", "Group 0002"]);
    assert_eq!(by_created[20..], ["zeta", "Alpha"]);
    assert_eq!(
        names(&send(http.get(sandbox.groups_url()).query(&[("per_page", "100")])).await),
        by_created
    );

    let by_name = names(&sorted("name").await);
    assert_eq!(by_name.first().map(String::as_str), Some("Alpha"));
    assert_eq!(by_name.last().map(String::as_str), Some("zeta"));

    let by_updated = sorted("updated_at").await;
    let stamps: Vec<&str> = by_updated.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["last_updated"].as_str().unwrap())
        .collect();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "{stamps:?}");
    assert_ne!(names(&by_updated)[..20], by_created[..20]);

    // Updating a seeded group makes it the most recently updated.
    let id = by_updated.body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let touched = send(
        http.put(sandbox.group_url(&id))
            .json(&json!({"name": "Touched", "description": "t"})),
    )
    .await;
    assert_eq!(touched.status, 201);
    assert_eq!(
        names(&sorted("updated_at").await)
            .last()
            .map(String::as_str),
        Some("Touched")
    );
}

/// Proves list accepts `with` as a comma list of assets/users/guests, and
/// `assets` adds `"assets": []` to every group while `users,guests` adds nothing.
#[tokio::test]
async fn list_with() {
    let http = http();
    let sandbox = Sandbox::start_seeded(3).await;
    let with = |w: &'static str| send(http.get(sandbox.groups_url()).query(&[("with", w)]));
    let assets = with("assets,users").await;
    assert_eq!(assets.status, 200);
    assert!(
        assets.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["assets"] == json!([]))
    );
    let others = with("users,guests").await;
    assert_eq!(others.status, 200);
    assert!(others.body["data"][0].get("assets").is_none());
}

/// Proves `sort` (the direction): `desc` reverses the order of `sort_by` across
/// pages, and the next link carries it; `asc`, an unknown value and an empty one are
/// accepted (200) and ascending, since the live server's values are not documented.
#[tokio::test]
async fn sort_direction() {
    let http = http();
    let sandbox = Sandbox::start_seeded(5).await;
    let list = |sort: &'static str| {
        send(
            http.get(sandbox.groups_url())
                .query(&[("sort", sort), ("per_page", "2")]),
        )
    };
    let desc = list("desc").await;
    assert_eq!(desc.status, 200, "{}", desc.raw);
    assert_eq!(names(&desc), ["Group 0005", "Group 0004"]);
    let next = desc.body["meta"]["pagination"]["links"]["next"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(next.contains("sort=desc"), "{next}");
    assert_eq!(
        names(&send(http.get(next)).await),
        ["Group 0003", "Group 0002"]
    );
    for sort in ["asc", "sideways", ""] {
        let answer = list(sort).await;
        assert_eq!(answer.status, 200, "{sort}: {}", answer.raw);
        assert_eq!(names(&answer), ["Group 0001", "Group 0002"], "{sort}");
    }
}
