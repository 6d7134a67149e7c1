//! The five Groups endpoints, under `/api/organizations/{org_id}/groups`.
//!
//! List and get validate their query first (422), then look up (404); update
//! looks the group up first (404, like Laravel's route binding), then
//! validates the body (422 or 400); create, update and delete change the
//! store through [`Shared::change`], which holds the store's lock from the
//! uniqueness check to the write and saves the state file (if any) before
//! the answer is made. Authentication, fault injection and the limiter
//! happen earlier, in the server's middleware.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::errors::{ApiError, json_response};
use crate::query;
use crate::shared::Shared;
use crate::validate;

type Result<T> = std::result::Result<T, ApiError>;

/// `GET /organizations/{org_id}/groups`: one page, 200.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Path(org_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response> {
    let params = query::list_params(raw.as_deref())?;
    let store = shared.store();
    let body = query::page(store.groups(&org_id), &params, &shared.groups_url(&org_id));
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST /organizations/{org_id}/groups`: 201 `{"data": group}`.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    Path(org_id): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let group = shared.change(|store| {
        let input = validate::group_input(&body, |name| store.name_taken(&org_id, name, None))?;
        Ok(store.create(&org_id, input))
    })?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"data": group.to_json(false)}),
    ))
}

/// `GET /organizations/{org_id}/groups/{group_id}`: 200 `{"data": group}`.
pub(crate) async fn show(
    State(shared): State<Arc<Shared>>,
    Path((org_id, group_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response> {
    let with_assets = query::get_with_assets(raw.as_deref())?;
    let store = shared.store();
    let group = store.get(&org_id, &group_id).ok_or(ApiError::NotFound)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"data": group.to_json(with_assets)}),
    ))
}

/// `PUT /organizations/{org_id}/groups/{group_id}`: 201 `{"data": group}`
/// (the current docs' status). `members` / `guests` replace the old lists when given.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    Path((org_id, group_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response> {
    let group = shared.change(|store| {
        if store.get(&org_id, &group_id).is_none() {
            return Err(ApiError::NotFound);
        }
        let input = validate::group_input(&body, |name| {
            store.name_taken(&org_id, name, Some(&group_id))
        })?;
        store
            .update(&org_id, &group_id, input)
            .ok_or(ApiError::NotFound)
    })?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"data": group.to_json(false)}),
    ))
}

/// `DELETE /organizations/{org_id}/groups/{group_id}`: 204, no body.
pub(crate) async fn destroy(
    State(shared): State<Arc<Shared>>,
    Path((org_id, group_id)): Path<(String, String)>,
) -> Result<Response> {
    shared.change(|store| {
        if store.delete(&org_id, &group_id) {
            Ok(())
        } else {
            Err(ApiError::NotFound)
        }
    })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
