//! Query parameters of list and get (`q`, `page`, `per_page`, `sort_by`, `sort`,
//! `with`) and the Fractal-style paging envelope of list answers.
//!
//! `sort` (the direction) is known only from Tallyfy's Python SDK, which passes
//! it through without naming values: the sandbox applies `desc` (reversing the
//! order, ties included) and treats every other value, `asc` among them, as
//! ascending, rather than inventing a 422 the live server may not send.
//!
//! Empty values count as absent (Laravel turns `""` into `null`); when a name
//! repeats, the last value wins.

use std::cmp::Ordering;

use serde_json::{Value, json};

use crate::errors::{ApiError, FieldErrors};
use crate::store::Group;

/// `per_page` when none is given.
pub const DEFAULT_PER_PAGE: u64 = 10;
/// The largest accepted `per_page`.
pub const MAX_PER_PAGE: u64 = 100;

/// The sort field of a list; ascending unless `sort=desc`, ties in creation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SortBy {
    /// Case-insensitive name.
    Name,
    CreatedAt,
    UpdatedAt,
}

/// The validated parameters of a list request.
#[derive(Debug, Clone)]
pub(crate) struct ListParams {
    pub(crate) q: Option<String>,
    pub(crate) page: u64,
    pub(crate) per_page: u64,
    pub(crate) sort_by: SortBy,
    /// `sort=desc` (case-insensitive): the order reversed.
    pub(crate) descending: bool,
    pub(crate) with_assets: bool,
    /// `q`, `per_page`, `sort_by`, `sort` and `with` as given, for the page links.
    link_params: Vec<(String, String)>,
}

/// The query's non-empty parameters, the last of each name winning, in first-seen order.
fn pairs(raw: Option<&str>) -> Vec<(String, String)> {
    let all: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.unwrap_or("")).unwrap_or_default();
    let mut out: Vec<(String, String)> = Vec::new();
    for (key, value) in all {
        if value.trim().is_empty() {
            continue;
        }
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => out.push((key, value)),
        }
    }
    out
}

fn lookup<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim())
}

fn push(errors: &mut FieldErrors, key: &str, message: String) {
    errors.entry(key.to_owned()).or_default().push(message);
}

/// An integer parameter with a minimum and an optional maximum.
fn integer(
    pairs: &[(String, String)],
    key: &str,
    label: &str,
    default: u64,
    max: Option<u64>,
    errors: &mut FieldErrors,
) -> u64 {
    let Some(raw) = lookup(pairs, key) else {
        return default;
    };
    match (raw.parse::<i64>(), max) {
        (Err(_), _) => push(errors, key, format!("The {label} must be an integer.")),
        (Ok(n), Some(max)) if n < 1 || n as u64 > max => {
            push(
                errors,
                key,
                format!("The {label} must be between 1 and {max}."),
            );
        }
        (Ok(n), None) if n < 1 => push(errors, key, format!("The {label} must be at least 1.")),
        (Ok(n), _) => return n as u64,
    }
    default
}

/// Whether `with` (a comma list) is valid for `allowed`, and whether it names `assets`.
fn with_assets(pairs: &[(String, String)], allowed: &[&str], errors: &mut FieldErrors) -> bool {
    let Some(raw) = lookup(pairs, "with") else {
        return false;
    };
    let items: Vec<&str> = raw.split(',').map(str::trim).collect();
    if items.iter().any(|item| !allowed.contains(item)) {
        push(errors, "with", "The selected with is invalid.".to_owned());
        return false;
    }
    items.contains(&"assets")
}

