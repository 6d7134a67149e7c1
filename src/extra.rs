//! [`Extra`]: the keys of a response object that the spec does not name, with their
//! values as sent — the type of the `extra` field of every generated response type
//! that keeps them (`Group`, `ErrorBody`, `Pagination`, the list and get responses).
//!
//! A decode of a response body by the client does not build these maps: each object
//! that had such keys remembers the body (shared, reference-counted, one per
//! response) and its number among the objects decoded from it; the first read of any
//! of them decodes the body once more, collecting the maps of all its objects (see
//! `crate::unknown_keys`). Anything else (`serde_json::from_value`, a builder, `From`
//! a map, `DerefMut`) holds the map itself. Imports nothing of the crate.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, LazyLock, OnceLock};

use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// The unknown keys of one response object, in a [`Map`] (it derefs to one):
/// `group.extra.get("is_system")`, `group.extra.len()`, `for (k, v) in group.extra.iter()`.
///
/// **Filled when first read.** The client decodes a response without building these
/// maps (that building cost a quarter of a page's decode); an `Extra` the client
/// decoded keeps the response's body alive (one shared copy for all the objects of the
/// response, e.g. a page's 100 groups) and, on first read of any of them, decodes the
/// body again once to fill them all. An object without unknown keys holds nothing.
/// To let the body go, call [`detach`](Extra::detach) (or mutate the map: `DerefMut`
/// detaches too) or convert it with [`into_map`](Extra::into_map).
///
/// `Serialize` writes the entries (the generated types flatten them beside their
/// fields, so `--json` shows every key as sent); `Deserialize`, `From<Map>` and
/// `Default` hold a map of their own. `Clone` shares the body; `PartialEq` and `Debug`
/// are those of the map.
#[derive(Clone, Default)]
pub struct Extra(Repr);

#[derive(Clone, Default)]
enum Repr {
    #[default]
    Empty,
    Map(Map<String, Value>),
    Body {
        body: Arc<Body>,
        index: usize,
    },
}

/// Decodes a body again, returning the unknown keys of each object that keeps them,
/// in the order the first decode numbered them.
pub(crate) type Collect = fn(&[u8]) -> Result<Vec<Map<String, Value>>, serde_json::Error>;

/// A response body and how to collect the unknown keys of every object in it.
pub(crate) struct Body {
    bytes: Bytes,
    collect: Collect,
    maps: OnceLock<Vec<Map<String, Value>>>,
}

impl Body {
    pub(crate) fn new(bytes: Bytes, collect: Collect) -> Self {
        Body {
            bytes,
            collect,
            maps: OnceLock::new(),
        }
    }

    fn maps(&self) -> &[Map<String, Value>] {
        self.maps.get_or_init(|| match (self.collect)(&self.bytes) {
            Ok(maps) => maps,
            // Both decodes accept the same bodies (crate::unknown_keys validates an
            // unknown value as `Value` would decode it), so this is a bug, not input.
            Err(error) => {
                debug_assert!(false, "a decoded body failed to decode again: {error}");
                tracing::error!(%error, "a decoded body failed to decode again; its unknown keys are lost");
                Vec::new()
            }
        })
    }
}

/// What an `Extra` without entries reads as (`Map::new` is not `const`).
static EMPTY: LazyLock<Map<String, Value>> = LazyLock::new(Map::new);

impl Extra {
    /// The unknown keys of object `index` of `body`.
    pub(crate) fn in_body(body: Arc<Body>, index: usize) -> Self {
        Extra(Repr::Body { body, index })
    }

    /// The entries (decoding the response's body, once, if not done yet).
    pub fn map(&self) -> &Map<String, Value> {
        match &self.0 {
            Repr::Empty => &EMPTY,
            Repr::Map(map) => map,
            Repr::Body { body, index } => body.maps().get(*index).unwrap_or(&EMPTY),
        }
    }

    /// Makes this `Extra` hold its map itself, releasing the response body it shared.
    pub fn detach(&mut self) {
        if let Repr::Body { .. } = self.0 {
            self.0 = Repr::Map(self.map().clone());
        }
    }

