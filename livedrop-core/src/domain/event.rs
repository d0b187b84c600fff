//! The event envelope every event travels in (outbox, bus, consumers), and every event
//! LiveDrop emits. Its reader is written out in `event_decode`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Quantity, TraceParent};
use crate::ids::{CreatorId, DropId, EventId, OrderId, ProductId, UserId};

/// One thing that happened, written to the outbox in the same atomic unit as its cause and
/// delivered at least once: consumers deduplicate on `id`.
// `Deserialize` is written out (`event_decode`): derived, `flatten` made serde copy the
// whole object before reading it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    /// Unique id (UUID v7).
    pub id: EventId,
    /// `type` and `payload`.
    #[serde(flatten)]
    pub data: EventData,
    /// When the cause committed.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub occurred_at: DateTime<Utc>,
    /// The creator it concerns (every event has one; follower fan-out keys on it).
    pub creator_id: CreatorId,
    /// The drop it concerns, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop_id: Option<DropId>,
    /// The trace of the request that caused it, when that request was traced. Not part of
    /// the JSON (clients never see it): the outbox keeps it in its own column and the bus
    /// in a `traceparent` header, so an event handled anywhere joins its cause's trace.
    #[serde(skip)]
    pub trace: Option<TraceParent>,
}

/// The `type` of an event and its `payload`. Each variant says `rename_all` itself (serde's
/// `rename_all_fields` means the same) because utoipa reads only the per-variant form, and
/// the OpenAPI schema must name the fields as they are sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[allow(missing_docs)] // Field names say what they hold; the variant docs say when.
pub enum EventData {
    /// A user became a creator.
    #[serde(rename = "creator.created", rename_all = "camelCase")]
    CreatorCreated { owner_id: UserId },
    /// A creator's profile changed.
    #[serde(rename = "creator.updated", rename_all = "camelCase")]
    CreatorUpdated {},
    /// A product was created.
    #[serde(rename = "product.created", rename_all = "camelCase")]
    ProductCreated { product_id: ProductId },
    /// A product was edited.
    #[serde(rename = "product.updated", rename_all = "camelCase")]
    ProductUpdated { product_id: ProductId },
    /// A drop was scheduled.
    #[serde(rename = "drop.created", rename_all = "camelCase")]
    DropCreated {
        product_id: ProductId,
        #[serde(serialize_with = "crate::timestamp::serialize")]
        start_at: DateTime<Utc>,
        #[serde(serialize_with = "crate::timestamp::serialize")]
        end_at: DateTime<Utc>,
        initial_stock: u32,
    },
    /// A scheduled drop was edited.
    #[serde(rename = "drop.updated", rename_all = "camelCase")]
    DropUpdated {
        #[serde(serialize_with = "crate::timestamp::serialize")]
        start_at: DateTime<Utc>,
        #[serde(serialize_with = "crate::timestamp::serialize")]
        end_at: DateTime<Utc>,
    },
    /// A drop went live.
    #[serde(rename = "drop.started", rename_all = "camelCase")]
    DropStarted { available: u32 },
    /// A drop's window closed.
    #[serde(rename = "drop.ended", rename_all = "camelCase")]
    DropEnded { available: u32 },
    /// Stock fell to the low-stock threshold or below (at most once per drop).
    #[serde(rename = "stock.low", rename_all = "camelCase")]
    StockLow { available: u32, threshold: u32 },
    /// The last unit sold.
    #[serde(rename = "drop.sold_out", rename_all = "camelCase")]
    DropSoldOut {},
    /// A cancellation put stock back into a sold-out drop, which is live again.
    #[serde(rename = "drop.restocked", rename_all = "camelCase")]
    DropRestocked { available: u32 },
    /// An order took stock. There is one per order, and its event id is the order's id.
    #[serde(rename = "order.confirmed", rename_all = "camelCase")]
    OrderConfirmed {
        order_id: OrderId,
        user_id: UserId,
        qty: Quantity,
        available: u32,
    },
    /// An order was cancelled and its stock returned.
    #[serde(rename = "order.cancelled", rename_all = "camelCase")]
    OrderCancelled {
        order_id: OrderId,
        user_id: UserId,
        qty: Quantity,
        available: u32,
    },
    /// A user followed a creator.
    #[serde(rename = "follow.created", rename_all = "camelCase")]
    FollowCreated { user_id: UserId },
    /// A user unfollowed a creator.
    #[serde(rename = "follow.removed", rename_all = "camelCase")]
    FollowRemoved { user_id: UserId },
}

