//! [`WholeNumber`]: an integer as JSON may write it, `8` or `8.0`.
//!
//! JSON has one number type, and JSON Schema's `integer` is any number without a fraction,
//! so `8.0` is an integer to every client generated from the OpenAPI document (and to
//! Python's `json`, which writes floats that way). serde reads `8.0` into an `i64` as an
//! error; the numeric fields of request bodies read through this type instead, so the
//! server takes what its schema says it takes.

use serde::{Deserialize, Deserializer};

/// An `i64` read from any JSON number whose value is whole and in range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WholeNumber(pub i64);

impl From<WholeNumber> for i64 {
    fn from(number: WholeNumber) -> i64 {
        number.0
    }
}

impl<'de> Deserialize<'de> for WholeNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(Visitor)
    }
}

struct Visitor;

impl serde::de::Visitor<'_> for Visitor {
    type Value = WholeNumber;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a whole number")
    }

    fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<WholeNumber, E> {
        Ok(WholeNumber(n))
    }

    fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<WholeNumber, E> {
        i64::try_from(n)
            .map(WholeNumber)
            .map_err(|_| E::custom(format!("{n} is too large")))
    }

    fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<WholeNumber, E> {
        // Every whole f64 strictly inside i64's range converts exactly.
        const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
        if n.fract() == 0.0 && n > -LIMIT && n < LIMIT {
            #[allow(clippy::cast_possible_truncation)]
            Ok(WholeNumber(n as i64))
        } else {
            Err(E::custom(format!("{n} is not a whole number")))
        }
    }
}

/// For `#[serde(deserialize_with = ...)]` on a plain `i64` field.
pub fn whole<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    WholeNumber::deserialize(deserializer).map(i64::from)
}

/// For `#[serde(deserialize_with = ...)]` on an optional `i64` field.
pub fn optional_whole<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    Option::<WholeNumber>::deserialize(deserializer).map(|n| n.map(i64::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<i64, serde_json::Error> {
        serde_json::from_str::<WholeNumber>(json).map(i64::from)
    }

    #[test]
    fn whole_numbers_read_however_they_are_written() {
        assert_eq!(read("8").unwrap(), 8);
        assert_eq!(read("8.0").unwrap(), 8);
        assert_eq!(read("-3.0").unwrap(), -3);
        assert_eq!(read("1e3").unwrap(), 1000);
    }

    #[test]
    fn fractions_out_of_range_values_and_non_numbers_are_refused() {
        for json in [
            "8.5",
            "1e19",
            "18446744073709551615",
            "\"8\"",
            "null",
            "true",
        ] {
            assert!(read(json).is_err(), "{json}");
        }
    }
}
