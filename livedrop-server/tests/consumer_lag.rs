//! The consumer lag metric against a consumer that stalls: the backlog of its group shows
//! in `livedrop_consumer_lag{group}` while it is stuck on an event, and falls back to 0
//! once it gets going, read from the bus (memory, and Kafka with `LIVEDROP_TEST_KAFKA_BROKERS`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(feature = "kafka")]
#[path = "../../livedrop-adapters/tests/support/mod.rs"]
mod backends;
mod support;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use livedrop_adapters::memory::MemoryBackend;
use livedrop_core::Result;
use livedrop_core::domain::{Event, EventData};
use livedrop_core::ids::{CreatorId, UserId};
use livedrop_core::ports::Ports;
use livedrop_core::services::EventHandler;
use livedrop_server::AppState;
use livedrop_server::background::{Background, BackgroundConfig};
use tokio::sync::watch;

/// A consumer that takes its first event and holds it until released.
#[derive(Debug)]
struct Stalled {
    group: String,
    released: watch::Receiver<bool>,
}

#[async_trait]
impl EventHandler for Stalled {
    fn group(&self) -> &str {
        &self.group
    }

    async fn handle(&self, _event: &Event) -> Result<bool> {
        let mut released = self.released.clone();
        // The sender lives as long as the test.
        let _ = released.wait_for(|released| *released).await;
        Ok(true)
    }
}

/// The value of `livedrop_consumer_lag{group}` on the server's `/metrics`, if present.
async fn lag_of(base: &str, group: &str) -> Option<f64> {
    let body = support::scrape(base).await;
    let series = format!("livedrop_consumer_lag{{group=\"{group}\"}} ");
    body.lines()
        .find_map(|line| line.strip_prefix(&series))
        .and_then(|value| value.trim().parse().ok())
}

/// Polls the metric until `check` holds (15 s at most).
async fn until(base: &str, group: &str, what: &str, check: impl Fn(f64) -> bool) -> f64 {
    let waited = tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            if let Some(lag) = lag_of(base, group).await
                && check(lag)
            {
                return lag;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    })
    .await;
    match waited {
        Ok(lag) => lag,
        Err(_) => panic!("{what}: lag now {:?}", lag_of(base, group).await),
    }
}

async fn a_stalled_consumer_shows_its_backlog(ports: Ports) {
    let group = format!("stalled-{}", uuid::Uuid::new_v4().simple());
    let (release, released) = watch::channel(false);
    let stalled = Stalled {
        group: group.clone(),
        released,
    };
    let state = AppState::builder(ports).handler(Arc::new(stalled)).build();
    let background = Background::spawn(
        &state,
        BackgroundConfig {
            lag_every: Duration::from_millis(20),
            ..BackgroundConfig::default()
        },
    );
    let base = support::serve(state.clone()).await;
    until(&base, &group, "the group's lag reported", |_| true).await;

    let creator = CreatorId::new();
    let events: Vec<Event> = (0..6)
        .map(|_| {
            let data = EventData::FollowCreated {
                user_id: UserId::new(),
            };
            Event::new(data, creator, None, Utc::now())
        })
        .collect();
    // One publish per event: a broker may report a multi-event batch's end late (tansu).
    for event in &events {
        state
            .ports()
            .bus
            .publish(std::slice::from_ref(event))
            .await
            .unwrap();
    }
    let stuck = until(&base, &group, "the whole backlog while stalled", |lag| {
        lag >= 6.0
    })
    .await;
    assert_eq!(stuck, 6.0, "every event published, none committed");

    release.send(true).unwrap();
    until(&base, &group, "back to 0 once it gets going", |lag| {
        lag == 0.0
    })
    .await;
    background.stop().await;
}

#[tokio::test]
async fn memory_a_stalled_consumer_shows_its_backlog() {
    a_stalled_consumer_shows_its_backlog(MemoryBackend::default().ports()).await;
}

#[cfg(feature = "kafka")]
#[tokio::test]
async fn kafka_a_stalled_consumer_shows_its_backlog() {
    let Some(ports) = backends::kafka::ports().await else {
        return;
    };
    a_stalled_consumer_shows_its_backlog(ports).await;
}
