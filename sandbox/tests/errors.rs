//! Every error answer of the sandbox: status, body shape and headers.

mod common;

use common::{assert_field_error, http, send, send_raw};
use serde_json::json;
use tallyfy_groups_sandbox::Sandbox;

/// Proves a request without a bearer token, with an empty one, or with
/// another scheme answers 401 `{"error": "invalid_client"}` with
/// `WWW-Authenticate: Bearer` and an `X-Request-Id`, on every endpoint.
#[tokio::test]
async fn missing_token_is_401() {
    let http = http();
    let sandbox = Sandbox::start_seeded(1).await;
    let url = sandbox.groups_url();
    for request in [
        http.get(&url),
        http.post(&url)
            .json(&json!({"name": "a", "description": "b"})),
        http.get(sandbox.group_url("x")),
        http.put(sandbox.group_url("x")),
        http.delete(sandbox.group_url("x")),
        http.get(&url).header("Authorization", "Bearer "),
        http.get(&url).header("Authorization", "Basic dXNlcjpwYXNz"),
    ] {
        let answer = send_raw(request).await;
        assert_eq!(answer.status, 401);
        assert_eq!(answer.body, json!({"error": "invalid_client"}));
        assert_eq!(answer.header("www-authenticate"), Some("Bearer"));
        assert!(answer.header("x-request-id").is_some());
    }
}

/// Proves the default accepts any non-empty bearer token, and a configured
/// token accepts only itself (another token is 401).
#[tokio::test]
async fn configured_token_only() {
    let http = http();
    let open = Sandbox::builder().start().await;
    let answer = send_raw(http.get(open.groups_url()).bearer_auth("whatever")).await;
    assert_eq!(answer.status, 200);

    let locked = Sandbox::builder()
        .token(Some("s3cret".into()))
        .start()
        .await;
    let wrong = send_raw(http.get(locked.groups_url()).bearer_auth("whatever")).await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.body, json!({"error": "invalid_client"}));
    let right = send_raw(http.get(locked.groups_url()).bearer_auth("s3cret")).await;
    assert_eq!(right.status, 200);
    // The token never shows in Debug output.
    assert!(!format!("{locked:?}").contains("s3cret"));
}

/// Proves an unknown group answers 404 with the API's shape on get, put and
/// delete, and so do unknown paths.
#[tokio::test]
async fn unknown_group_or_path_is_404() {
    let http = http();
    let sandbox = Sandbox::start_seeded(1).await;
    let body =
        json!({"error": true, "message": "Resource not found", "code": "RESOURCE_NOT_FOUND"});
    let missing = sandbox.group_url("00000000000000000000000000000000");
    for request in [
        http.get(&missing),
        http.put(&missing)
            .json(&json!({"name": "a", "description": "b"})),
        http.delete(&missing),
        http.get(format!("{}/organizations", sandbox.base_url())),
        http.get(format!("{}/groups", sandbox.base_url())),
    ] {
        let answer = send(request).await;
        assert_eq!(answer.status, 404);
        assert_eq!(answer.body, body);
    }
}

/// Proves a method a path does not serve answers 405 with the same JSON shape.
#[tokio::test]
async fn wrong_method_is_405() {
    let http = http();
    let sandbox = Sandbox::start_seeded(0).await;
    let answer = send(http.delete(sandbox.groups_url())).await;
    assert_eq!(answer.status, 405);
    assert_eq!(
        answer.body,
        json!({"error": true, "message": "Method not allowed", "code": "METHOD_NOT_ALLOWED"})
    );
}

/// Proves a body that is not JSON answers 400 on create and update.
#[tokio::test]
async fn malformed_json_is_400() {
    let http = http();
    let sandbox = Sandbox::start_seeded(1).await;
    let id = send(http.get(sandbox.groups_url())).await.body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let expected = json!({"error": true, "message": "The request body is not valid JSON.", "code": "INVALID_JSON"});
    for request in [
        http.post(sandbox.groups_url()),
        http.put(sandbox.group_url(&id)),
    ] {
        let answer = send(
            request
                .header("Content-Type", "application/json")
                .body("{\"name\": "),
        )
        .await;
        assert_eq!(answer.status, 400);
        assert_eq!(answer.body, expected);
    }
}

/// Proves a missing `name`, or a null or empty `description`, answers 422 with
/// Laravel's shape on create and on update (`description` is
/// `sometimes|required|string`: leaving the key out passes, null and `""` do
/// not), and an empty body or a non-object body counts as missing the name.
#[tokio::test]
async fn missing_fields_are_422() {
    let http = http();
    let sandbox = Sandbox::start_seeded(1).await;
    let id = send(http.get(sandbox.groups_url())).await.body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let post = || http.post(sandbox.groups_url());
    let put = || http.put(sandbox.group_url(&id));

    let answer = send(post().json(&json!({"description": "x"}))).await;
    assert_eq!(
        answer.body,
        json!({"message": "The given data was invalid.", "errors": {"name": ["The name field is required."]}})
    );
    let answer = send(post().json(&json!({"name": "x", "description": ""}))).await;
    assert_field_error(&answer, "description", "The description field is required.");
    let answer = send(put().json(&json!({"description": "x"}))).await;
    assert_field_error(&answer, "name", "The name field is required.");
    let answer = send(put().json(&json!({"name": "x", "description": null}))).await;
    assert_field_error(&answer, "description", "The description field is required.");
    for request in [post(), post().json(&json!([1, 2]))] {
        let answer = send(request).await;
        assert_field_error(&answer, "name", "The name field is required.");
        assert!(
            answer.body["errors"].get("description").is_none(),
            "{}",
            answer.raw
        );
    }
    let answer = send(put().json(&json!({"name": "  ", "description": "  "}))).await;
    assert_field_error(&answer, "name", "The name field is required.");
    assert_field_error(&answer, "description", "The description field is required.");
    let answer = send(post().json(&json!({"name": 5, "description": ["x"]}))).await;
    assert_field_error(&answer, "name", "The name must be a string.");
    assert_field_error(&answer, "description", "The description must be a string.");
}

