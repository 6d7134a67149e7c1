//! The seam against serde's own `flatten`: the same values kept, the same inputs
//! refused with the same messages; keys borrowed, transient or owned alike.

use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::extra::Extra;

/// A generated pair in miniature: the mirror with serde's derive, and the type
/// that decodes through it.
#[derive(Debug, PartialEq, Deserialize)]
#[serde(expecting = "struct Thing")]
struct ThingKnownFields {
    id: String,
    #[serde(default)]
    tags: Vec<String>,
    note: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    inner: Option<Inner>,
}

impl super::KnownFields for ThingKnownFields {
    const NAMES: &'static [&'static str] = &["id", "tags", "note", "type", "inner"];

    fn known(key: &str) -> Option<u64> {
        Self::NAMES
            .iter()
            .position(|name| *name == key)
            .map(|i| i as u64)
    }
}

#[derive(Debug, PartialEq)]
struct Thing {
    known: ThingKnownFields,
    extra: Extra,
}

impl<'de> Deserialize<'de> for Thing {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (known, extra) = super::deserialize(d)?;
        Ok(Thing { known, extra })
    }
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(expecting = "struct Inner")]
struct InnerKnownFields {
    a: i64,
}

impl super::KnownFields for InnerKnownFields {
    const NAMES: &'static [&'static str] = &["a"];

    fn known(key: &str) -> Option<u64> {
        (key == "a").then_some(0)
    }
}

#[derive(Debug, PartialEq)]
struct Inner {
    a: i64,
    extra: Extra,
}

impl<'de> Deserialize<'de> for Inner {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (known, extra) = super::deserialize::<InnerKnownFields, D>(d)?;
        Ok(Inner { a: known.a, extra })
    }
}

/// The same types as serde derives them with `flatten` (what the generated types
/// were): the behaviour to keep.
mod flattened {
    use serde::Deserialize;
    use serde_json::{Map, Value};

    #[derive(Debug, PartialEq, Deserialize)]
    pub(super) struct Thing {
        pub(super) id: String,
        #[serde(default)]
        pub(super) tags: Vec<String>,
        pub(super) note: Option<String>,
        #[serde(rename = "type")]
        pub(super) kind: Option<String>,
        pub(super) inner: Option<Inner>,
        #[serde(flatten)]
        pub(super) extra: Map<String, Value>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    pub(super) struct Inner {
        pub(super) a: i64,
        #[serde(flatten)]
        pub(super) extra: Map<String, Value>,
    }
}

impl flattened::Thing {
    fn into_thing(self) -> Thing {
        Thing {
            known: ThingKnownFields {
                id: self.id,
                tags: self.tags,
                note: self.note,
                kind: self.kind,
                inner: self.inner.map(|i| Inner {
                    a: i.a,
                    extra: i.extra.into(),
                }),
            },
            extra: self.extra.into(),
        }
    }
}

fn map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!("an object literal"),
    }
}

// Proves unknown keys of every JSON kind are kept with their values as sent, at
// each level separately (the inner object's stay in its own map), while the
// known fields decode, a renamed one included.
#[test]
fn keeps_unknown_keys_at_each_level() {
    let text = r#"{"id": "g1", "is_system": true, "n": -1.5, "none": null,
        "list": [1, "two", {"three": [3]}], "type": "team",
        "inner": {"a": 7, "deep": {"x": null}}, "obj": {"k": "v"}}"#;
    let thing: Thing = serde_json::from_str(text).unwrap();
    assert_eq!(thing.known.id, "g1");
    assert_eq!(thing.known.kind.as_deref(), Some("team"));
    assert_eq!(
        thing.known.inner,
        Some(Inner {
            a: 7,
            extra: map(json!({"deep": {"x": null}})).into()
        })
    );
    assert_eq!(
        thing.extra,
        map(json!({"is_system": true, "n": -1.5, "none": null,
            "list": [1, "two", {"three": [3]}], "obj": {"k": "v"}}))
    );
}

