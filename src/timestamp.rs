//! `Timestamp`: an instant from the API's ISO 8601 strings, whatever their precision
//! or UTC offset form. Owns only parsing and printing; the spec's `Timestamp` schema
//! is generated as this type (see build.rs).

mod fast;

use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, de};

/// A UTC instant. Dereferences to [`chrono::DateTime<Utc>`]; prints as RFC 3339.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(transparent)]
pub struct Timestamp(pub DateTime<Utc>);

impl Timestamp {
    /// The instant as a chrono value.
    pub fn get(self) -> DateTime<Utc> {
        self.0
    }
}

/// Parses the API's usual shape by hand ([`fast`]), then with chrono's strict RFC
/// 3339 parser, falling back to chrono's general parser for other ISO 8601 forms it
/// accepts.
fn parse(text: &str) -> Result<Timestamp, chrono::ParseError> {
    if let Some(instant) = fast::parse(text) {
        return Ok(Timestamp(instant));
    }
    match DateTime::parse_from_rfc3339(text) {
        Ok(instant) => Ok(Timestamp(instant.with_timezone(&Utc))),
        Err(strict) => text
            .parse::<DateTime<Utc>>()
            .map(Timestamp)
            .map_err(|_| strict),
    }
}

impl FromStr for Timestamp {
    type Err = chrono::ParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse(text)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(instant: DateTime<Utc>) -> Self {
        Timestamp(instant)
    }
}

impl From<Timestamp> for DateTime<Utc> {
    fn from(timestamp: Timestamp) -> Self {
        timestamp.0
    }
}

impl Deref for Timestamp {
    type Target = DateTime<Utc>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl de::Visitor<'_> for Visitor {
            type Value = Timestamp;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an ISO 8601 date-time string")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Timestamp, E> {
                parse(text).map_err(|e| E::custom(format!("{text:?} is not a date-time: {e}")))
            }
        }

        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    // Proves every precision and offset form of the reference parses to the same
    // instant, through serde as through FromStr, and that garbage is an error.
    #[test]
    fn parses_every_documented_form() {
        let expected = Timestamp(Utc.with_ymd_and_hms(2023, 1, 15, 9, 0, 0).unwrap());
        for text in [
            "2023-01-15T09:00:00Z",
            "2023-01-15T09:00:00.000Z",
            "2023-01-15T09:00:00.000000Z",
            "2023-01-15T09:00:00+00:00",
            "2023-01-15T10:00:00+01:00",
        ] {
            assert_eq!(text.parse::<Timestamp>().unwrap(), expected, "{text}");
            let json = serde_json::to_string(text).unwrap();
            assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), expected);
        }
        assert!("yesterday".parse::<Timestamp>().is_err());
        assert!(serde_json::from_str::<Timestamp>("12").is_err());
    }

    // Proves printing and serialising round-trip as RFC 3339 with `Z`.
    #[test]
    fn prints_rfc3339() {
        let t: Timestamp = "2023-06-20T10:00:00.500Z".parse().unwrap();
        assert_eq!(t.to_string(), "2023-06-20T10:00:00.500Z");
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
    }
}