/// Parses the query of a list request; 422 with every field error otherwise.
pub(crate) fn list_params(raw: Option<&str>) -> Result<ListParams, ApiError> {
    let pairs = pairs(raw);
    let mut errors = FieldErrors::new();
    let page = integer(&pairs, "page", "page", 1, None, &mut errors);
    let per_page = integer(
        &pairs,
        "per_page",
        "per page",
        DEFAULT_PER_PAGE,
        Some(MAX_PER_PAGE),
        &mut errors,
    );
    let sort_by = match lookup(&pairs, "sort_by") {
        None | Some("created_at") => SortBy::CreatedAt,
        Some("name") => SortBy::Name,
        Some("updated_at") => SortBy::UpdatedAt,
        Some(_) => {
            push(
                &mut errors,
                "sort_by",
                "The selected sort by is invalid.".to_owned(),
            );
            SortBy::CreatedAt
        }
    };
    let with_assets = with_assets(&pairs, &["assets", "users", "guests"], &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let link_params = pairs
        .iter()
        .filter(|(k, _)| matches!(k.as_str(), "q" | "per_page" | "sort_by" | "sort" | "with"))
        .cloned()
        .collect();
    Ok(ListParams {
        q: lookup(&pairs, "q").map(str::to_lowercase),
        page,
        per_page,
        sort_by,
        descending: lookup(&pairs, "sort").is_some_and(|s| s.eq_ignore_ascii_case("desc")),
        with_assets,
        link_params,
    })
}

/// Parses the query of a get request, where `with` may only be `assets`.
pub(crate) fn get_with_assets(raw: Option<&str>) -> Result<bool, ApiError> {
    let mut errors = FieldErrors::new();
    let with = with_assets(&pairs(raw), &["assets"], &mut errors);
    if errors.is_empty() {
        Ok(with)
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// One page of `groups` (the organisation's, in creation order) as the list
/// answer: filtered by `q`, sorted, cut, with `meta.pagination`.
/// `groups_url` is the absolute URL of the list endpoint, for the links.
pub(crate) fn page(groups: &[Group], params: &ListParams, groups_url: &str) -> Value {
    let mut matching: Vec<&Group> = groups
        .iter()
        .filter(|g| {
            params.q.as_deref().is_none_or(|q| {
                g.name.to_lowercase().contains(q)
                    || g.description
                        .as_deref()
                        .is_some_and(|d| d.to_lowercase().contains(q))
            })
        })
        .collect();
    matching.sort_by(|a, b| compare(a, b, params.sort_by));
    if params.descending {
        matching.reverse();
    }

    let total = matching.len() as u64;
    let total_pages = total.div_ceil(params.per_page).max(1);
    let start = params
        .page
        .saturating_sub(1)
        .saturating_mul(params.per_page);
    let data: Vec<Value> = matching
        .iter()
        .skip(usize::try_from(start).unwrap_or(usize::MAX))
        .take(params.per_page as usize)
        .map(|g| g.to_json(params.with_assets))
        .collect();

    let mut links = serde_json::Map::new();
    if params.page > 1 {
        links.insert(
            "previous".into(),
            link(groups_url, params, params.page - 1).into(),
        );
    }
    if params.page < total_pages {
        links.insert(
            "next".into(),
            link(groups_url, params, params.page + 1).into(),
        );
    }
    // PHP encodes an empty map as an empty array.
    let links = if links.is_empty() {
        json!([])
    } else {
        Value::Object(links)
    };

    json!({
        "data": data,
        "meta": {"pagination": {
            "total": total,
            "count": data.len(),
            "per_page": params.per_page,
            "current_page": params.page,
            "total_pages": total_pages,
            "links": links,
        }},
    })
}

fn compare(a: &Group, b: &Group, sort_by: SortBy) -> Ordering {
    match sort_by {
        SortBy::Name => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
        SortBy::CreatedAt => a.created_at.cmp(&b.created_at),
        SortBy::UpdatedAt => (a.last_updated, a.updated_seq).cmp(&(b.last_updated, b.updated_seq)),
    }
    .then(a.created_seq.cmp(&b.created_seq))
}

/// The absolute URL of page `page` with the request's other list parameters.
fn link(groups_url: &str, params: &ListParams, page: u64) -> String {
    let mut query = params.link_params.clone();
    query.push(("page".to_owned(), page.to_string()));
    let encoded = serde_urlencoded::to_string(&query).expect("string pairs always encode");
    format!("{groups_url}?{encoded}")
}
