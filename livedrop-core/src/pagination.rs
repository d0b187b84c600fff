//! Keyset pagination: an opaque cursor over `(sort key, id)`, never an offset, so a page
//! costs the same at any depth and concurrent inserts neither repeat nor skip old items.

use std::{fmt, str::FromStr};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::ValidationError;

/// A position in a list: the last item's sort key (a timestamp in microseconds) and id.
/// Serialized as opaque base64url text; clients must not build their own.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cursor {
    /// Sort key of the last item on the previous page.
    pub key: i64,
    /// Id of the last item on the previous page (tie-breaker).
    pub id: Uuid,
}

const CURSOR_VERSION: u8 = 1;
const CURSOR_LEN: usize = 1 + 8 + 16;

impl Cursor {
    /// The cursor just past an item sorted by `at` then `id`.
    pub fn after(at: DateTime<Utc>, id: impl Into<Uuid>) -> Self {
        Self {
            key: at.timestamp_micros(),
            id: id.into(),
        }
    }

    /// The opaque text form.
    pub fn encode(&self) -> String {
        let mut bytes = [0u8; CURSOR_LEN];
        bytes[0] = CURSOR_VERSION;
        bytes[1..9].copy_from_slice(&self.key.to_be_bytes());
        bytes[9..].copy_from_slice(self.id.as_bytes());
        URL_SAFE_NO_PAD.encode(bytes)
    }
}

impl FromStr for Cursor {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| ValidationError::InvalidCursor)?;
        let bytes: [u8; CURSOR_LEN] = bytes
            .try_into()
            .map_err(|_| ValidationError::InvalidCursor)?;
        if bytes[0] != CURSOR_VERSION {
            return Err(ValidationError::InvalidCursor);
        }
        let mut key = [0u8; 8];
        key.copy_from_slice(&bytes[1..9]);
        let mut id = [0u8; 16];
        id.copy_from_slice(&bytes[9..]);
        Ok(Self {
            key: i64::from_be_bytes(key),
            id: Uuid::from_bytes(id),
        })
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode())
    }
}

impl fmt::Debug for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cursor({}, {})", self.key, self.id)
    }
}

/// An opaque string on the wire (see its `Serialize`), whatever its fields.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Cursor {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("Opaque: pass back as `cursor` for the next page."))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Cursor {}

impl Serialize for Cursor {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.encode())
    }
}

impl<'de> Deserialize<'de> for Cursor {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A page size: 1 to [`Limit::MAX`], [`Limit::DEFAULT`] when not given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "u16")]
pub struct Limit(u16);

impl Limit {
    /// Largest page.
    pub const MAX: u16 = 100;
    /// Page size when the client gives none.
    pub const DEFAULT: Limit = Limit(20);

    /// The size.
    pub fn get(self) -> usize {
        usize::from(self.0)
    }
}

impl Default for Limit {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl TryFrom<i64> for Limit {
    type Error = ValidationError;

    fn try_from(n: i64) -> Result<Self, Self::Error> {
        match u16::try_from(n) {
            Ok(n) if (1..=Self::MAX).contains(&n) => Ok(Self(n)),
            _ => Err(ValidationError::InvalidLimit { max: Self::MAX }),
        }
    }
}

impl From<Limit> for u16 {
    fn from(limit: Limit) -> u16 {
        limit.0
    }
}

/// Which page to read: items strictly after `cursor` in the list's order, at most `limit`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// Start after this position (`None`: from the start).
    pub cursor: Option<Cursor>,
    /// Page size.
    pub limit: Limit,
}

impl PageRequest {
    /// The first page of `limit` items.
    pub fn first(limit: Limit) -> Self {
        Self {
            cursor: None,
            limit,
        }
    }

    /// The page after `cursor`.
    pub fn after(cursor: Cursor, limit: Limit) -> Self {
        Self {
            cursor: Some(cursor),
            limit,
        }
    }
}

/// One page of a list and the cursor of the next (`None` on the last page).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// The items, in the list's order.
    pub items: Vec<T>,
    /// Pass back to get the next page.
    // Always present (`null` on the last page), so required though nullable.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<Cursor>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` items in list order: the extra item, if present,
    /// only proves there is a next page. `position` gives an item's cursor.
    pub fn from_overfetch(
        mut items: Vec<T>,
        limit: Limit,
        position: impl Fn(&T) -> Cursor,
    ) -> Self {
        let has_more = items.len() > limit.get();
        items.truncate(limit.get());
        let next_cursor = if has_more {
            items.last().map(position)
        } else {
            None
        };
        Self { items, next_cursor }
    }

    /// Maps the items, keeping the cursor.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_anything_else() {
        let cursor = Cursor::after(Utc::now(), Uuid::now_v7());
        assert_eq!(cursor.encode().parse::<Cursor>().unwrap(), cursor);
        let tampered_version = {
            let mut bytes = URL_SAFE_NO_PAD.decode(cursor.encode()).unwrap();
            bytes[0] = 9;
            URL_SAFE_NO_PAD.encode(bytes)
        };
        for bad in [
            "",
            "abc",
            "!!!!",
            "AQ",
            tampered_version.as_str(),
            &format!("{}A", cursor.encode()),
        ] {
            assert_eq!(
                bad.parse::<Cursor>(),
                Err(ValidationError::InvalidCursor),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn limit_is_bounded() {
        assert_eq!(Limit::default().get(), 20);
        assert_eq!(Limit::try_from(100).unwrap().get(), 100);
        for bad in [0, -1, 101, 70_000] {
            assert_eq!(
                Limit::try_from(bad),
                Err(ValidationError::InvalidLimit { max: 100 })
            );
        }
    }

    #[test]
    fn overfetch_decides_the_next_cursor() {
        let limit = Limit::try_from(2).unwrap();
        let pos = |n: &i64| Cursor {
            key: *n,
            id: Uuid::nil(),
        };
        let page = Page::from_overfetch(vec![1, 2, 3], limit, pos);
        assert_eq!(page.items, [1, 2]);
        assert_eq!(page.next_cursor.map(|c| c.key), Some(2));
        let last = Page::from_overfetch(vec![3], limit, pos);
        assert_eq!(last.next_cursor, None);
    }
}
