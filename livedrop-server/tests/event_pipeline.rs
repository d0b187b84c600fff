//! The event pipeline end to end, with the server's own background loops: orders append
//! events to the outbox, the relay publishes them on the bus, and the two consumers (the
//! inbox writer and the cache invalidator) apply them.
//!
//! The same scenario runs on the memory backend and, with features `postgres` and
//! `kafka`, on PostgreSQL plus a Kafka broker (`LIVEDROP_TEST_DATABASE_URL`,
//! `LIVEDROP_TEST_KAFKA_BROKERS`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(all(feature = "postgres", feature = "kafka"))]
#[path = "../../livedrop-adapters/tests/support/mod.rs"]
mod backends;
mod support;

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use livedrop_adapters::memory::{MemoryBackend, MemoryConfig};
use livedrop_core::domain::{
    Drop, DropStatus, Event, EventData, IdempotencyKey, Notification, Quantity, StockPlan,
};
use livedrop_core::ids::{EventId, OrderId, UserId};
use livedrop_core::pagination::{Limit, Page, PageRequest};
use livedrop_core::ports::{EventSubscription, Ports, cache_keys};
use livedrop_server::AppState;
use livedrop_server::background::{Background, BackgroundConfig};

use support::{register_user, seed_drop, window_from};

const STOCK: i64 = 20;
const LOW_AT: i64 = 5;
const BUYERS: usize = 25;
const PATIENCE: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_orders_reach_consumers_and_apply_once() {
    let backend = MemoryBackend::new(MemoryConfig::default());
    orders_reach_consumers_and_apply_once(backend.ports()).await;
}

#[cfg(all(feature = "postgres", feature = "kafka"))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_and_kafka_orders_reach_consumers_and_apply_once() {
    use livedrop_adapters::postgres::LedgerMode;
    let Some(pg) = backends::postgres::backend(LedgerMode::default()).await else {
        return;
    };
    let Some(bus) = backends::kafka::bus().await else {
        return;
    };
    orders_reach_consumers_and_apply_once(Ports {
        bus: std::sync::Arc::new(bus),
        ..pg.ports(backends::postgres::base())
    })
    .await;
}