// Proves the three ways a key reaches the seam give the same result: borrowed
// from a slice, transient from a reader or with escapes (a known name written
// with an escape is still known), owned from a `Value`.
#[test]
fn keys_borrowed_transient_or_owned_decode_alike() {
    let plain = r#"{"id": "g1", "new_key": 1, "inner": {"a": 1, "b": 2}}"#;
    let escaped = r#"{"i\u0064": "g1", "new\u005fkey": 1, "inner": {"\u0061": 1, "b": 2}}"#;
    let expected: Thing = serde_json::from_slice(plain.as_bytes()).unwrap();
    assert_eq!(expected.extra, map(json!({"new_key": 1})));
    let from_escapes: Thing = serde_json::from_slice(escaped.as_bytes()).unwrap();
    let from_reader: Thing = serde_json::from_reader(plain.as_bytes()).unwrap();
    let from_value: Thing =
        serde_json::from_value(serde_json::from_str::<Value>(plain).unwrap()).unwrap();
    assert_eq!(from_escapes, expected);
    assert_eq!(from_reader, expected);
    assert_eq!(from_value, expected);
}

// Proves the seam accepts, keeps and refuses exactly what serde's `flatten` did:
// the same values for good inputs (duplicate unknown keys: the last one wins),
// an error for each bad one, with the same message where serde writes one.
#[test]
fn behaves_as_flatten_did() {
    let inputs = [
        r#"{"id": "x"}"#,
        r#"{"id": "x", "u": 1, "u": 2}"#,
        r#"{"id": "x", "tags": ["a"], "note": null, "inner": {"a": 1, "z": []}}"#,
        r#"{"z": 0, "id": "x", "type": null}"#,
        r#"{"id": "x", "id": "y"}"#,
        r#"{"tags": []}"#,
        r#"{"id": 5}"#,
        r#"["x"]"#,
        "null",
        r#""text""#,
        r#"{"id": "x", "u": [1, }"#,
        r#"{"id": "x", "inner": {"a": "not a number"}}"#,
        r#"{"id": "x", "inner": {"z": 1}}"#,
        r#"{"id": "x""#,
    ];
    for input in inputs {
        let ours = serde_json::from_str::<Thing>(input);
        let theirs = serde_json::from_str::<flattened::Thing>(input);
        match (ours, theirs) {
            (Ok(ours), Ok(theirs)) => assert_eq!(ours, theirs.into_thing(), "{input}"),
            (Err(ours), Err(theirs)) => {
                assert_eq!(ours.classify(), theirs.classify(), "{input}");
                // serde's own messages (missing or duplicate field, wrong type)
                // are the same; a value's position may differ (flatten reports
                // where the buffered object ended).
                let message = |e: &serde_json::Error| {
                    e.to_string()
                        .split(" at line")
                        .next()
                        .unwrap_or_default()
                        .to_owned()
                };
                assert_eq!(message(&ours), message(&theirs), "{input}");
            }
            (ours, theirs) => panic!("{input}: ours {ours:?}, flatten {theirs:?}"),
        }
    }
}