impl EventData {
    /// The wire `type` (`"drop.started"`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            EventData::CreatorCreated { .. } => "creator.created",
            EventData::CreatorUpdated {} => "creator.updated",
            EventData::ProductCreated { .. } => "product.created",
            EventData::ProductUpdated { .. } => "product.updated",
            EventData::DropCreated { .. } => "drop.created",
            EventData::DropUpdated { .. } => "drop.updated",
            EventData::DropStarted { .. } => "drop.started",
            EventData::DropEnded { .. } => "drop.ended",
            EventData::StockLow { .. } => "stock.low",
            EventData::DropSoldOut {} => "drop.sold_out",
            EventData::DropRestocked { .. } => "drop.restocked",
            EventData::OrderConfirmed { .. } => "order.confirmed",
            EventData::OrderCancelled { .. } => "order.cancelled",
            EventData::FollowCreated { .. } => "follow.created",
            EventData::FollowRemoved { .. } => "follow.removed",
        }
    }
}

impl Event {
    /// A new event about `creator_id` (and `drop_id`), occurring at `now`.
    pub fn new(
        data: EventData,
        creator_id: CreatorId,
        drop_id: Option<DropId>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: EventId::at(now),
            data,
            occurred_at: now,
            creator_id,
            drop_id,
            trace: None,
        }
    }

    /// This event, joined to the trace `parent` (when there is one).
    #[must_use]
    pub fn traced(mut self, parent: Option<&TraceParent>) -> Self {
        self.trace = parent.cloned();
        self
    }

    /// The wire `type`.
    pub fn kind(&self) -> &'static str {
        self.data.kind()
    }

    /// The partitioning key: events of one drop (else of one creator) keep their order.
    pub fn key(&self) -> Uuid {
        self.drop_id
            .map(|d| d.as_uuid())
            .unwrap_or_else(|| self.creator_id.as_uuid())
    }
}

/// Joins each of `events` to the trace `parent`, when there is one: what a ledger does with
/// the events one traced order caused.
pub fn join_trace(events: &mut [Event], parent: Option<&TraceParent>) {
    if let Some(parent) = parent {
        for event in events {
            event.trace = Some(parent.clone());
        }
    }
}

/// One payload of every event type, for the codec's tests (ids stamped with `at`).
#[cfg(test)]
pub(super) fn every_type(at: DateTime<Utc>) -> Vec<EventData> {
    use crate::ids::{OrderId, ProductId, UserId};

    let later = at + chrono::TimeDelta::milliseconds(1_500);
    vec![
        EventData::CreatorCreated {
            owner_id: UserId::at(at),
        },
        EventData::CreatorUpdated {},
        EventData::ProductCreated {
            product_id: ProductId::at(at),
        },
        EventData::ProductUpdated {
            product_id: ProductId::at(at),
        },
        EventData::DropCreated {
            product_id: ProductId::at(at),
            start_at: at,
            end_at: later,
            initial_stock: 4_000_000,
        },
        EventData::DropUpdated {
            start_at: later,
            end_at: later + chrono::TimeDelta::days(3),
        },
        EventData::DropStarted { available: 100 },
        EventData::DropEnded { available: 0 },
        EventData::StockLow {
            available: 9,
            threshold: 10,
        },
        EventData::DropSoldOut {},
        EventData::DropRestocked {
            available: u32::MAX,
        },
        EventData::OrderConfirmed {
            order_id: OrderId::at(at),
            user_id: UserId::at(at),
            qty: Quantity::try_from(3).unwrap(),
            available: 41,
        },
        EventData::OrderCancelled {
            order_id: OrderId::at(at),
            user_id: UserId::at(at),
            qty: Quantity::try_from(10).unwrap(),
            available: 1,
        },
        EventData::FollowCreated {
            user_id: UserId::at(at),
        },
        EventData::FollowRemoved {
            user_id: UserId::at(at),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_has_the_architecture_shape_and_round_trips() {
        let drop_id = DropId::new();
        let event = Event::new(
            EventData::StockLow {
                available: 3,
                threshold: 5,
            },
            CreatorId::new(),
            Some(drop_id),
            Utc::now(),
        );
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["type"], "stock.low");
        assert_eq!(json["payload"]["available"], 3);
        assert_eq!(json["dropId"], drop_id.to_string());
        assert!(
            json["occurredAt"].is_string()
                && json["creatorId"].is_string()
                && json["id"].is_string()
        );
        assert_eq!(serde_json::from_value::<Event>(json).unwrap(), event);
        assert_eq!(event.key(), drop_id.as_uuid());
    }

    #[test]
    fn kind_matches_the_serialized_type() {
        let user_id = UserId::new();
        let samples = [
            EventData::DropSoldOut {},
            EventData::FollowCreated { user_id },
            EventData::OrderConfirmed {
                order_id: OrderId::new(),
                user_id,
                qty: Quantity::ONE,
                available: 0,
            },
        ];
        for data in samples {
            let json = serde_json::to_value(&data).unwrap();
            assert_eq!(json["type"], data.kind());
        }
    }
}