/// A drop sells out to concurrent buyers (some retrying their order): the bus carries
/// `drop.started`, one `order.confirmed` per order, exactly one `stock.low` and exactly one
/// `drop.sold_out`; followers and buyers are notified once each, also after every event
/// was delivered a second time; the live-drops read model no longer lists the drop.
pub async fn orders_reach_consumers_and_apply_once(ports: Ports) {
    let state = AppState::new(ports.clone());
    // An independent group sees what the bus carried, without taking events from the
    // consumers under test.
    let mut watcher = ports
        .bus
        .subscribe(&format!("test-watcher-{}", UserId::new()))
        .await
        .unwrap();
    let background = Background::spawn(
        &state,
        BackgroundConfig {
            scheduler_every: Duration::from_millis(20),
            ..BackgroundConfig::default()
        },
    );

    let plan = StockPlan::new(STOCK, LOW_AT, None).unwrap();
    let start = Utc::now() + TimeDelta::milliseconds(300);
    let (_, drop) = seed_drop(&state, window_from(start), plan).await;
    let follower = register_user(&state).await;
    state
        .follows()
        .follow(follower, drop.creator_id)
        .await
        .unwrap();
    eventually("the scheduler starts the drop", || async {
        let stock = state.ports().ledger.stock(drop.id).await.unwrap();
        (stock.status == DropStatus::Live).then_some(())
    })
    .await;

    // Browsing live drops now caches the list with the drop in it; only the database
    // updater can take it out before the TTL (30 s) runs out.
    let browse_live = || {
        state
            .browse()
            .drops(DropStatus::Live, PageRequest::default())
    };
    eventually("browsing lists the live drop", || async {
        let live = browse_live().await.unwrap();
        live.items.iter().any(|d| d.id == drop.id).then_some(())
    })
    .await;

    let confirmed = buy_everything(&state, &drop).await;
    assert_eq!(confirmed.len() as i64, STOCK, "every unit sold, none twice");

    // What the bus carried for this drop, by kind: everything up to a marker published
    // now on the drop's key (so its partition, behind every event of the drop), so a
    // second `stock.low` or `drop.sold_out` would be counted too.
    let mut carried = watch_until(&mut *watcher, &drop, &confirmed).await;
    let end = Event::new(
        EventData::FollowCreated {
            user_id: UserId::new(),
        },
        drop.creator_id,
        Some(drop.id),
        Utc::now(),
    );
    state
        .ports()
        .bus
        .publish(std::slice::from_ref(&end))
        .await
        .unwrap();
    read_to(&mut *watcher, &end, &mut carried).await;
    carried.remove(&end.id);
    let count = |kind: &str| carried.values().filter(|e| e.kind() == kind).count();
    assert_eq!(count("drop.started"), 1);
    assert_eq!(count("stock.low"), 1, "stock.low once, at the threshold");
    assert_eq!(count("drop.sold_out"), 1);
    assert_eq!(count("order.confirmed"), confirmed.len());

    let follower_kinds = ["drop.started", "stock.low", "drop.sold_out"];
    eventually("followers and buyers are notified", || async {
        let inbox = inbox(&state, follower).await;
        let followers_told = follower_kinds
            .iter()
            .all(|kind| inbox.iter().any(|n| n.event.kind() == *kind));
        let mut buyers_told = true;
        for buyer in confirmed.values() {
            buyers_told &= !inbox_of_kind(&state, *buyer, "order.confirmed")
                .await
                .is_empty();
        }
        (followers_told && buyers_told).then_some(())
    })
    .await;
    assert_notified_once(&state, follower, &follower_kinds, &confirmed).await;

    // Deliver everything again, as a relay whose acknowledgement got lost would, then a
    // marker on the same key (so the same partition, behind the duplicates).
    let again: Vec<Event> = carried.values().cloned().collect();
    state.ports().bus.publish(&again).await.unwrap();
    let marker_buyer = UserId::new();
    let marker = Event::new(
        EventData::OrderConfirmed {
            order_id: OrderId::new(),
            user_id: marker_buyer,
            qty: Quantity::try_from(1).unwrap(),
            available: 0,
        },
        drop.creator_id,
        Some(drop.id),
        Utc::now(),
    );
    state.ports().bus.publish(&[marker]).await.unwrap();
    eventually("the notification consumer reaches the marker", || async {
        (!inbox_of_kind(&state, marker_buyer, "order.confirmed")
            .await
            .is_empty())
        .then_some(())
    })
    .await;
    assert_notified_once(&state, follower, &follower_kinds, &confirmed).await;

    // The cache invalidator rebuilt the live-drops read model after the sell-out.
    eventually(
        "the live-drops read model drops the sold-out drop",
        || async {
            let cached = state
                .ports()
                .cache
                .get(&cache_keys::live_drops())
                .await
                .unwrap()?;
            let page: Page<Drop> = serde_json::from_slice(&cached).unwrap();
            page.items.iter().all(|d| d.id != drop.id).then_some(())
        },
    )
    .await;
    let live = browse_live().await.unwrap();
    assert!(
        live.items.iter().all(|d| d.id != drop.id),
        "browsing follows"
    );

    tokio::time::timeout(Duration::from_secs(10), background.stop())
        .await
        .expect("the background loops stop");
}

/// `BUYERS` buyers order one unit each, concurrently, and each retries once with the same
/// key; returns the confirmed orders and their buyers.
async fn buy_everything(state: &AppState, drop: &Drop) -> HashMap<OrderId, UserId> {
    let mut buyers = Vec::new();
    for _ in 0..BUYERS {
        buyers.push(register_user(state).await);
    }
    let orders = buyers.into_iter().map(|buyer| {
        let (state, drop_id) = (state.clone(), drop.id);
        tokio::spawn(async move {
            let key = IdempotencyKey::try_from(format!("order-{buyer}").as_str()).unwrap();
            let qty = Quantity::try_from(1).unwrap();
            let first = state
                .orders()
                .place_order(buyer, key.clone(), drop_id, qty)
                .await
                .unwrap();
            let retry = state
                .orders()
                .place_order(buyer, key, drop_id, qty)
                .await
                .unwrap();
            assert_eq!(retry.outcome, first.outcome, "a retry replays the answer");
            first.outcome.ok().map(|order| (order.id, buyer))
        })
    });
    let mut confirmed = HashMap::new();
    for order in orders.collect::<Vec<_>>() {
        if let Some((id, buyer)) = order.await.unwrap() {
            confirmed.insert(id, buyer);
        }
    }
    confirmed
}

