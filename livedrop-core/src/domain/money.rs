//! Money: integer cents and an ISO 4217 currency. Never floats.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{ValidationError, WholeNumber};

/// A price in the currency's minor unit; zero (free drops) or more.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "WholeNumber", into = "i64")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 0))]
pub struct PriceCents(i64);

impl PriceCents {
    /// The amount in minor units.
    pub const fn get(self) -> i64 {
        self.0
    }
}

impl TryFrom<i64> for PriceCents {
    type Error = ValidationError;

    fn try_from(cents: i64) -> Result<Self, Self::Error> {
        if cents < 0 {
            return Err(ValidationError::NegativePrice);
        }
        Ok(Self(cents))
    }
}

impl From<PriceCents> for i64 {
    fn from(price: PriceCents) -> i64 {
        price.0
    }
}

/// An ISO 4217 currency, validated against the standard's list (`iso_currency`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CurrencyCode(iso_currency::Currency);

/// The schema lists every code the standard has (matched case-insensitively by the
/// server; the list is upper case), found by asking `iso_currency` about each of the
/// 17,576 three-letter codes, which costs less than a dependency for its iterator.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for CurrencyCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let letters = b'A'..=b'Z';
        let codes: Vec<String> = letters
            .clone()
            .flat_map(|a| letters.clone().map(move |b| [a, b]))
            .flat_map(|[a, b]| letters.clone().map(move |c| [a, b, c]))
            .filter_map(|code| {
                let code = std::str::from_utf8(&code).ok()?;
                iso_currency::Currency::from_code(code).map(|_| code.to_owned())
            })
            .collect();
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("An ISO 4217 currency code"))
            .enum_values(Some(codes))
            .examples(["EUR"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for CurrencyCode {}

impl CurrencyCode {
    /// The three-letter code, upper case.
    pub fn code(&self) -> &'static str {
        self.0.code()
    }
}

impl TryFrom<&str> for CurrencyCode {
    type Error = ValidationError;

    fn try_from(input: &str) -> Result<Self, Self::Error> {
        iso_currency::Currency::from_code(&input.trim().to_ascii_uppercase())
            .map(Self)
            .ok_or_else(|| ValidationError::UnknownCurrency {
                code: input.to_owned(),
            })
    }
}

impl TryFrom<String> for CurrencyCode {
    type Error = ValidationError;

    fn try_from(input: String) -> Result<Self, Self::Error> {
        Self::try_from(input.as_str())
    }
}

impl From<CurrencyCode> for String {
    fn from(code: CurrencyCode) -> String {
        code.code().to_owned()
    }
}

impl fmt::Display for CurrencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for CurrencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// JSON's `8.0` as well as `8` (see [`WholeNumber`]).
impl TryFrom<WholeNumber> for PriceCents {
    type Error = ValidationError;

    fn try_from(number: WholeNumber) -> Result<Self, Self::Error> {
        Self::try_from(number.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn price_is_never_negative() {
        assert_eq!(PriceCents::try_from(0).unwrap().get(), 0);
        assert_eq!(PriceCents::try_from(1999).unwrap().get(), 1999);
        assert_eq!(
            PriceCents::try_from(-1),
            Err(ValidationError::NegativePrice)
        );
        assert!(serde_json::from_str::<PriceCents>("-5").is_err());
    }

    #[test]
    fn currency_must_be_iso_4217() {
        assert_eq!(CurrencyCode::try_from("eur").unwrap().code(), "EUR");
        assert_eq!(CurrencyCode::try_from("JPY").unwrap().to_string(), "JPY");
        for bad in ["", "EU", "EURO", "ABC", "€"] {
            assert_eq!(
                CurrencyCode::try_from(bad),
                Err(ValidationError::UnknownCurrency {
                    code: bad.to_owned()
                })
            );
        }
    }
}
