//! Our list types as serde derives them, for the decode benchmark only (not part of
//! `common`): with `#[serde(flatten)] extra` maps (`Flat*`, how ours decoded before
//! #26) and without any `extra` (`Drop*`, unknown keys dropped).

use serde::Deserialize;
use serde_json::{Map, Value};
use tallyfy_groups::raw::types::PaginationLinks;
use tallyfy_groups::{MemberId, Timestamp};

/// Our `GroupList` as serde derives it with `flatten` (typify's derive, before #26).
#[derive(Deserialize)]
#[allow(dead_code)]
pub struct FlatList {
    pub data: Vec<FlatGroup>,
    meta: Option<FlatMeta>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
pub struct FlatMeta {
    pagination: Option<FlatPagination>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
pub struct FlatPagination {
    count: Option<i64>,
    current_page: Option<i64>,
    links: Option<PaginationLinks>,
    per_page: Option<i64>,
    total: Option<i64>,
    total_pages: Option<i64>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
pub struct FlatGroup {
    assets: Option<Value>,
    created_at: Option<Timestamp>,
    deleted_at: Option<Timestamp>,
    description: Option<String>,
    #[serde(default)]
    guests: Vec<String>,
    id: String,
    last_updated: Option<Timestamp>,
    logo: Option<String>,
    #[serde(default)]
    members: Vec<MemberId>,
    name: String,
    updated_at: Option<Timestamp>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

/// Our `GroupList` with no `extra` at all (unknown keys skipped, as serde's derive
/// does): what keeping them costs is the difference to ours.
#[derive(Deserialize)]
#[allow(dead_code)]
pub struct DropList {
    pub data: Vec<DropGroup>,
    meta: Option<DropMeta>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
pub struct DropMeta {
    pagination: Option<DropPagination>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
pub struct DropPagination {
    count: Option<i64>,
    current_page: Option<i64>,
    links: Option<PaginationLinks>,
    per_page: Option<i64>,
    total: Option<i64>,
    total_pages: Option<i64>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
pub struct DropGroup {
    assets: Option<Value>,
    created_at: Option<Timestamp>,
    deleted_at: Option<Timestamp>,
    description: Option<String>,
    #[serde(default)]
    guests: Vec<String>,
    id: String,
    last_updated: Option<Timestamp>,
    logo: Option<String>,
    #[serde(default)]
    members: Vec<MemberId>,
    name: String,
    updated_at: Option<Timestamp>,
}
