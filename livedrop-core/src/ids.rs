//! Newtype ids. Every id is a UUID v7: time ordered, so keyset pagination over ids follows
//! creation order and Postgres b-tree inserts stay append-mostly.

use std::{fmt, str::FromStr};

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

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh time-ordered (UUID v7) id.
            #[allow(clippy::new_without_default)]
            pub fn new() -> Self {
                Self(now_v7())
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
}
