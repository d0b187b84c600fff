//! Orders, quantities, idempotency keys, and the ways an order can be refused.

use std::{fmt, sync::Arc};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{DropStatus, ValidationError, WholeNumber};
use crate::ids::{DropId, OrderId, UserId};

/// Units in one order: 1 to [`Quantity::MAX`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "WholeNumber", into = "u32")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = u32, minimum = 1, maximum = 10))]
pub struct Quantity(u32);

impl Quantity {
    /// The per-order maximum: a flash sale caps one checkout; `maxPerUser` caps one buyer.
    pub const MAX: u32 = 10;
    /// One unit.
    pub const ONE: Quantity = Quantity(1);

    /// The number of units.
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<i64> for Quantity {
    type Error = ValidationError;

    fn try_from(qty: i64) -> Result<Self, Self::Error> {
        match u32::try_from(qty) {
            Ok(q) if (1..=Self::MAX).contains(&q) => Ok(Self(q)),
            _ => Err(ValidationError::QuantityOutOfRange {
                qty,
                max: Self::MAX,
            }),
        }
    }
}

impl From<Quantity> for u32 {
    fn from(qty: Quantity) -> u32 {
        qty.0
    }
}

/// A client-chosen key that makes a retried `POST /orders` safe: 1 to 255 visible ASCII
/// characters (the IETF Idempotency-Key draft recommends a UUID; Stripe allows 255).
/// Shared (`Arc<str>`): the key is stored with the order, in the ledger's unique index and in
/// the idempotency store, and cloning it must not allocate on the hot path.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String))]
pub struct IdempotencyKey(Arc<str>);

impl IdempotencyKey {
    /// Longest key.
    pub const MAX_LEN: usize = 255;

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for IdempotencyKey {
    type Error = ValidationError;

    fn try_from(key: &str) -> Result<Self, Self::Error> {
        let invalid = |reason| Err(ValidationError::InvalidIdempotencyKey { reason });
        if key.is_empty() {
            return invalid("must not be empty");
        }
        if key.len() > Self::MAX_LEN {
            return invalid("must be at most 255 characters");
        }
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return invalid("may only contain visible ASCII characters");
        }
        Ok(Self(Arc::from(key)))
    }
}

impl TryFrom<String> for IdempotencyKey {
    type Error = ValidationError;

    fn try_from(key: String) -> Result<Self, Self::Error> {
        Self::try_from(key.as_str())
    }
}

impl From<IdempotencyKey> for String {
    fn from(key: IdempotencyKey) -> String {
        key.0.as_ref().to_owned()
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// Where an order is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Stock was taken for it.
    Confirmed,
    /// Cancelled; its stock went back to the drop exactly once.
    Cancelled,
}

/// An order of `qty` units of a drop by a user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Order {
    /// Id.
    pub id: OrderId,
    /// Buyer.
    pub user_id: UserId,
    /// What was bought.
    pub drop_id: DropId,
    /// Units.
    pub qty: Quantity,
    /// Status.
    pub status: OrderStatus,
    /// The key the buyer sent; unique per buyer.
    pub idempotency_key: IdempotencyKey,
    /// When it was confirmed.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it was cancelled, if it was.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::timestamp::serialize_option"
    )]
    pub cancelled_at: Option<DateTime<Utc>>,
}

/// What cancelling an order did ([`Ledger::cancel_order`](crate::ports::Ledger::cancel_order)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cancellation {
    /// The order, now cancelled.
    pub order: Order,
    /// False when it was already cancelled (nothing was returned this time).
    pub changed: bool,
}

/// Why the ledger refused an order. These are answers, not failures: they are stored
/// against the idempotency key and replayed like a confirmation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(
    tag = "code",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
pub enum OrderRejection {
    /// No stock left.
    #[error("the drop is sold out")]
    SoldOut,
    /// Some stock left, but less than asked for.
    #[error("only {available} units left")]
    InsufficientStock {
        /// Units left when the order was decided.
        available: u32,
    },
    /// The drop is not taking orders (scheduled or ended).
    #[error("the drop is {drop_status}, not live")]
    DropNotLive {
        /// Its status.
        drop_status: DropStatus,
    },
    /// The order would take the buyer past the drop's per-user limit.
    #[error("the per-user limit of {limit} units would be exceeded ({already} already bought)")]
    LimitReached {
        /// The drop's `maxPerUser`.
        limit: u32,
        /// Units the buyer already holds.
        already: u32,
    },
    /// No such drop.
    #[error("drop not found")]
    DropNotFound,
}

impl OrderRejection {
    /// The stable code clients branch on.
    pub fn code(&self) -> &'static str {
        match self {
            OrderRejection::SoldOut => "sold_out",
            OrderRejection::InsufficientStock { .. } => "insufficient_stock",
            OrderRejection::DropNotLive { .. } => "drop_not_live",
            OrderRejection::LimitReached { .. } => "limit_reached",
            OrderRejection::DropNotFound => "drop_not_found",
        }
    }
}

/// JSON's `8.0` as well as `8` (see [`WholeNumber`]).
impl TryFrom<WholeNumber> for Quantity {
    type Error = ValidationError;

    fn try_from(number: WholeNumber) -> Result<Self, Self::Error> {
        Self::try_from(number.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantity_is_between_one_and_the_per_order_max() {
        assert_eq!(Quantity::try_from(1).unwrap(), Quantity::ONE);
        assert_eq!(Quantity::try_from(10).unwrap().get(), 10);
        for bad in [0, -1, 11, i64::MAX, i64::MIN] {
            assert_eq!(
                Quantity::try_from(bad),
                Err(ValidationError::QuantityOutOfRange {
                    qty: bad,
                    max: Quantity::MAX
                })
            );
        }
        assert!(serde_json::from_str::<Quantity>("0").is_err());
        assert!(serde_json::from_str::<Quantity>("1.5").is_err());
    }

    #[test]
    fn idempotency_key_rules() {
        assert!(IdempotencyKey::try_from("8e03978e-40d5-43e8-bc93-6894a57f9324").is_ok());
        assert!(IdempotencyKey::try_from("k".repeat(255)).is_ok());
        for (bad, reason) in [
            ("", "must not be empty"),
            (&"k".repeat(256)[..], "must be at most 255 characters"),
            ("has space", "may only contain visible ASCII characters"),
            ("tab\tkey", "may only contain visible ASCII characters"),
            ("clé", "may only contain visible ASCII characters"),
        ] {
            assert_eq!(
                IdempotencyKey::try_from(bad),
                Err(ValidationError::InvalidIdempotencyKey { reason }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn rejections_serialize_with_their_code() {
        let r = OrderRejection::LimitReached {
            limit: 2,
            already: 2,
        };
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["code"], r.code());
        assert_eq!(serde_json::from_value::<OrderRejection>(json).unwrap(), r);
    }
}
