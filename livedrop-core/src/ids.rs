//! Newtype ids. Every id is a UUID v7: time ordered, so keyset pagination over ids follows
//! creation order and Postgres b-tree inserts stay append-mostly.

use std::{fmt, str::FromStr};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::ValidationError;

thread_local! {
    /// Each thread keeps its own v7 context: ids stay strictly increasing within a thread
    /// and never contend on uuid's process-wide context, which showed up in the hot path.
    static V7_CONTEXT: uuid::ContextV7 = const { uuid::ContextV7::new() };
}

/// A UUID v7 for now.
pub(crate) fn now_v7() -> Uuid {
    V7_CONTEXT.with(|context| Uuid::new_v7(uuid::Timestamp::now(context)))
}

/// A UUID v7 for `at`: the caller has already read the clock, and a second read per id
/// showed up in the order path. Times before 1970 (never produced by a real clock) clamp
/// to the epoch; the context still keeps a thread's ids strictly increasing.
pub fn v7_at(at: DateTime<Utc>) -> Uuid {
    let seconds = u64::try_from(at.timestamp()).unwrap_or(0);
    let nanos = at.timestamp_subsec_nanos();
    V7_CONTEXT.with(|context| Uuid::new_v7(uuid::Timestamp::from_unix(context, seconds, nanos)))
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh time-ordered (UUID v7) id.
            #[allow(clippy::new_without_default)]
            pub fn new() -> Self {
                Self(now_v7())
            }

            /// A fresh time-ordered (UUID v7) id stamped with `at`, when the caller already
            /// holds the time.
            pub fn at(at: DateTime<Utc>) -> Self {
                Self(v7_at(at))
            }

            /// Wraps an existing UUID (from storage or a deterministic test).
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The UUID inside.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::try_parse(s)
                    .map(Self)
                    .map_err(|_| ValidationError::InvalidId { kind: $what })
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }
    };
}

id_type!(
    /// Identifies a [`User`](crate::domain::User).
    UserId, "user id"
);
id_type!(
    /// Identifies a [`Creator`](crate::domain::Creator).
    CreatorId, "creator id"
);
id_type!(
    /// Identifies a [`Product`](crate::domain::Product).
    ProductId, "product id"
);
id_type!(
    /// Identifies a [`Drop`](crate::domain::Drop) and its stock row.
    DropId, "drop id"
);
id_type!(
    /// Identifies an [`Order`](crate::domain::Order).
    OrderId, "order id"
);
id_type!(
    /// Identifies an [`Event`](crate::domain::Event); consumers deduplicate on it.
    EventId, "event id"
);
id_type!(
    /// Identifies a refresh-token family: the tokens one sign-in rotates through, revoked
    /// together (see [`Credentials`](crate::ports::Credentials)).
    FamilyId, "refresh family id"
);

id_type!(
    /// Identifies an [`AuditEntry`](crate::domain::AuditEntry).
    AuditId, "audit id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text_and_reject_garbage() {
        let id = DropId::new();
        assert_eq!(id.to_string().parse::<DropId>().unwrap(), id);
        assert_eq!(
            "not-a-uuid".parse::<DropId>(),
            Err(ValidationError::InvalidId { kind: "drop id" })
        );
    }

    #[test]
    fn ids_are_time_ordered() {
        let a = OrderId::new();
        let b = OrderId::new();
        assert!(a < b, "UUID v7 ids must sort by creation");
        assert_eq!(a.as_uuid().get_version_num(), 7);
    }

    #[test]
    fn ids_at_a_given_time_carry_it_and_stay_unique() {
        let at = DateTime::parse_from_rfc3339("2026-05-01T12:00:00.123Z")
            .unwrap()
            .with_timezone(&Utc);
        let (a, b) = (OrderId::at(at), OrderId::at(at));
        assert!(a < b, "same instant, still strictly increasing");
        let (seconds, _) = a.as_uuid().get_timestamp().unwrap().to_unix();
        assert_eq!(seconds, u64::try_from(at.timestamp()).unwrap());
        assert_eq!(a.as_uuid().get_version_num(), 7);
    }
}
