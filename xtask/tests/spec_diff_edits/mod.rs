//! Fixture edits of the repository's spec for the spec-diff tests: each is a
//! (base, head) pair of edits applied to the current spec, so the fixtures
//! follow the spec as it evolves. Also builds throw-away git repositories
//! (a copy of this one, base committed, head in the working tree).

#![allow(dead_code)] // each test file uses part of it

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_yaml::{Mapping, Value};

/// One fixture: how to make the base and the head spec from the current one.
pub struct Edit {
    pub name: &'static str,
    pub base: fn(&mut Value),
    pub head: fn(&mut Value),
}

pub fn unchanged(_: &mut Value) {}

fn at<'a>(spec: &'a mut Value, path: &[&str]) -> &'a mut Value {
    let mut value = spec;
    for key in path {
        value = value
            .get_mut(*key)
            .unwrap_or_else(|| panic!("the spec has no {key} in {path:?}"));
    }
    value
}

fn yaml(text: &str) -> Value {
    serde_yaml::from_str(text).expect("fixture YAML")
}

/// An optional `color` property in the Group response schema.
pub fn add_optional_response_field(spec: &mut Value) {
    let props = at(spec, &["components", "schemas", "Group", "properties"]);
    props.as_mapping_mut().unwrap().insert(
        "color".into(),
        yaml("{type: string, nullable: true, description: The group's colour.}"),
    );
}

/// Request member ids (`RequestMemberId`, integer or digit string) to plain
/// strings. build.rs reads RequestMemberId's integer maximum, so its build
/// script refuses this spec.
pub fn request_member_ids_to_string(spec: &mut Value) {
    let id = at(spec, &["components", "schemas", "RequestMemberId"]);
    *id = yaml("{type: string}");
}

/// `Group.members` items from `MemberId` (integer or string) to `{type:
/// string}` (issue #27): the generated `Group::members` becomes
/// `Vec<String>`, and the hand-written layer that calls `MemberId::as_i64`
/// on them no longer compiles.
pub fn group_members_to_string(spec: &mut Value) {
    let items = at(
        spec,
        &[
            "components",
            "schemas",
            "Group",
            "properties",
            "members",
            "items",
        ],
    );
    assert_eq!(
        items["$ref"], "#/components/schemas/MemberId",
        "the fixture expects Group.members items to be MemberId"
    );
    *items = yaml("{type: string}");
}

/// A new `sort_by` value.
pub fn add_sort_by_value(spec: &mut Value) {
    let values = at(spec, &["components", "schemas", "SortBy", "enum"]);
    values
        .as_sequence_mut()
        .unwrap()
        .push("last_updated".into());
}

/// A new optional query parameter `archived` on listGroups.
pub fn add_optional_query_parameter(spec: &mut Value) {
    let params = at(
        spec,
        &[
            "paths",
            "/organizations/{org_id}/groups",
            "get",
            "parameters",
        ],
    );
    params.as_sequence_mut().unwrap().push(yaml(
        "{name: archived, in: query, required: false, description: Include archived groups., \
         schema: {type: boolean}}",
    ));
}

/// How many parameters listGroups declares today (a new one is appended).
pub fn list_groups_parameter_count() -> usize {
    let mut spec: Value = serde_yaml::from_str(&spec_text(unchanged)).unwrap();
    at(
        &mut spec,
        &[
            "paths",
            "/organizations/{org_id}/groups",
            "get",
            "parameters",
        ],
    )
    .as_sequence()
    .unwrap()
    .len()
}

/// Group's `deleted_at` removed (nothing hand-written reads it).
pub fn remove_response_field(spec: &mut Value) {
    let props = at(spec, &["components", "schemas", "Group", "properties"]);
    props.as_mapping_mut().unwrap().remove("deleted_at");
}

/// An extra operation `archiveGroup` (the base of "operation removed": every
/// operation the spec has today is used by the hand-written layer, so the
/// removed one is one the base had in addition).
pub fn add_archive_operation(spec: &mut Value) {
    let paths = at(spec, &["paths"]).as_mapping_mut().unwrap();
    let mut item = Mapping::new();
    item.insert(
        "post".into(),
        yaml(
            "{operationId: archiveGroup, tags: [groups], summary: Archive a group, \
             parameters: [{$ref: '#/components/parameters/OrgId'}, {$ref: '#/components/parameters/GroupId'}], \
             responses: {'204': {description: Archived.}}}",
        ),
    );
    paths.insert(
        "/organizations/{org_id}/groups/{group_id}/archive".into(),
        Value::Mapping(item),
    );
}

/// Group's description reworded.
pub fn reword_description(spec: &mut Value) {
    let description = at(spec, &["components", "schemas", "Group", "description"]);
    *description = "A group of members and guests (reworded).\n".into();
}

pub const OPTIONAL_RESPONSE_FIELD: Edit = Edit {
    name: "optional response field added",
    base: unchanged,
    head: add_optional_response_field,
};
pub const REQUEST_MEMBER_IDS_TO_STRING: Edit = Edit {
    name: "request member ids to string",
    base: unchanged,
    head: request_member_ids_to_string,
};
pub const GROUP_MEMBERS_TO_STRING: Edit = Edit {
    name: "Group.members items to string",
    base: unchanged,
    head: group_members_to_string,
};
pub const SORT_BY_VALUE: Edit = Edit {
    name: "new sort_by value",
    base: unchanged,
    head: add_sort_by_value,
};
pub const OPTIONAL_QUERY_PARAMETER: Edit = Edit {
    name: "new optional query parameter",
    base: unchanged,
    head: add_optional_query_parameter,
};
pub const RESPONSE_FIELD_REMOVED: Edit = Edit {
    name: "response field removed",
    base: unchanged,
    head: remove_response_field,
};
pub const OPERATION_REMOVED: Edit = Edit {
    name: "operation removed",
    base: add_archive_operation,
    head: unchanged,
};
pub const DESCRIPTION_ONLY: Edit = Edit {
    name: "description-only change",
    base: unchanged,
    head: reword_description,
};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The current spec, with `edit` applied, as text.
pub fn spec_text(edit: fn(&mut Value)) -> String {
    let text = std::fs::read_to_string(repo_root().join("spec/tallyfy-groups.yaml")).unwrap();
    let mut spec: Value = serde_yaml::from_str(&text).unwrap();
    edit(&mut spec);
    serde_yaml::to_string(&spec).unwrap()
}

/// A throw-away repository: this one's files (tracked and untracked, not
/// ignored), the base spec committed, the head spec in the working tree.
pub fn repository(edit: &Edit) -> tempfile::TempDir {
    let root = repo_root();
    let dir = tempfile::tempdir().unwrap();
    let files = git(&root, &["ls-files", "-co", "--exclude-standard", "-z"]);
    for file in files.split('\0').filter(|f| !f.is_empty()) {
        let from = root.join(file);
        if !from.is_file() {
            continue; // deleted in the working tree
        }
        let to = dir.path().join(file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&from, &to).unwrap();
    }
    let spec = dir.path().join("spec/tallyfy-groups.yaml");
    std::fs::write(&spec, spec_text(edit.base)).unwrap();
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    git(
        dir.path(),
        &[
            "-c",
            "user.name=spec-diff test",
            "-c",
            "user.email=test@invalid",
            "commit",
            "-qm",
            "base",
        ],
    );
    std::fs::write(&spec, spec_text(edit.head)).unwrap();
    dir
}

pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}
