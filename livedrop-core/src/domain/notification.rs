//! Notifications: which events reach which users.

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use super::{Event, EventData};
use crate::ids::{CreatorId, DropId, UserId};

/// How long a drop's stock-state notice (`stock.low`, `drop.sold_out`, `drop.restocked`)
/// stands for repeats of itself: within this window of one, another of the same drop and
/// type reaches no inbox. A buyer cycling an order and its cancellation on a drop's last
/// unit would otherwise fill every follower's inbox; the events themselves (and the live
/// stock figure they carry) still reach every consumer and stream.
pub const STOCK_NOTICE_WINDOW: TimeDelta = TimeDelta::seconds(30);

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

    /// For a drop's stock-state notice, what repeats of it share: the drop and the event
    /// type (see [`STOCK_NOTICE_WINDOW`]); `None` for every other notification, which is
    /// always stored.
    pub fn coalesce_key(&self) -> Option<(DropId, &'static str)> {
        match self.event.data {
            EventData::StockLow { .. }
            | EventData::DropSoldOut {}
            | EventData::DropRestocked { .. } => Some((self.event.drop_id?, self.event.kind())),
            _ => None,
        }
    }
}
