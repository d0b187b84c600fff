//! The [`Notifier`](crate::ports::Notifier) contract: idempotent delivery by event id,
//! follower notifications seen by exactly the users who followed before and still follow,
//! inboxes newest first and keyset-paginated.

use chrono::{DateTime, TimeDelta, Utc};

use super::fixtures::*;
use crate::domain::{Event, EventData, Notification, Recipient};
use crate::ids::{CreatorId, DropId, EventId, OrderId, UserId};
use crate::pagination::PageRequest;
use crate::ports::Ports;

fn order_note(user: UserId, at: DateTime<Utc>) -> Notification {
    let event = Event::new(
        EventData::OrderConfirmed {
            order_id: OrderId::new(),
            user_id: user,
            qty: qty(1),
            available: 3,
        },
        CreatorId::new(),
        Some(DropId::new()),
        at,
    );
    Notification {
        recipient: Recipient::User(user),
        event,
    }
}

fn drop_note(creator: CreatorId, at: DateTime<Utc>) -> Notification {
    let event = Event::new(
        EventData::DropStarted { available: 10 },
        creator,
        Some(DropId::new()),
        at,
    );
    Notification {
        recipient: Recipient::FollowersOf(creator),
        event,
    }
}

async fn inbox_ids(ports: &Ports, user: UserId) -> Vec<EventId> {
    collect_pages(limit(100), |page| ports.notifier.inbox(user, page))
        .await
        .into_iter()
        .map(|n| n.event.id)
        .collect()
}

/// Delivering one event twice stores it once: `true`, then `false`, one inbox entry; it is
/// in its recipient's inbox only.
pub async fn deliver_is_idempotent_by_event_id(ports: &Ports) {
    let (buyer, other) = (user(&*ports.catalog).await, user(&*ports.catalog).await);
    let note = order_note(buyer.id, now());
    assert!(
        ports.notifier.deliver(&note).await.unwrap(),
        "first delivery stores"
    );
    assert!(
        !ports.notifier.deliver(&note).await.unwrap(),
        "second delivery is a no-op"
    );
    let inbox = ports
        .notifier
        .inbox(buyer.id, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(inbox.items, vec![note.clone()]);
    assert!(
        inbox_ids(ports, other.id).await.is_empty(),
        "not someone else's"
    );
}

/// A followers' notification reaches users who followed before it occurred and still do,
/// and nobody else: not strangers, not later followers, not users who unfollowed.
pub async fn followers_see_what_happened_while_they_followed(ports: &Ports) {
    let star = seller(&*ports.catalog).await;
    let c = star.creator.id;
    let t = now();
    let fans = users(&*ports.catalog, 3).await;
    let (stranger, latecomer, leaver) = (
        user(&*ports.catalog).await,
        user(&*ports.catalog).await,
        user(&*ports.catalog).await,
    );
    for fan in fans.iter().chain([&leaver]) {
        ports
            .follows
            .follow(fan.id, c, t - TimeDelta::seconds(10))
            .await
            .unwrap();
    }
    let note = drop_note(c, t - TimeDelta::seconds(5));
    assert!(ports.notifier.deliver(&note).await.unwrap());
    assert!(
        !ports.notifier.deliver(&note).await.unwrap(),
        "stored once, not per follower"
    );
    ports.follows.follow(latecomer.id, c, t).await.unwrap();
    ports.follows.unfollow(leaver.id, c, t).await.unwrap();

    for fan in &fans {
        let inbox = ports
            .notifier
            .inbox(fan.id, PageRequest::default())
            .await
            .unwrap();
        assert_eq!(inbox.items, vec![note.clone()], "a follower's inbox");
    }
    for (who, outsider) in [
        ("stranger", &stranger),
        ("later follower", &latecomer),
        ("unfollower", &leaver),
    ] {
        assert!(
            inbox_ids(ports, outsider.id).await.is_empty(),
            "{who} must not see it"
        );
    }
    let other_star = seller(&*ports.catalog).await;
    let elsewhere = drop_note(other_star.creator.id, t - TimeDelta::seconds(5));
    ports.notifier.deliver(&elsewhere).await.unwrap();
    assert_eq!(
        inbox_ids(ports, fans[0].id).await,
        vec![note.event.id],
        "only creators they follow"
    );
}

/// An inbox mixes own and followed notifications newest first by `(occurred_at, event id)`,
/// each exactly once across pages.
pub async fn inbox_is_newest_first_and_paginated(ports: &Ports) {
    let star = seller(&*ports.catalog).await;
    let reader = user(&*ports.catalog).await;
    let base = now() - TimeDelta::hours(1);
    ports
        .follows
        .follow(reader.id, star.creator.id, base - TimeDelta::hours(1))
        .await
        .unwrap();
    let mut expected = Vec::new();
    for (i, offset) in [5, 1, 3, 3, 0, 7, 2, 7].into_iter().enumerate() {
        let at = base + TimeDelta::seconds(offset);
        let note = if i % 2 == 0 {
            order_note(reader.id, at)
        } else {
            drop_note(star.creator.id, at)
        };
        ports.notifier.deliver(&note).await.unwrap();
        expected.push(note);
    }
    expected.sort_by_key(|n| std::cmp::Reverse((n.event.occurred_at, n.event.id)));
    for size in [1, 3, 100] {
        let listed = collect_pages(limit(size), |page| ports.notifier.inbox(reader.id, page)).await;
        assert_eq!(listed, expected, "page size {size}");
    }
}