// Proves an unknown key's value is decoded, not skipped: a malformed one is an
// error, reported where it is (not a panic, not dropped).
#[test]
fn a_malformed_unknown_value_is_an_error() {
    let err = serde_json::from_str::<Thing>(r#"{"id": "x", "u": {"k": tru}}"#).unwrap_err();
    assert!(err.is_syntax(), "{err}");
    assert!(err.to_string().contains("column"), "{err}");
}

// Proves the build rewrote every generated struct that flattens a map (there are
// some): none of them derives `Deserialize`, which would decode it through serde's
// buffering, and each has its mirror and its own `Deserialize` through this module.
#[test]
fn no_generated_type_decodes_through_flatten() {
    let code = include_str!(concat!(env!("OUT_DIR"), "/codegen.rs"));
    let compact: String = code.split_whitespace().collect();
    let mut flattened = 0;
    for chunk in code.split("#[derive(").skip(1) {
        let (derives, item) = chunk.split_once(")]").unwrap_or((chunk, ""));
        if !item.contains("#[serde(flatten)]") {
            continue;
        }
        flattened += 1;
        let name = item
            .split("pub struct ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_default();
        assert!(
            !derives.contains("Deserialize"),
            "{name} derives Deserialize"
        );
        assert!(
            compact.contains(&format!("struct{name}KnownFields{{")),
            "{name}"
        );
        assert!(
            compact.contains(&format!("impl<'de>::serde::Deserialize<'de>for{name}{{"))
                && compact.contains(&format!(
                    "crate::unknown_keys::deserialize::<{name}KnownFields,"
                )),
            "{name}"
        );
    }
    assert!(flattened >= 6, "{flattened} structs keep unknown keys");
}

/// `input` decoded as the client decodes a body, and as `from_slice` does.
fn both(input: &str) -> (serde_json::Result<Thing>, serde_json::Result<Thing>) {
    let lazy = super::from_body::<Thing>(Bytes::copy_from_slice(input.as_bytes()));
    (lazy, serde_json::from_slice::<Thing>(input.as_bytes()))
}

// Proves a body decode builds no map while decoding (each object with unknown keys
// refers to the body, one without holds nothing), fills all of them on the first
// read, and then equals the eager decode; and that the pass ends with the decode (a
// decode after it builds its maps at once).
#[test]
fn a_body_decode_builds_nothing_until_read() {
    let input = r#"{"id": "g1", "u": [1, {"v": null}], "inner": {"a": 1, "w": "x"}}"#;
    let (lazy, eager) = both(input);
    let (lazy, eager) = (lazy.unwrap(), eager.unwrap());
    let inner = lazy.known.inner.as_ref().unwrap();
    assert_eq!(lazy.extra.body_filled(), Some(false));
    assert_eq!(inner.extra.body_filled(), Some(false));
    assert_eq!(inner.extra.get("w"), Some(&json!("x")));
    assert_eq!(lazy.extra.body_filled(), Some(true), "filled together");
    assert_eq!(lazy, eager);
    assert_eq!(eager.extra.body_filled(), None);
    let (plain, _) = both(r#"{"id": "g1", "inner": {"a": 1}}"#);
    let plain = plain.unwrap();
    assert_eq!(plain.extra.body_filled(), None, "no unknown keys, no body");
    assert!(plain.extra.is_empty());
}

// Proves a body decode accepts and refuses exactly what the eager one does, with
// the same message and position: the inputs serde's `flatten` was checked on, and
// unknown values that serde_json's skipping would let through but a `Value` refuses
// (invalid UTF-8, a lone surrogate, a number out of range, nesting past the limit).
#[test]
fn a_body_decode_refuses_what_the_eager_decode_refuses() {
    let deep = format!(
        r#"{{"id": "x", "u": {}{}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    let mut inputs: Vec<String> = [
        r#"{"id": "x"}"#,
        r#"{"id": "x", "u": 1, "u": 2}"#,
        r#"{"z": 0, "id": "x", "type": null, "inner": {"a": 1, "z": []}}"#,
        r#"{"id": "x", "id": "y"}"#,
        r#"{"id": 5, "u": 1}"#,
        r#"["x"]"#,
        r#"{"id": "x", "u": [1, }"#,
        r#"{"id": "x", "inner": {"z": 1}}"#,
        r#"{"id": "x", "u": "\ud800"}"#,
        r#"{"id": "x", "u": 1e400}"#,
        r#"{"id": "x", "u": {"k": tru}}"#,
        r#"{"id": "x", "u": {"\ud800": 1}}"#,
    ]
    .map(String::from)
    .into();
    inputs.push(deep);
    for input in &inputs {
        match both(input) {
            (Ok(lazy), Ok(eager)) => assert_eq!(lazy, eager, "{input}"),
            (Err(lazy), Err(eager)) => assert_eq!(lazy.to_string(), eager.to_string(), "{input}"),
            (lazy, eager) => panic!("{input}: body decode {lazy:?}, eager {eager:?}"),
        }
    }
    let invalid_utf8 = b"{\"id\": \"x\", \"u\": \"\xff\"}";
    let lazy = super::from_body::<Thing>(Bytes::from_static(invalid_utf8)).unwrap_err();
    let eager = serde_json::from_slice::<Thing>(invalid_utf8).unwrap_err();
    assert_eq!(lazy.to_string(), eager.to_string());
}
