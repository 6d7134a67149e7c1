//! Keys the spec does not name, kept without serde's `flatten` buffering: the seam
//! through which the generated response types decode (codegen/unknown_keys.rs emits
//! the calls; not for hand-written code).
//!
//! A struct with `#[serde(flatten)] extra` makes serde buffer every object it decodes
//! into its private `Content` tree, then decode the fields from that tree: a page of
//! groups decoded at 0.77 of a plain struct's speed (issue #26). Instead, each such
//! type `X` decodes a generated mirror `XKnownFields` (the same fields and serde
//! attributes, without `extra`, with serde's derive) through [`deserialize`], which
//! hands the derived visitor a map whose values are decoded straight from the input.
//! The derived visitor names the keys it does not know itself: it skips their values
//! as [`IgnoredAny`](serde::de::IgnoredAny), i.e. by `deserialize_ignored_any`. That
//! one call is intercepted: the value is decoded into a [`Value`] instead and kept,
//! under its key, in the map returned beside the mirror. Every other value passes
//! through untouched, and keys are not compared twice.

use std::borrow::Cow;
use std::fmt;

use serde::de::value::{BorrowedStrDeserializer, StrDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::{Map, Value};

/// Decodes `T` (a struct with serde's derive, no `flatten`) from `deserializer`, and
/// returns it with the keys of its object that `T` does not know, each with its value
/// as sent. Accepts what `T`'s derive accepts through `deserialize_map`: an object
/// (not an array); errors name `T` as its derive does.
pub(crate) fn deserialize<'de, T, D>(deserializer: D) -> Result<(T, Map<String, Value>), D::Error>
where
    T: de::Deserialize<'de>,
    D: Deserializer<'de>,
{
    let mut extra = Map::new();
    let known = T::deserialize(Struct {
        inner: deserializer,
        extra: &mut extra,
    })?;
    Ok((known, extra))
}

/// The deserializer `T` is given: a struct is read as a map whose unknown keys are kept.
struct Struct<'a, D> {
    inner: D,
    extra: &'a mut Map<String, Value>,
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Struct<'_, D> {
    type Error = D::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_map(StructVisitor {
            visitor,
            fields,
            extra: self.extra,
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
struct StructVisitor<'a, V> {
    visitor: V,
    fields: &'static [&'static str],
    extra: &'a mut Map<String, Value>,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for StructVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(Entries {
            map,
            fields: self.fields,
            extra: self.extra,
            key: None,
        })
    }
}

/// The object's entries as the derived visitor reads them: every key, and every value
/// through [`Entry`], which keeps those the visitor skips.
struct Entries<'a, 'de, A> {
    map: A,
    fields: &'static [&'static str],
    extra: &'a mut Map<String, Value>,
    /// The key of the value to be read next.
    key: Option<Cow<'de, str>>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Entries<'_, 'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let Some(key) = self.map.next_key_seed(Key {
            fields: self.fields,
        })?
        else {
            return Ok(None);
        };
        let field = match &key {
            Cow::Borrowed(key) => seed.deserialize(BorrowedStrDeserializer::new(key)),
            Cow::Owned(key) => seed.deserialize(StrDeserializer::new(key)),
        }?;
        self.key = Some(key);
        Ok(Some(field))
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        match self.key.take() {
            Some(key) => self.map.next_value_seed(Entry {
                seed,
                key,
                extra: self.extra,
            }),
            None => self.map.next_value_seed(seed),
        }
    }
}

/// Reads a key as text: borrowed from the input where it can be, else the field
/// name it equals (no copy), else a copy.
struct Key {
    fields: &'static [&'static str],
}

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(key))
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(match self.fields.iter().find(|field| **field == key) {
            Some(field) => Cow::Borrowed(*field),
            None => Cow::Owned(key.to_owned()),
        })
    }

    fn visit_string<E: de::Error>(self, key: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(key))
    }

    fn visit_borrowed_bytes<E: de::Error>(self, key: &'de [u8]) -> Result<Self::Value, E> {
        std::str::from_utf8(key)
            .map(Cow::Borrowed)
            .map_err(|_| E::invalid_value(de::Unexpected::Bytes(key), &self))
    }

    fn visit_bytes<E: de::Error>(self, key: &[u8]) -> Result<Self::Value, E> {
        match std::str::from_utf8(key) {
            Ok(key) => self.visit_str(key),
            Err(_) => Err(E::invalid_value(de::Unexpected::Bytes(key), &self)),
        }
    }
}

/// One value, as the derived visitor asks for it: passed through, unless the
/// visitor skips it, in which case it is kept under `key`.
struct Entry<'a, 'de, S> {
    seed: S,
    key: Cow<'de, str>,
    extra: &'a mut Map<String, Value>,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Entry<'_, 'de, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(Kept {
            inner: deserializer,
            key: self.key,
            extra: self.extra,
        })
    }
}

/// The value's deserializer: every request passes to the input's own, except
/// `deserialize_ignored_any`, which keeps the value.
struct Kept<'a, 'de, D> {
    inner: D,
    key: Cow<'de, str>,
    extra: &'a mut Map<String, Value>,
}

/// Forwards each named `deserialize_*` method of [`Kept`] to the input's.
macro_rules! pass_through {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.inner.$method(visitor)
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Kept<'_, 'de, D> {
    type Error = D::Error;

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        let value = <Value as de::Deserialize>::deserialize(self.inner)?;
        self.extra.insert(self.key.into_owned(), value);
        visitor.visit_unit()
    }

    pass_through! {
        deserialize_any deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32
        deserialize_i64 deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32
        deserialize_u64 deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char
        deserialize_str deserialize_string deserialize_bytes deserialize_byte_buf
        deserialize_option deserialize_unit deserialize_seq deserialize_map
        deserialize_identifier
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_newtype_struct(name, visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_tuple(len, visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_tuple_struct(name, len, visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_struct(name, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_enum(name, variants, visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

#[cfg(test)]
mod tests;
