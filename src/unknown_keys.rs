//! Keys the spec does not name, kept without serde's `flatten`: the seam through which
//! the generated response types decode (codegen/unknown_keys.rs emits the calls; not
//! for hand-written code).
//!
//! With `#[serde(flatten)] extra`, serde's derive buffers every key it does not know,
//! with its value, in its private `Content` tree, and then decodes the map from that
//! tree through a second deserializer. Instead, each such type `X` decodes a
//! generated mirror `XKnownFields` (the same fields and serde attributes, without
//! `extra`, with serde's derive) through [`deserialize`], which hands the derived
//! visitor the object's entries minus the unknown ones: each key is read once and
//! looked up among the mirror's field names by its generated [`KnownFields::known`]
//! (a `match`); a known one goes to the visitor, which decodes its value straight
//! from the input, and an unknown one's value is decoded into a [`Value`] and kept,
//! under its key, in the map returned beside the mirror.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::{Map, Value};

/// The names of a mirror's fields as its serde derive reads them (generated).
pub(crate) trait KnownFields {
    /// The names, in the order of the fields (serde's own `FIELDS`).
    const NAMES: &'static [&'static str];

    /// `key`, if it is one of [`NAMES`](KnownFields::NAMES) (that entry).
    fn known(key: &str) -> Option<&'static str>;
}

/// Decodes `T` (a struct with serde's derive, no `flatten`) from `deserializer`, and
/// returns it with the keys of its object that `T` does not know, each with its value
/// as sent. Accepts what `T`'s derive accepts through `deserialize_map`: an object
/// (not an array); errors name `T` as its derive does.
pub(crate) fn deserialize<'de, T, D>(deserializer: D) -> Result<(T, Map<String, Value>), D::Error>
where
    T: de::Deserialize<'de> + KnownFields,
    D: Deserializer<'de>,
{
    let mut extra = Map::new();
    let known = T::deserialize(Struct {
        inner: deserializer,
        extra: &mut extra,
        fields: PhantomData::<T>,
    })?;
    Ok((known, extra))
}

/// The deserializer `T` is given: a struct is read as a map whose unknown keys are kept.
struct Struct<'a, D, T> {
    inner: D,
    extra: &'a mut Map<String, Value>,
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
    extra: &'a mut Map<String, Value>,
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
    extra: &'a mut Map<String, Value>,
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
            let key = self.map.next_key_seed(KeySeed(self.fields))?;
            match key {
                None => return Ok(None),
                Some(Key::Known(name)) => {
                    return seed
                        .deserialize(BorrowedStrDeserializer::new(name))
                        .map(Some);
                }
                Some(Key::Unknown(name)) => {
                    let value: Value = self.map.next_value()?;
                    self.extra.insert(name, value);
                }
            }
        }
    }

    #[inline]
    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

/// A key: one of the struct's field names (the name itself, not a copy), or another.
enum Key {
    Known(&'static str),
    Unknown(String),
}

/// Reads a key and looks it up among `T`'s fields.
struct KeySeed<T>(PhantomData<T>);

impl<T: KnownFields> KeySeed<T> {
    #[inline]
    fn key(&self, key: &str) -> Option<&'static str> {
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
            None => Key::Unknown(key.to_owned()),
        })
    }

    fn visit_string<E: de::Error>(self, key: String) -> Result<Key, E> {
        Ok(match self.key(&key) {
            Some(field) => Key::Known(field),
            None => Key::Unknown(key),
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
