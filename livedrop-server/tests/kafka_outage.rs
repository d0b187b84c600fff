//! A Kafka outage under load, on PostgreSQL: the test starts a broker of its own, stops it
//! while orders keep coming and starts it again. Orders must all succeed, their events
//! must wait in the outbox meanwhile, and afterwards every event must reach a consumer
//! group (ids compared), with the server's own relay doing the work.
#![cfg(all(feature = "postgres", feature = "kafka"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../livedrop-adapters/tests/support/mod.rs"]
mod backends;
mod support;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use livedrop_adapters::kafka::KafkaEventBus;
use livedrop_adapters::postgres::LedgerMode;
use livedrop_core::domain::{DropStatus, EventData, IdempotencyKey, Quantity, StockPlan};
use livedrop_core::ids::{DropId, OrderId, UserId};
use livedrop_core::ports::Ports;
use livedrop_server::AppState;
use livedrop_server::background::{Background, BackgroundConfig, RetryPolicy};
use tokio::task::JoinHandle;

use backends::tansu::Tansu;
use support::{register_user, seed_drop, window_from};

/// Each phase of the load (before, during and after the outage).
const PHASE: Duration = Duration::from_secs(3);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_wait_out_a_broker_outage_and_all_arrive() {
    // The relay's and consumers' logs tell a failure's story (nextest shows them then).
    let _ = livedrop_server::telemetry::init();
    let Some(broker) = Tansu::start() else { return };
    let Some(pg) = backends::postgres::backend(LedgerMode::default()).await else {
        return;
    };
    let mut config = backends::kafka::config(broker.brokers());
    // Fail fast while the broker is stopped, so the relay's retries are exercised.
    config.delivery_timeout = Duration::from_secs(2);
    config.request_timeout = Duration::from_secs(2);
    let bus = KafkaEventBus::new(config).await.expect("the test's broker");
    let ports = Ports {
        bus: Arc::new(bus),
        ..pg.ports(backends::postgres::base())
    };
    let state = AppState::new(ports.clone());
    let mut watcher = ports.bus.subscribe("outage-watcher").await.unwrap();
    let background = Background::spawn(
        &state,
        BackgroundConfig {
            scheduler_every: Duration::from_millis(20),
            retry: RetryPolicy {
                min: Duration::from_millis(50),
                max: Duration::from_millis(500),
            },
            ..BackgroundConfig::default()
        },
    );
    let plan = StockPlan::new(1_000_000, 0, None).unwrap();
    let (_, drop) = seed_drop(
        &state,
        window_from(Utc::now() + TimeDelta::milliseconds(200)),
        plan,
    )
    .await;
    while state.ports().ledger.stock(drop.id).await.unwrap().status != DropStatus::Live {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let running = Arc::new(AtomicBool::new(true));
    let load = spawn_load(&state, drop.id, running.clone()).await;
    tokio::time::sleep(PHASE).await;
    broker.pause();
    tokio::time::sleep(PHASE).await;
    let waiting = state.relay().lag().await.unwrap();
    broker.resume();
    tokio::time::sleep(PHASE).await;
    running.store(false, Ordering::SeqCst);
    let mut confirmed = HashSet::new();
    for buyer in load {
        confirmed.extend(buyer.await.unwrap());
    }
    assert!(
        waiting.pending > 0 && waiting.oldest.is_some(),
        "events waited in the outbox during the outage: {waiting:?}"
    );

    // Every confirmed order's event reaches the group, however often it was tried.
    let mut seen = HashSet::new();
    while !confirmed.is_subset(&seen) {
        let delivery = tokio::time::timeout(Duration::from_secs(60), watcher.next())
            .await
            .unwrap_or_else(|_| {
                let missing = confirmed.difference(&seen).count();
                panic!("{missing} of {} events never arrived", confirmed.len())
            })
            .unwrap();
        watcher.commit(&delivery).await.unwrap();
        if let EventData::OrderConfirmed { order_id, .. } = delivery.event.data {
            seen.insert(order_id);
        }
    }
    assert!(
        seen.is_subset(&confirmed),
        "an event for an order that was not confirmed"
    );
    let after = state.relay().lag().await.unwrap();
    assert_eq!(after.pending, 0, "the outbox drained: {after:?}");
    eprintln!(
        "{} orders, {} events waiting at the outage's end, all delivered",
        confirmed.len(),
        waiting.pending
    );
    tokio::time::timeout(Duration::from_secs(10), background.stop())
        .await
        .expect("the background loops stop");
}

/// Eight buyers ordering back to back until `running` turns false; each task returns the
/// orders it got confirmed. A failed order fails the test: the outage must not reach the
/// order path.
async fn spawn_load(
    state: &AppState,
    drop_id: DropId,
    running: Arc<AtomicBool>,
) -> Vec<JoinHandle<Vec<OrderId>>> {
    let mut buyers = Vec::new();
    for _ in 0..8 {
        let buyer: UserId = register_user(state).await;
        let (state, running) = (state.clone(), running.clone());
        buyers.push(tokio::spawn(async move {
            let mut confirmed = Vec::new();
            let qty = Quantity::try_from(1).unwrap();
            while running.load(Ordering::SeqCst) {
                let key =
                    IdempotencyKey::try_from(uuid::Uuid::new_v4().to_string().as_str()).unwrap();
                let receipt = state
                    .orders()
                    .place_order(buyer, key, drop_id, qty)
                    .await
                    .expect("orders succeed during the outage");
                confirmed.push(receipt.outcome.expect("stock is plentiful").id);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            confirmed
        }));
    }
    buyers
}
