//! The [`Notifier`](crate::ports::Notifier) contract: idempotent delivery by event id,
//! follower notifications seen by exactly the users who followed before and still follow,
//! inboxes newest first and keyset-paginated, batches answered as one-by-one delivery,
//! and a drop's stock-state notices coalesced within their window.

use chrono::{DateTime, TimeDelta, Utc};

use super::fixtures::*;
use crate::domain::{Event, EventData, Notification, Recipient};
use crate::ids::{CreatorId, DropId, EventId, OrderId, UserId};
use crate::pagination::PageRequest;
use crate::ports::Ports;

/// `user`'s own `order.confirmed` notification, occurring at `at`.
pub(super) fn order_note(user: UserId, at: DateTime<Utc>) -> Notification {
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

/// A `drop.started` notification to `creator`'s followers, occurring at `at`.
pub(super) fn drop_note(creator: CreatorId, at: DateTime<Utc>) -> Notification {
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

/// Delivering one event twice stores it once: `true`, then `false` (also for the event
/// read back from its JSON, as the bus redelivers it), one inbox entry; it is in its
/// recipient's inbox only.
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
    // A redelivery from the bus is the event read back from its JSON: the same event.
    let carried: Event = serde_json::from_str(&serde_json::to_string(&note.event).unwrap())
        .expect("an event reads back from its JSON");
    let redelivered = Notification {
        recipient: note.recipient,
        event: carried,
    };
    assert!(
        !ports.notifier.deliver(&redelivered).await.unwrap(),
        "a redelivery read back from the bus is a no-op"
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

/// A user following many creators, whose notifications interleave (ties on `occurred_at`
/// included) and one of whom they followed only midway, pages through exactly the
/// newest-first merge at every page size: a backend that reads only the creators a page
/// can reach must not drop one that can.
pub async fn an_inbox_merges_many_creators_in_order_at_every_page_size(ports: &Ports) {
    let reader = user(&*ports.catalog).await;
    let base = now() - TimeDelta::hours(1);
    let mut expected = Vec::new();
    for c in 0..12_i64 {
        let star = seller(&*ports.catalog).await;
        // The last creator is followed midway: its older notifications are not the reader's.
        let followed_at = if c == 11 {
            base + TimeDelta::seconds(20)
        } else {
            base - TimeDelta::hours(1)
        };
        ports
            .follows
            .follow(reader.id, star.creator.id, followed_at)
            .await
            .unwrap();
        for n in 0..4_i64 {
            // Creators' notifications interleave; every third creator ties another's times.
            let at = base + TimeDelta::seconds((n * 12 + c) / if c % 3 == 0 { 2 } else { 1 });
            let note = drop_note(star.creator.id, at);
            ports.notifier.deliver(&note).await.unwrap();
            if at >= followed_at {
                expected.push(note);
            }
        }
    }
    for n in 0..3_i64 {
        let note = order_note(reader.id, base + TimeDelta::seconds(n * 17));
        ports.notifier.deliver(&note).await.unwrap();
        expected.push(note);
    }
    expected.sort_by_key(|n| std::cmp::Reverse((n.event.occurred_at, n.event.id)));
    for size in [1, 5, 7, 100] {
        let listed = collect_pages(limit(size), |page| ports.notifier.inbox(reader.id, page)).await;
        assert_eq!(listed, expected, "page size {size}");
    }
}

/// A stock-state notice of `drop`.
fn stock_note(
    creator: CreatorId,
    drop: DropId,
    data: EventData,
    at: DateTime<Utc>,
) -> Notification {
    Notification {
        recipient: Recipient::FollowersOf(creator),
        event: Event::new(data, creator, Some(drop), at),
    }
}

/// `deliver_all` answers what one-by-one delivery would: a duplicate within the batch and
/// one stored before are `false`, the rest `true`, and each lands in its own inbox.
pub async fn deliver_all_answers_as_one_by_one(ports: &Ports) {
    let (a, b) = (user(&*ports.catalog).await, user(&*ports.catalog).await);
    let t = now();
    let earlier = order_note(a.id, t - TimeDelta::seconds(3));
    assert!(ports.notifier.deliver(&earlier).await.unwrap());
    let (a1, b1, a2) = (
        order_note(a.id, t - TimeDelta::seconds(2)),
        order_note(b.id, t - TimeDelta::seconds(1)),
        order_note(a.id, t),
    );
    // Stock notices among them (coalescing with each other, not with the rest).
    let star = seller(&*ports.catalog).await;
    let drop = DropId::new();
    let notice = stock_note(star.creator.id, drop, EventData::DropSoldOut {}, t);
    let repeat = stock_note(star.creator.id, drop, EventData::DropSoldOut {}, t);
    let batch = [
        a1.clone(),
        notice,
        a1.clone(),
        b1.clone(),
        repeat,
        earlier.clone(),
        a2.clone(),
    ];
    assert_eq!(
        ports.notifier.deliver_all(&batch).await.unwrap(),
        vec![true, true, false, true, false, false, true]
    );
    assert_eq!(
        inbox_ids(ports, a.id).await,
        vec![a2.event.id, a1.event.id, earlier.event.id]
    );
    assert_eq!(inbox_ids(ports, b.id).await, vec![b1.event.id]);
    assert!(ports.notifier.deliver_all(&[]).await.unwrap().is_empty());
}

/// A drop's stock-state notice repeated within the window of a stored one of its kind is
/// not stored, in a batch or alone: an order/cancel cycle on the last unit leaves
/// followers one `drop.sold_out` and one `drop.restocked`, while another drop's, another
/// kind's and one a whole window later are stored.
pub async fn stock_notices_coalesce_within_their_window(ports: &Ports) {
    let star = seller(&*ports.catalog).await;
    let c = star.creator.id;
    let fan = user(&*ports.catalog).await;
    let t = now();
    ports
        .follows
        .follow(fan.id, c, t - TimeDelta::seconds(60))
        .await
        .unwrap();
    let (drop, other) = (DropId::new(), DropId::new());
    let at = |seconds: i64| t - TimeDelta::seconds(40) + TimeDelta::seconds(seconds);
    let sold = |seconds| stock_note(c, drop, EventData::DropSoldOut {}, at(seconds));
    let back = |seconds| {
        stock_note(
            c,
            drop,
            EventData::DropRestocked { available: 1 },
            at(seconds),
        )
    };
    let cycles = [sold(0), back(1), sold(2), back(3), sold(4)];
    assert_eq!(
        ports.notifier.deliver_all(&cycles).await.unwrap(),
        vec![true, true, false, false, false]
    );
    assert!(
        !ports.notifier.deliver(&back(5)).await.unwrap(),
        "alone too"
    );
    let low = stock_note(
        c,
        drop,
        EventData::StockLow {
            available: 1,
            threshold: 1,
        },
        at(6),
    );
    let elsewhere = stock_note(c, other, EventData::DropSoldOut {}, at(7));
    let later = sold(31);
    assert_eq!(
        ports
            .notifier
            .deliver_all(&[low.clone(), elsewhere.clone(), later.clone()])
            .await
            .unwrap(),
        vec![true, true, true]
    );
    assert_eq!(
        inbox_ids(ports, fan.id).await,
        vec![
            later.event.id,
            elsewhere.event.id,
            low.event.id,
            cycles[1].event.id,
            cycles[0].event.id
        ]
    );
}
