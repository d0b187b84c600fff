//! Notifications: which events reach which users.

use serde::{Deserialize, Serialize};

use super::{Event, EventData};
use crate::ids::{CreatorId, UserId};

/// Who a notification is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Recipient {
    /// One user (their own orders).
    User(UserId),
    /// Everyone following a creator. Stored once and fanned out when read, so a celebrity's
    /// drop costs one write, not one per follower.
    FollowersOf(CreatorId),
}

/// An event addressed to users. Its id is the event's id, so delivery is idempotent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    /// Who should see it.
    pub recipient: Recipient,
    /// What happened.
    pub event: Event,
}

impl Notification {
    /// The notification an event causes, if users are told about it: followers hear of
    /// `drop.started`, `stock.low`, `drop.sold_out` and `drop.restocked`; a buyer of their own
    /// `order.confirmed` and `order.cancelled`.
    pub fn for_event(event: &Event) -> Option<Self> {
        let recipient = match &event.data {
            EventData::DropStarted { .. }
            | EventData::StockLow { .. }
            | EventData::DropSoldOut {}
            | EventData::DropRestocked { .. } => Recipient::FollowersOf(event.creator_id),
            EventData::OrderConfirmed { user_id, .. }
            | EventData::OrderCancelled { user_id, .. } => Recipient::User(*user_id),
            _ => return None,
        };
        Some(Self {
            recipient,
            event: event.clone(),
        })
    }
}