    /// The entries as a map of their own.
    pub fn into_map(self) -> Map<String, Value> {
        match self.0 {
            Repr::Empty => Map::new(),
            Repr::Map(map) => map,
            Repr::Body { .. } => self.map().clone(),
        }
    }
}

impl Deref for Extra {
    type Target = Map<String, Value>;

    fn deref(&self) -> &Map<String, Value> {
        self.map()
    }
}

impl DerefMut for Extra {
    /// The map, detached from the response body first.
    fn deref_mut(&mut self) -> &mut Map<String, Value> {
        if !matches!(self.0, Repr::Map(_)) {
            self.0 = Repr::Map(std::mem::take(self).into_map());
        }
        match &mut self.0 {
            Repr::Map(map) => map,
            _ => unreachable!("just made a map"),
        }
    }
}

impl From<Map<String, Value>> for Extra {
    fn from(map: Map<String, Value>) -> Self {
        Extra(Repr::Map(map))
    }
}

impl From<Extra> for Map<String, Value> {
    fn from(extra: Extra) -> Self {
        extra.into_map()
    }
}

impl PartialEq for Extra {
    fn eq(&self, other: &Self) -> bool {
        self.map() == other.map()
    }
}

impl PartialEq<Map<String, Value>> for Extra {
    fn eq(&self, other: &Map<String, Value>) -> bool {
        self.map() == other
    }
}

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.map(), f)
    }
}

impl Serialize for Extra {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.map().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Extra {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Map::deserialize(deserializer).map(Extra::from)
    }
}

impl schemars::JsonSchema for Extra {
    fn is_referenceable() -> bool {
        <Map<String, Value>>::is_referenceable()
    }

    fn schema_name() -> String {
        <Map<String, Value>>::schema_name()
    }

    fn json_schema(generator: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        <Map<String, Value>>::json_schema(generator)
    }
}

#[cfg(test)]
impl Extra {
    /// `None` if this holds its map; else whether its body's maps are filled yet.
    pub(crate) fn body_filled(&self) -> Option<bool> {
        match &self.0 {
            Repr::Body { body, .. } => Some(body.maps.get().is_some()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    fn collect_two(bytes: &[u8]) -> Result<Vec<Map<String, Value>>, serde_json::Error> {
        let all: Vec<Map<String, Value>> = serde_json::from_slice(bytes)?;
        Ok(all)
    }

    // Proves that extras of one body are filled from it on first read, all at once,
    // that clones share it, and that detaching (or mutating) keeps the entries.
    #[test]
    fn a_body_is_decoded_once_and_detaching_keeps_the_entries() {
        let body = Arc::new(Body::new(
            Bytes::from_static(br#"[{"a": 1}, {"b": [true]}]"#),
            collect_two,
        ));
        let (first, second) = (
            Extra::in_body(body.clone(), 0),
            Extra::in_body(body.clone(), 1),
        );
        assert!(body.maps.get().is_none(), "nothing decoded before a read");
        assert_eq!(second.get("b"), Some(&json!([true])));
        assert_eq!(body.maps.get().map(Vec::len), Some(2), "all filled at once");
        let mut copy = first.clone();
        copy.detach();
        assert_eq!(copy, first);
        assert!(matches!(copy.0, Repr::Map(_)));
        let mut changed = second.clone();
        changed.insert("c".into(), json!(null));
        assert_eq!(changed.len(), 2);
        assert_eq!(second.len(), 1, "the shared map is not changed");
        assert_eq!(Map::from(first), map(json!({"a": 1})));
    }

    // Proves that Serialize, Debug and PartialEq are those of the map, and Default is
    // empty without a body.
    #[test]
    fn serializes_and_compares_as_its_map() {
        let extra = Extra::from(map(json!({"k": {"x": null}})));
        assert_eq!(
            serde_json::to_value(&extra).unwrap(),
            json!({"k": {"x": null}})
        );
        assert_eq!(format!("{extra:?}"), format!("{:?}", extra.map()));
        assert_eq!(extra, map(json!({"k": {"x": null}})));
        assert!(Extra::default().is_empty());
        let back: Extra = serde_json::from_value(json!({"k": 1})).unwrap();
        assert_eq!(back, Extra::from(map(json!({"k": 1}))));
    }
}
