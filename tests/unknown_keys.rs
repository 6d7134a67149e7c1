//! Keys the spec does not name, kept over HTTP whatever their names and wherever
//! they are (issue #26, after #19's tests in tests/decoding.rs): in every group of a
//! listing of several pages, at each level of a page only its own (names declared at
//! another level included), written with JSON escapes, and in error bodies beside
//! each form of `error`.

mod common;

use common::*;
use futures::TryStreamExt;
use httpmock::prelude::*;
use serde_json::{Value, json};
use tallyfy_groups::Group;

/// The two unknown keys group `n` of a listing carries in the tests below.
fn two_unknown_keys(n: usize) -> Value {
    json!({"is_system": n.is_multiple_of(2), "sort_key": {"rank": n, "tags": ["t", null]}})
}

// Proves a listing of two pages where every group carries two unknown keys hands
// out every group with exactly those two in `extra`, values as sent, and the
// declared fields decoded beside them; serialising a group writes them back out.
#[tokio::test]
async fn every_group_of_a_listing_keeps_its_two_unknown_keys() {
    let server = MockServer::start_async().await;
    let group = |n: usize| {
        let mut group = reference_group();
        group["id"] = json!(format!("group-{n}"));
        for (key, value) in two_unknown_keys(n).as_object().unwrap() {
            group[key] = value.clone();
        }
        group
    };
    for page in [1usize, 2] {
        let groups = (0..3).map(|i| group((page - 1) * 3 + i)).collect();
        let body = list_body(
            groups,
            json!({"total": 6, "count": 3, "per_page": 3, "current_page": page, "total_pages": 2}),
        );
        server
            .mock_async(|when, then| {
                when.method(GET)
                    .path(groups_path())
                    .query_param("page", page.to_string());
                then.status(200).json_body(body);
            })
            .await;
    }
    let groups: Vec<Group> = client(&server)
        .groups()
        .list()
        .page_size(3)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(groups.len(), 6);
    for (n, got) in groups.iter().enumerate() {
        assert_eq!(got.id, format!("group-{n}"));
        assert_eq!(got.name, "Sales Team");
        assert_eq!(got.member_ids().unwrap(), vec![1001, 1005]);
        assert_eq!(
            Value::Object(got.extra.map().clone()),
            two_unknown_keys(n),
            "group {n}"
        );
        let written = serde_json::to_value(got).unwrap();
        assert_eq!(written["sort_key"], two_unknown_keys(n)["sort_key"]);
    }
}

// Proves each level keeps exactly its own unknown keys, even those named like a
// field of another level (`pagination` at the top, `data` in `meta`, `next` in
// `pagination`, `total` in a group), and that the declared fields are not disturbed.
#[tokio::test]
async fn keys_declared_at_another_level_are_unknown_at_this_one() {
    let server = MockServer::start_async().await;
    let mut group = reference_group();
    group["total"] = json!(99);
    group["meta"] = json!({"pagination": {}});
    server
        .mock_async(|when, then| {
            when.method(GET).path(groups_path());
            then.status(200).json_body(json!({
                "data": [group],
                "pagination": "top",
                "id": 1,
                "meta": {
                    "data": [],
                    "pagination": {"total": 1, "count": 1, "per_page": 10,
                        "current_page": 1, "total_pages": 1, "next": "x", "data": null}
                }
            }));
        })
        .await;
    let page = client(&server).groups().list().send().await.unwrap();
    assert_eq!(
        Value::Object(page.extra().clone()),
        json!({"pagination": "top", "id": 1})
    );
    assert_eq!(
        Value::Object(page.meta_extra().clone()),
        json!({"data": []})
    );
    let pagination = page.pagination().unwrap();
    assert_eq!(
        Value::Object(pagination.extra.map().clone()),
        json!({"next": "x", "data": null})
    );
    assert_eq!((pagination.total, page.total_pages()), (Some(1), Some(1)));
    let group = &page.items()[0];
    assert_eq!(
        Value::Object(group.extra.map().clone()),
        json!({"total": 99, "meta": {"pagination": {}}})
    );
    assert_eq!(group.name, "Sales Team");
}