/// Proves a name of 200 characters is accepted and one of 201 answers 422.
#[tokio::test]
async fn name_longer_than_200_is_422() {
    let http = http();
    let sandbox = Sandbox::start_seeded(0).await;
    let create = |name: String| {
        send(
            http.post(sandbox.groups_url())
                .json(&json!({"name": name, "description": "d"})),
        )
    };
    assert_eq!(create("é".repeat(200)).await.status, 201);
    let answer = create("a".repeat(201)).await;
    assert_field_error(
        &answer,
        "name",
        "The name may not be greater than 200 characters.",
    );
}

/// Proves a duplicate name (compared case-insensitively) answers 422 "The
/// name has already been taken." on create and when renaming onto another group.
#[tokio::test]
async fn duplicate_name_is_422() {
    let http = http();
    let sandbox = Sandbox::start_seeded(2).await;
    let answer = send(
        http.post(sandbox.groups_url())
            .json(&json!({"name": "group 0001", "description": "d"})),
    )
    .await;
    assert_field_error(&answer, "name", "The name has already been taken.");
    let second = send(http.get(sandbox.groups_url())).await.body["data"][1]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let answer = send(
        http.put(sandbox.group_url(&second))
            .json(&json!({"name": "Group 0001", "description": "d"})),
    )
    .await;
    assert_field_error(&answer, "name", "The name has already been taken.");
    // Nothing changed.
    assert_eq!(
        send(http.get(sandbox.group_url(&second))).await.body["data"]["name"],
        "Group 0002"
    );
}

/// Proves invalid `members` / `guests` answer 422 with per-item keys.
#[tokio::test]
async fn bad_members_and_guests_are_422() {
    let http = http();
    let sandbox = Sandbox::start_seeded(0).await;
    let answer = send(http.post(sandbox.groups_url()).json(&json!({
        "name": "a", "description": "d", "members": [1, 2.5, "x"], "guests": ["ok@example.com", "nope"],
    })))
    .await;
    assert_field_error(&answer, "members.1", "The members.1 must be an integer.");
    assert_field_error(&answer, "members.2", "The members.2 must be an integer.");
    assert_field_error(
        &answer,
        "guests.1",
        "The guests.1 must be a valid email address.",
    );
    let answer = send(http.post(sandbox.groups_url()).json(&json!({
        "name": "a", "description": "d", "members": 5, "guests": "a@b.co",
    })))
    .await;
    assert_field_error(&answer, "members", "The members must be an array.");
    assert_field_error(&answer, "guests", "The guests must be an array.");
}

/// Proves invalid list parameters answer 422 with field errors: `per_page`
/// outside 1..=100 or not an integer, `page` below 1, an unknown `sort_by`,
/// an unknown `with` item; and get accepts only `with=assets`.
#[tokio::test]
async fn bad_query_parameters_are_422() {
    let http = http();
    let sandbox = Sandbox::start_seeded(1).await;
    let list =
        |k: &'static str, v: &'static str| send(http.get(sandbox.groups_url()).query(&[(k, v)]));
    for (key, value, field, message) in [
        (
            "per_page",
            "0",
            "per_page",
            "The per page must be between 1 and 100.",
        ),
        (
            "per_page",
            "101",
            "per_page",
            "The per page must be between 1 and 100.",
        ),
        (
            "per_page",
            "ten",
            "per_page",
            "The per page must be an integer.",
        ),
        ("page", "0", "page", "The page must be at least 1."),
        ("page", "-3", "page", "The page must be at least 1."),
        ("page", "1.5", "page", "The page must be an integer."),
        (
            "sort_by",
            "title",
            "sort_by",
            "The selected sort by is invalid.",
        ),
        (
            "with",
            "assets,members",
            "with",
            "The selected with is invalid.",
        ),
    ] {
        let answer = list(key, value).await;
        assert_field_error(&answer, field, message);
    }
    // All errors at once.
    let answer = send(http.get(sandbox.groups_url()).query(&[
        ("per_page", "0"),
        ("page", "0"),
        ("sort_by", "x"),
    ]))
    .await;
    assert_eq!(
        answer.body["errors"].as_object().unwrap().len(),
        3,
        "{}",
        answer.raw
    );

    let id = send(http.get(sandbox.groups_url())).await.body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let answer = send(http.get(sandbox.group_url(&id)).query(&[("with", "users")])).await;
    assert_field_error(&answer, "with", "The selected with is invalid.");
}
