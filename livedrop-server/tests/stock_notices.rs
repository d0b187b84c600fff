//! A buyer cycling an order and its cancellation on a drop's last unit: the drop's stock
//! stays exact at every step, every event reaches the consumers, and each follower's inbox
//! gets at most one `drop.sold_out` and one `drop.restocked` for it (stock-state notices
//! are coalesced), while the buyer's own notifications all arrive. On memory and, with
//! features `postgres` and `kafka`, on PostgreSQL plus a Kafka broker.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(all(feature = "postgres", feature = "kafka"))]
#[path = "../../livedrop-adapters/tests/support/mod.rs"]
mod backends;
mod support;

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use livedrop_adapters::memory::MemoryBackend;
use livedrop_core::domain::{DropStatus, IdempotencyKey, Notification, Quantity, StockPlan};
use livedrop_core::ids::UserId;
use livedrop_core::pagination::{Limit, PageRequest};
use livedrop_core::ports::Ports;
use livedrop_server::AppState;
use livedrop_server::background::{Background, BackgroundConfig};

use support::{register_user, seed_drop, window_from};

const CYCLES: usize = 100;
const PATIENCE: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_order_cancel_cycles_notify_followers_at_most_twice() {
    order_cancel_cycles_notify_followers_at_most_twice(MemoryBackend::default().ports()).await;
}

#[cfg(all(feature = "postgres", feature = "kafka"))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_and_kafka_order_cancel_cycles_notify_followers_at_most_twice() {
    use livedrop_adapters::postgres::LedgerMode;
    let Some(pg) = backends::postgres::backend(LedgerMode::default()).await else {
        return;
    };
    let Some(bus) = backends::kafka::bus().await else {
        return;
    };
    let ports = pg.ports(backends::postgres::base());
    order_cancel_cycles_notify_followers_at_most_twice(Ports {
        bus: std::sync::Arc::new(bus),
        ..ports
    })
    .await;
}

/// Every notification in `user`'s inbox.
async fn inbox(state: &AppState, user: UserId) -> Vec<Notification> {
    let limit = Limit::try_from(100).unwrap();
    let mut all = Vec::new();
    let mut page = PageRequest::first(limit);
    loop {
        let got = state.inbox().inbox(user, page).await.unwrap();
        all.extend(got.items);
        match got.next_cursor {
            Some(next) => page = PageRequest::after(next, limit),
            None => return all,
        }
    }
}

async fn order_cancel_cycles_notify_followers_at_most_twice(ports: Ports) {
    let state = AppState::new(ports);
    let background = Background::spawn(
        &state,
        BackgroundConfig {
            scheduler_every: Duration::from_millis(20),
            ..BackgroundConfig::default()
        },
    );
    // Two units, low at one: a first buyer takes one (`stock.low`), the cycles the last.
    let plan = StockPlan::new(2, 1, None).unwrap();
    let start = Utc::now() + TimeDelta::milliseconds(300);
    let (_, drop) = seed_drop(&state, window_from(start), plan).await;
    let (follower, buyer) = (register_user(&state).await, register_user(&state).await);
    state
        .follows()
        .follow(follower, drop.creator_id)
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while state
        .catalog()
        .drop_with_stock(drop.id)
        .await
        .unwrap()
        .1
        .status
        != DropStatus::Live
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the drop never started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let first = state
        .orders()
        .place_order(
            register_user(&state).await,
            IdempotencyKey::try_from("first").unwrap(),
            drop.id,
            Quantity::ONE,
        )
        .await
        .unwrap();
    assert!(first.outcome.is_ok());
    let cycles_from = Utc::now();
    for cycle in 0..CYCLES {
        let key = IdempotencyKey::try_from(format!("cycle-{cycle}")).unwrap();
        let receipt = state
            .orders()
            .place_order(buyer, key, drop.id, Quantity::ONE)
            .await
            .unwrap();
        let order = receipt.outcome.expect("the last unit is free again");
        let (_, stock) = state.catalog().drop_with_stock(drop.id).await.unwrap();
        assert_eq!(
            (stock.available, stock.status),
            (0, DropStatus::SoldOut),
            "cycle {cycle}: sold"
        );
        let cancelled = state.orders().cancel_order(buyer, order.id).await.unwrap();
        assert!(cancelled.changed);
        let (_, stock) = state.catalog().drop_with_stock(drop.id).await.unwrap();
        assert_eq!(
            (stock.available, stock.status),
            (1, DropStatus::Live),
            "cycle {cycle}: back on sale"
        );
    }

    // The buyer's own notifications are never coalesced: all of them arriving means the
    // inbox writer has handled every event of the cycles.
    let mine = 2 * CYCLES;
    loop {
        let got = inbox(&state, buyer).await.len();
        if got >= mine {
            assert_eq!(got, mine, "one notification per order event");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {got} of the buyer's {mine} notifications"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let notices: Vec<&str> = inbox(&state, follower)
        .await
        .iter()
        .filter(|n| {
            n.event.drop_id == Some(drop.id)
                && n.coalesce_key().is_some()
                && n.event.occurred_at >= cycles_from
        })
        .map(|n| n.event.kind())
        .collect();
    assert!(
        notices.len() <= 2,
        "{} stock notices for {CYCLES} cycles: {notices:?}",
        notices.len()
    );
    assert_eq!(
        notices.iter().filter(|k| **k == "drop.sold_out").count(),
        1,
        "{notices:?}"
    );
    assert_eq!(
        notices.iter().filter(|k| **k == "drop.restocked").count(),
        1,
        "{notices:?}"
    );
    background.stop().await;
}