// Proves keys written with JSON escapes are read as the names they spell: a declared
// one (`n\u0061me`) fills its field, an unknown one (`is\u005fsystem`) is kept under
// its decoded name, in a group and in an error body.
#[tokio::test]
async fn escaped_keys_decode_as_the_names_they_spell() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(group_path());
            then.status(200)
                .header("content-type", "application/json")
                .body(r#"{"data": {"id": "g1", "n\u0061me": "Ops", "is\u005fsystem": true}}"#);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(format!("{}/missing", groups_path()));
            then.status(404)
                .header("content-type", "application/json")
                .body(r#"{"m\u0065ssage": "Not found", "tr\u0061ce": [1]}"#);
        })
        .await;
    let client = client_with(&server, tallyfy_groups::RetryPolicy::none());
    let group = client.groups().get(GROUP_ID).send().await.unwrap();
    assert_eq!((group.id.as_str(), group.name.as_str()), ("g1", "Ops"));
    assert_eq!(
        Value::Object(group.extra.into_map()),
        json!({"is_system": true})
    );
    let err = client.groups().get("missing").send().await.unwrap_err();
    let body = err
        .api()
        .and_then(|api| api.body.as_ref())
        .expect("a decoded body");
    assert_eq!(body.message.as_deref(), Some("Not found"));
    assert_eq!(
        Value::Object(body.extra.map().clone()),
        json!({"trace": [1]})
    );
}

// Proves an error body keeps its unknown keys beside each form of `error` (a flag,
// a name, an object with its own fields), and beside field errors of each shape.
#[tokio::test]
async fn error_bodies_keep_unknown_keys_beside_every_form_of_error() {
    for error in [
        json!(true),
        json!("invalid_client"),
        json!({"code": "SEAT_POOL_EXHAUSTED", "message": "No seats.", "details": {"a": 1}}),
    ] {
        let server = MockServer::start_async().await;
        let sent = json!({"error": error, "errors": {"name": ["Required."], "members": "Bad."},
            "exception": "ValidationException", "context": {"trace_id": "t-1", "hints": [null]}});
        server
            .mock_async(|when, then| {
                when.method(GET).path(group_path());
                then.status(422).json_body(sent);
            })
            .await;
        let client = client_with(&server, tallyfy_groups::RetryPolicy::none());
        let err = client.groups().get(GROUP_ID).send().await.unwrap_err();
        let body = err
            .api()
            .and_then(|api| api.body.as_ref())
            .expect("a decoded body");
        assert_eq!(
            Value::Object(body.extra.map().clone()),
            json!({"exception": "ValidationException",
                "context": {"trace_id": "t-1", "hints": [null]}}),
            "{error}"
        );
        assert!(body.error.is_some() && body.errors.len() == 2, "{error}");
    }
}

// Proves a body decoded as the client decodes it (`from_body`: maps filled when
// read) equals the eager decode at every level of a page and of an error body, and
// serialises to the same JSON, unknown keys included, also after `detach`.
#[test]
fn a_body_decoded_lazily_equals_the_eager_decode_and_writes_the_same_json() {
    use tallyfy_groups::raw::types::GroupList;
    let mut group = reference_group();
    for (key, value) in two_unknown_keys(3).as_object().unwrap() {
        group[key] = value.clone();
    }
    let page = json!({"data": [group.clone(), reference_group(), group], "top": [1],
        "meta": {"m": null, "pagination": {"total": 3, "count": 3, "per_page": 3,
            "current_page": 1, "total_pages": 1, "cursor": "c"}}});
    let bytes = serde_json::to_vec(&page).unwrap();
    let lazy: GroupList = tallyfy_groups::from_body(bytes.clone().into()).unwrap();
    let eager: GroupList = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(lazy, eager);
    let written = serde_json::to_value(&lazy).unwrap();
    assert_eq!(written, serde_json::to_value(&eager).unwrap());
    assert_eq!(
        written["data"][0]["sort_key"],
        two_unknown_keys(3)["sort_key"]
    );
    assert_eq!(
        (&written["top"], &written["meta"]["m"]),
        (&json!([1]), &Value::Null)
    );
    assert_eq!(written["meta"]["pagination"]["cursor"], "c");
    let mut held = lazy.data[0].clone();
    drop(lazy);
    held.extra.detach();
    assert_eq!(Value::Object(held.extra.into_map()), two_unknown_keys(3));
    let error = br#"{"error": {"code": "X", "message": "m"}, "trace": {"id": [1]}}"#;
    let lazy: tallyfy_groups::ErrorBody =
        tallyfy_groups::from_body(bytes::Bytes::from_static(error)).unwrap();
    assert_eq!(lazy, serde_json::from_slice(error).unwrap());
    assert_eq!(lazy.extra.get("trace"), Some(&json!({"id": [1]})));
}