/// Reads `watcher` until the bus has carried the drop's start, its sell-out and every
/// confirmed order; returns the drop's events by id (duplicates folded).
async fn watch_until(
    watcher: &mut dyn EventSubscription,
    drop: &Drop,
    confirmed: &HashMap<OrderId, UserId>,
) -> HashMap<EventId, Event> {
    let mut carried = HashMap::new();
    let mut orders_seen = HashSet::new();
    let mut ends_seen = HashSet::new();
    while orders_seen.len() < confirmed.len() || ends_seen.len() < 2 {
        let delivery = tokio::time::timeout(PATIENCE, watcher.next())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "the bus carried {} of {} orders and {ends_seen:?} within {PATIENCE:?}",
                    orders_seen.len(),
                    confirmed.len()
                )
            })
            .unwrap();
        watcher.commit(&delivery).await.unwrap();
        let event = delivery.event;
        if event.drop_id != Some(drop.id) {
            continue;
        }
        match &event.data {
            EventData::OrderConfirmed { order_id, .. } => {
                assert!(confirmed.contains_key(order_id), "an order nobody placed");
                orders_seen.insert(*order_id);
            }
            EventData::DropStarted { .. } | EventData::DropSoldOut {} => {
                ends_seen.insert(event.kind());
            }
            _ => {}
        }
        carried.insert(event.id, event);
    }
    carried
}

/// Reads `watcher` until `marker` arrives, adding the events of the marker's drop to
/// `carried`.
async fn read_to(
    watcher: &mut dyn EventSubscription,
    marker: &Event,
    carried: &mut HashMap<EventId, Event>,
) {
    loop {
        let delivery = tokio::time::timeout(PATIENCE, watcher.next())
            .await
            .expect("the marker arrives")
            .unwrap();
        watcher.commit(&delivery).await.unwrap();
        let event = delivery.event;
        let done = event.id == marker.id;
        if event.drop_id == marker.drop_id {
            carried.insert(event.id, event);
        }
        if done {
            return;
        }
    }
}

/// The follower's inbox holds each of `kinds` once; each buyer's holds its order once.
async fn assert_notified_once(
    state: &AppState,
    follower: UserId,
    kinds: &[&str],
    confirmed: &HashMap<OrderId, UserId>,
) {
    let inbox = inbox(state, follower).await;
    for kind in kinds {
        let told = inbox.iter().filter(|n| n.event.kind() == *kind).count();
        assert_eq!(told, 1, "the follower was told of {kind} {told} times");
    }
    for (order, buyer) in confirmed {
        let told = inbox_of_kind(state, *buyer, "order.confirmed").await;
        assert_eq!(told.len(), 1, "buyer of {order} told {} times", told.len());
        assert!(
            matches!(told[0].event.data, EventData::OrderConfirmed { order_id, .. } if order_id == *order)
        );
    }
}

/// A user's whole inbox (the test's inboxes fit one page).
async fn inbox(state: &AppState, user: UserId) -> Vec<Notification> {
    let page = PageRequest::first(Limit::try_from(100).unwrap());
    let page = state.ports().notifier.inbox(user, page).await.unwrap();
    assert!(page.next_cursor.is_none(), "the inbox outgrew one page");
    page.items
}

async fn inbox_of_kind(state: &AppState, user: UserId, kind: &str) -> Vec<Notification> {
    let mut inbox = inbox(state, user).await;
    inbox.retain(|n| n.event.kind() == kind);
    inbox
}

/// Polls `check` until it returns `Some`, failing the test after [`PATIENCE`].
async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if let Some(done) = check().await {
            return done;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: not within {PATIENCE:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
