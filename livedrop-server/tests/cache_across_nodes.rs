//! Two server nodes over one store and one bus, each with a read cache of its own: an edit
//! through node A is visible through node B within a second, not after the entry's TTL
//! (five minutes for a creator). The invalidators' consumer group runs on A alone (it
//! hands each event to one instance); B forgets its own copies from its tail of the bus.
//!
//! On the memory bus, and with feature `kafka` on a Kafka broker
//! (`LIVEDROP_TEST_KAFKA_BROKERS`), each node with its own Kafka client.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(feature = "kafka")]
#[path = "../../livedrop-adapters/tests/support/mod.rs"]
mod backends;
mod support;

use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use livedrop_adapters::memory::MemoryBackend;
use livedrop_core::domain::{DisplayName, Handle, StockPlan};
use livedrop_core::ports::Ports;
use livedrop_server::AppState;
use livedrop_server::background::{Background, BackgroundConfig};

use support::{seed_drop, window_from};

/// The invalidation latency the nodes must stay within.
const VISIBLE_WITHIN: Duration = Duration::from_secs(1);

/// The ports of two nodes: shared but for the cache, which each keeps in its own process.
fn two_nodes(shared: Ports) -> (Ports, Ports) {
    let own_cache = || MemoryBackend::default().ports().cache;
    let a = Ports {
        cache: own_cache(),
        ..shared.clone()
    };
    let b = Ports {
        cache: own_cache(),
        ..shared
    };
    (a, b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_an_edit_through_node_a_shows_through_node_b_within_a_second() {
    let (a, b) = two_nodes(MemoryBackend::default().ports());
    edit_crosses_nodes(a, b).await;
}

#[cfg(feature = "kafka")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kafka_an_edit_through_node_a_shows_through_node_b_within_a_second() {
    use livedrop_adapters::kafka::KafkaEventBus;
    use std::sync::Arc;
    let brokers = match backends::kafka::brokers().await {
        Ok(brokers) => brokers,
        Err(why) => return backends::missing("Kafka", &why),
    };
    let config = backends::kafka::config(brokers);
    let (a, b) = two_nodes(MemoryBackend::default().ports());
    let bus_a = KafkaEventBus::new(config.clone()).await.unwrap();
    let bus_b = KafkaEventBus::new(config).await.unwrap();
    edit_crosses_nodes(
        Ports {
            bus: Arc::new(bus_a),
            ..a
        },
        Ports {
            bus: Arc::new(bus_b),
            ..b
        },
    )
    .await;
}

/// Node A runs the background loops (relay, invalidators); node B only serves.
async fn edit_crosses_nodes(a: Ports, b: Ports) {
    let node_a = AppState::new(a);
    let _served_a = support::serve(node_a.clone()).await;
    let loops = Background::spawn(&node_a, BackgroundConfig::default());
    let (owner, drop) = seed_drop(
        &node_a,
        window_from(Utc::now() + TimeDelta::hours(1)),
        StockPlan::new(10, 1, None).unwrap(),
    )
    .await;
    let node_b = AppState::new(b);
    let base_b = support::serve(node_b.clone()).await;
    let url = format!("{base_b}/api/creators/{}", drop.creator_id);
    let name_on_b = || async {
        let body: serde_json::Value = support::get_json(&url).await;
        (
            body["displayName"].as_str().unwrap().to_owned(),
            body["handle"].as_str().unwrap().to_owned(),
        )
    };

    let (before, handle) = name_on_b().await;
    assert_eq!(before, "Ada's Hats");
    // B has it cached now; the edit goes through A.
    assert_eq!(name_on_b().await.0, before);
    let edited_at = Instant::now();
    node_a
        .catalog()
        .update_creator(
            owner,
            drop.creator_id,
            DisplayName::try_from("Ada's Caps").unwrap(),
            Handle::try_from(handle.as_str()).unwrap(),
        )
        .await
        .unwrap();
    loop {
        if name_on_b().await.0 == "Ada's Caps" {
            break;
        }
        assert!(
            edited_at.elapsed() < VISIBLE_WITHIN,
            "node B still serves the old name {VISIBLE_WITHIN:?} after the edit"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    loops.stop().await;
}
