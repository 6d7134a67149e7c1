//! [`Valid`]: a value read and checked as `serde_json::Value` would decode it (the
//! same numbers, strings, keys and nesting accepted and refused), keeping nothing.
//! serde's `IgnoredAny` would not do: serde_json skips it without checking UTF-8 or
//! the range of numbers, so a body the first pass accepted could fail the second.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A JSON value, checked and dropped.
pub(super) struct Valid;

impl<'de> Deserialize<'de> for Valid {
    #[inline]
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Valid, D::Error> {
        deserializer.deserialize_any(ValidVisitor)
    }
}

/// A map key as `Value` reads one: a string.
struct ValidKey;

impl<'de> Deserialize<'de> for ValidKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ValidKey, D::Error> {
        deserializer.deserialize_str(ValidVisitor).map(|_| ValidKey)
    }
}

struct ValidVisitor;

impl<'de> Visitor<'de> for ValidVisitor {
    type Value = Valid;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Valid, E> {
        Ok(Valid)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Valid, E> {
        Ok(Valid)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Valid, E> {
        Ok(Valid)
    }

    fn visit_i128<E>(self, _: i128) -> Result<Valid, E> {
        Ok(Valid)
    }

    fn visit_u128<E>(self, _: u128) -> Result<Valid, E> {
        Ok(Valid)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Valid, E> {
        Ok(Valid)
    }

    fn visit_str<E>(self, _: &str) -> Result<Valid, E> {
        Ok(Valid)
    }

    fn visit_unit<E>(self) -> Result<Valid, E> {
        Ok(Valid)
    }

    fn visit_none<E>(self) -> Result<Valid, E> {
        Ok(Valid)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Valid, D::Error> {
        Valid::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Valid, A::Error> {
        while seq.next_element::<Valid>()?.is_some() {}
        Ok(Valid)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Valid, A::Error> {
        while map.next_key::<ValidKey>()?.is_some() {
            map.next_value::<Valid>()?;
        }
        Ok(Valid)
    }

    fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Valid, E> {
        Err(E::invalid_type(de::Unexpected::Bytes(bytes), &self))
    }
}
