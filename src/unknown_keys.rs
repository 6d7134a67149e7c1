//! Keys the spec does not name, kept without serde's `flatten` and, in a response the
//! client decodes, without building them: the seam through which the generated
//! response types decode (codegen/unknown_keys.rs emits the calls; not for
//! hand-written code).
//!
//! With `#[serde(flatten)] extra`, serde's derive buffers every key it does not know,
//! with its value, in its private `Content` tree, and then decodes the map from that
//! tree through a second deserializer. Instead, each such type `X` decodes a
//! generated mirror `XKnownFields` (the same fields and serde attributes, without
//! `extra`, with serde's derive) through [`deserialize`], which hands the derived
//! visitor the object's entries minus the unknown ones: each key is read once and
//! looked up among the mirror's field names by its generated [`KnownFields::known`]
//! (a `match`); a known one goes to the visitor as its index (serde's derive takes a
//! field by index as by name, with a jump instead of comparing the name again), and
//! the visitor decodes its value straight from the input. What happens to an unknown one depends on the decode's [`pass`]:
//! in a body the client decodes ([`from_body`]), its value is only checked (as a
//! [`Value`] would decode it, allocating nothing) and the object's [`Extra`] refers to
//! the body, to be filled when read; when that happens, the body is decoded again and
//! the values are kept; in any other decode (`serde_json::from_value`…) they are
//! kept at once.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::U64Deserializer;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::{Map, Value};

use crate::extra::Extra;

mod pass;
mod valid;

pub use pass::from_body;
pub(crate) use pass::from_response;

/// The names of a mirror's fields as its serde derive reads them (generated).
pub(crate) trait KnownFields {
    /// The names, in the order of the fields (serde's own `FIELDS`).
    const NAMES: &'static [&'static str];

    /// The index of `key` in [`NAMES`](KnownFields::NAMES), if it is one of them.
    fn known(key: &str) -> Option<u64>;
}

/// Decodes `T` (a struct with serde's derive, no `flatten`) from `deserializer`, and
/// returns it with the keys of its object that `T` does not know, each with its value
/// as sent (now, or when first read: see the module's notes). Accepts what `T`'s
/// derive accepts through `deserialize_map`: an object (not an array); errors name
/// `T` as its derive does.
pub(crate) fn deserialize<'de, T, D>(deserializer: D) -> Result<(T, Extra), D::Error>
where
    T: de::Deserialize<'de> + KnownFields,
    D: Deserializer<'de>,
{
    let turn = pass::turn();
    let mut extra = Map::new();
    let mut unknown = false;
    let keep = match turn {
        pass::Turn::Number(_) => None,
        pass::Turn::Build | pass::Turn::Collect(_) => Some(&mut extra),
    };
    let known = T::deserialize(Struct {
        inner: deserializer,
        extra: Unknown {
            keep,
            seen: &mut unknown,
        },
        fields: PhantomData::<T>,
    })?;
    let extra = match turn {
        pass::Turn::Build => Extra::from(extra),
        pass::Turn::Number(index) if unknown => pass::in_body(index),
        pass::Turn::Number(_) => Extra::default(),
        pass::Turn::Collect(index) => {
            pass::collected(index, extra);
            Extra::default()
        }
    };
    Ok((known, extra))
}

/// Where the unknown entries of one object go: into `keep`, or (without) nowhere,
/// noting only that there were some.
struct Unknown<'a> {
    keep: Option<&'a mut Map<String, Value>>,
    seen: &'a mut bool,
}

/// The deserializer `T` is given: a struct is read as a map whose unknown keys are kept.
struct Struct<'a, D, T> {
    inner: D,
    extra: Unknown<'a>,
    fields: PhantomData<T>,
}

impl<'de, D: Deserializer<'de>, T: KnownFields> Deserializer<'de> for Struct<'_, D, T> {
    type Error = D::Error;

    #[inline]
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        // The generated names are serde's own: a known field is never taken for an
        // unknown key, nor the other way round. (Checked by every decode in tests.)
        debug_assert_eq!(T::NAMES, fields, "KnownFields::NAMES is serde's FIELDS");
        self.inner.deserialize_map(StructVisitor {
            visitor,
            extra: self.extra,
            fields: self.fields,
        })
    }

    // A derived struct asks for nothing but a struct; anything else reads the input as is.
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_any(visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
        identifier ignored_any
    }
}

/// The derived visitor, given the map of the object instead of the object itself.
struct StructVisitor<'a, V, T> {
    visitor: V,
    extra: Unknown<'a>,
    fields: PhantomData<T>,
}

impl<'de, V: Visitor<'de>, T: KnownFields> Visitor<'de> for StructVisitor<'_, V, T> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    #[inline]
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(Entries {
            map,
            extra: self.extra,
            fields: self.fields,
        })
    }
}

/// The object's entries as the derived visitor reads them: those with a known key.
struct Entries<'a, A, T> {
    map: A,
    extra: Unknown<'a>,
    fields: PhantomData<T>,
}

impl<'de, A: MapAccess<'de>, T: KnownFields> MapAccess<'de> for Entries<'_, A, T> {
    type Error = A::Error;

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        loop {
            let keep = self.extra.keep.is_some();
            let key = self.map.next_key_seed(KeySeed(keep, self.fields))?;
            match key {
                None => return Ok(None),
                Some(Key::Known(index)) => {
                    return seed.deserialize(U64Deserializer::new(index)).map(Some);
                }
                Some(Key::Unknown(name)) => {
                    *self.extra.seen = true;
                    match (&mut self.extra.keep, name) {
                        (Some(keep), Some(name)) => {
                            let value: Value = self.map.next_value()?;
                            keep.insert(name, value);
                        }
                        _ => self.map.next_value::<valid::Valid>().map(drop)?,
                    }
                }
            }
        }
    }

    #[inline]
    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

/// A key: one of the struct's fields (its index in serde's `FIELDS`), or another (a
/// copy of it, if the entries are kept).
enum Key {
    Known(u64),
    Unknown(Option<String>),
}

/// Reads a key and looks it up among `T`'s fields; copies an unknown one if `.0`.
struct KeySeed<T>(bool, PhantomData<T>);

impl<T: KnownFields> KeySeed<T> {
    #[inline]
    fn key(&self, key: &str) -> Option<u64> {
        T::known(key)
    }
}

impl<'de, T: KnownFields> DeserializeSeed<'de> for KeySeed<T> {
    type Value = Key;

    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de, T: KnownFields> Visitor<'de> for KeySeed<T> {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    #[inline]
    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        Ok(match self.key(key) {
            Some(field) => Key::Known(field),
            None => Key::Unknown(self.0.then(|| key.to_owned())),
        })
    }

    fn visit_string<E: de::Error>(self, key: String) -> Result<Key, E> {
        Ok(match self.key(&key) {
            Some(field) => Key::Known(field),
            None => Key::Unknown(self.0.then_some(key)),
        })
    }

    fn visit_bytes<E: de::Error>(self, key: &[u8]) -> Result<Key, E> {
        match std::str::from_utf8(key) {
            Ok(key) => self.visit_str(key),
            Err(_) => Err(E::invalid_value(de::Unexpected::Bytes(key), &self)),
        }
    }
}

#[cfg(test)]
mod tests;
