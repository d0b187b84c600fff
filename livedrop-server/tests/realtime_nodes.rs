//! Two server nodes over one store and one bus: an order placed through node A reaches
//! its buyer's stream on node B, through A's relay and B's own tail of the bus, within
//! 2 s of B reporting ready (no consumer group to join); and a stream cut on A resumes
//! exactly on B.
//!
//! On the memory backend, and with feature `kafka` on a Kafka broker
//! (`LIVEDROP_TEST_KAFKA_BROKERS`), each node with its own Kafka client.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(feature = "kafka")]
#[path = "../../livedrop-adapters/tests/support/mod.rs"]
mod backends;
mod support;

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use livedrop_adapters::memory::MemoryBackend;
use livedrop_core::domain::StockPlan;
use livedrop_core::ports::Ports;
use livedrop_server::AppState;
use livedrop_server::background::{Background, BackgroundConfig};
use serde_json::json;

use support::sse::Reader;
use support::{access_token, realtime_token, register_user, seed_drop, send, window_from};

/// How soon after node B reports ready an order through A must reach B's stream.
const DELIVERY: Duration = Duration::from_secs(2);
const QUIET: Duration = Duration::from_millis(500);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_an_order_through_node_a_reaches_its_buyer_on_node_b() {
    let ports = MemoryBackend::default().ports();
    orders_cross_nodes(ports.clone(), ports).await;
}

#[cfg(feature = "kafka")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kafka_an_order_through_node_a_reaches_its_buyer_on_node_b() {
    use livedrop_adapters::kafka::KafkaEventBus;
    use std::sync::Arc;
    let brokers = match backends::kafka::brokers().await {
        Ok(brokers) => brokers,
        Err(why) => return backends::missing("Kafka", &why),
    };
    let config = backends::kafka::config(brokers);
    let base = MemoryBackend::default().ports();
    let a = KafkaEventBus::new(config.clone()).await.unwrap();
    let b = KafkaEventBus::new(config).await.unwrap();
    orders_cross_nodes(
        Ports {
            bus: Arc::new(a),
            ..base.clone()
        },
        Ports {
            bus: Arc::new(b),
            ..base
        },
    )
    .await;
}

/// Node A runs the background loops (the relay publishes what its orders wrote); node B
/// only serves. The buyer streams from B.
async fn orders_cross_nodes(a: Ports, b: Ports) {
    let node_a = AppState::new(a);
    let base_a = support::serve(node_a.clone()).await;
    let _loops = Background::spawn(&node_a, BackgroundConfig::default());
    let (_owner, drop) = seed_drop(
        &node_a,
        window_from(Utc::now() - TimeDelta::minutes(1)),
        StockPlan::new(10, 1, None).unwrap(),
    )
    .await;
    let buyer = register_user(&node_a).await;

    let node_b = AppState::new(b);
    let base_b = support::serve(node_b.clone()).await;
    let ready = reqwest::get(format!("{base_b}/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200, "serving means reading the bus");
    let ready_at = tokio::time::Instant::now();
    let token = realtime_token(&node_b, buyer).await;
    let mut on_b = Reader::open(&format!("{base_b}/api/realtime/events?token={token}")).await;

    let http = reqwest::Client::new();
    let placed = send(
        http.post(format!("{base_a}/orders"))
            .bearer_auth(access_token(&node_a, buyer))
            .header("idempotency-key", "cross-node-1")
            .json(&json!({ "dropId": drop.id, "qty": 1 })),
    )
    .await;
    assert_eq!(placed.status, 201, "{placed:?}");
    let got = on_b
        .next(DELIVERY.saturating_sub(ready_at.elapsed()))
        .await
        .expect("the order's event on node B within 2 s of B being ready");
    assert_eq!(got.event, "order.confirmed");
    assert_eq!(got.json()["payload"]["orderId"], placed.body["id"]);
    std::mem::drop(on_b);

    // Cut from B, the buyer resumes on A from B's id: exactly what was missed.
    let second = send(
        http.post(format!("{base_a}/orders"))
            .bearer_auth(access_token(&node_a, buyer))
            .header("idempotency-key", "cross-node-2")
            .json(&json!({ "dropId": drop.id, "qty": 1 })),
    )
    .await;
    assert_eq!(second.status, 201, "{second:?}");
    let token = realtime_token(&node_a, buyer).await;
    let mut on_a = Reader::connect(
        &format!("{base_a}/api/realtime/events?token={token}"),
        Some(&got.id),
    )
    .await;
    let missed = on_a.drain(QUIET).await;
    let orders: Vec<_> = missed
        .iter()
        .map(|m| (m.event.as_str(), m.json()["payload"]["orderId"].clone()))
        .collect();
    assert_eq!(orders, [("order.confirmed", second.body["id"].clone())]);
}
