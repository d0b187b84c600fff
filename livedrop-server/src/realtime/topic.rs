//! [`Topic`]: what a stream subscribes to, and which topic an event is for.

use livedrop_core::domain::{Event, Notification, Recipient};
use livedrop_core::ids::{CreatorId, DropId, UserId};

/// A channel of the hub. A user's stream subscribes to its own `User` topic and to the
/// `Creator` topic of every creator it follows; a drop's public stream to its `Drop`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Topic {
    /// `user:<id>`: the user's own orders.
    User(UserId),
    /// `creator:<id>`: a creator's drops starting, running low, selling out, restocking.
    Creator(CreatorId),
    /// `drop:<id>`: a drop's status and live stock, for anyone.
    Drop(DropId),
}

impl Topic {
    /// The user-stream topic `event` is published on: the one its notification is
    /// addressed to, so a stream tells exactly what the inbox stores. `None` for events
    /// users are not told about.
    pub fn of(event: &Event) -> Option<Topic> {
        Notification::for_event(event).map(|notification| match notification.recipient {
            Recipient::User(user) => Topic::User(user),
            Recipient::FollowersOf(creator) => Topic::Creator(creator),
        })
    }

    /// A stable number for picking a shard.
    pub fn shard_key(&self) -> u64 {
        let uuid = match self {
            Topic::User(id) => id.as_uuid(),
            Topic::Creator(id) => id.as_uuid(),
            Topic::Drop(id) => id.as_uuid(),
        };
        // UUID v7's low bits are random: a fine spread without hashing.
        uuid.as_u64_pair().1
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use livedrop_core::domain::{EventData, Quantity};
    use livedrop_core::ids::OrderId;

    use super::*;

    #[test]
    fn orders_go_to_their_buyer_and_drop_news_to_followers() {
        let (creator, drop, buyer) = (CreatorId::new(), DropId::new(), UserId::new());
        let started = Event::new(
            EventData::DropStarted { available: 5 },
            creator,
            Some(drop),
            Utc::now(),
        );
        assert_eq!(Topic::of(&started), Some(Topic::Creator(creator)));
        let order = Event::new(
            EventData::OrderConfirmed {
                order_id: OrderId::new(),
                user_id: buyer,
                qty: Quantity::ONE,
                available: 4,
            },
            creator,
            Some(drop),
            Utc::now(),
        );
        assert_eq!(Topic::of(&order), Some(Topic::User(buyer)));
        let follow = Event::new(
            EventData::FollowCreated { user_id: buyer },
            creator,
            None,
            Utc::now(),
        );
        assert_eq!(Topic::of(&follow), None);
    }
}
