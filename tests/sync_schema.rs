//! The checked-in JSON Schema of the desired-state file (`schema/groups.schema.json`,
//! for editors) is the one the Rust types generate. After changing the types, run
//! `UPDATE_SCHEMA=1 cargo test --test sync_schema` and commit the file.

use tallyfy_groups::sync::DesiredState;

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/groups.schema.json");

// Proves the checked-in schema is current: it fails whenever the types and the file
// disagree, naming the command that brings the file up to date.
#[test]
fn checked_in_schema_is_current() {
    let generated = serde_json::to_string_pretty(&DesiredState::json_schema()).unwrap() + "\n";
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(PATH, &generated).unwrap();
    }
    let checked_in = std::fs::read_to_string(PATH).unwrap_or_default();
    assert!(
        checked_in == generated,
        "schema/groups.schema.json is not what the types generate; run \
         `UPDATE_SCHEMA=1 cargo test --test sync_schema` and commit it"
    );
}

// Proves the schema describes the file as documented: `groups` required, unknown
// keys refused at every level, a group's name required.
#[test]
fn schema_states_the_rules() {
    let schema = DesiredState::json_schema();
    assert_eq!(schema["required"], serde_json::json!(["groups"]));
    assert_eq!(schema["additionalProperties"], false);
    let group = &schema["definitions"]["DesiredGroup"];
    assert_eq!(group["additionalProperties"], false);
    assert_eq!(group["required"], serde_json::json!(["name"]));
}
