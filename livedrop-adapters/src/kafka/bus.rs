//! The event bus on a Kafka topic.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use livedrop_core::domain::Event;
use livedrop_core::ports::{EventBus, EventSubscription};
use livedrop_core::{Error, Result};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{FutureProducer, FutureRecord};

use super::BACKEND;
use super::admin::ensure_topic;
use super::config::KafkaConfig;
use super::error::to_error;
use super::poller::Shared;
use super::subscription::KafkaSubscription;

/// How long a publish waits before trying again when librdkafka's send queue is full.
const QUEUE_FULL_BACKOFF: Duration = Duration::from_millis(5);

/// The [`EventBus`] on one Kafka topic: events keyed by [`Event::key`] (so one drop's, or
/// else one creator's, events share a partition and keep their order), JSON values,
/// consumer groups with commits after processing.
#[derive(Clone)]
pub struct KafkaEventBus {
    config: Arc<KafkaConfig>,
    producer: FutureProducer,
    /// This bus's members, by group, so a join can wait for the members still leaving.
    members: Arc<parking_lot::Mutex<HashMap<String, Vec<Arc<Shared>>>>>,
}

impl KafkaEventBus {
    /// Connects to `config.brokers` and creates the topic when it is missing.
    ///
    /// # Errors
    /// `Unavailable` when the brokers do not answer in `config.request_timeout`;
    /// `Internal` for a configuration they refuse.
    pub async fn new(config: KafkaConfig) -> Result<Self> {
        ensure_topic(&config).await?;
        let producer = config.producer().create().map_err(to_error)?;
        Ok(Self {
            config: Arc::new(config),
            producer,
            members: Arc::default(),
        })
    }

    /// The settings the bus runs with.
    pub fn config(&self) -> &KafkaConfig {
        &self.config
    }
}

#[async_trait]
impl EventBus for KafkaEventBus {
    /// Sends every event, then waits for the brokers to acknowledge each (all in-sync
    /// replicas, `acks=all`). The idempotent producer keeps per-partition order across its
    /// own retries, and a later publish starts after this one was acknowledged.
    async fn publish(&self, events: &[Event]) -> Result<()> {
        let mut pending = Vec::with_capacity(events.len());
        for event in events {
            let key = event.key().to_string();
            let value = serde_json::to_vec(event).map_err(|e| Error::internal(BACKEND, e))?;
            let mut record = FutureRecord::to(&self.config.topic)
                .key(&key)
                .payload(&value);
            let deadline = tokio::time::Instant::now() + self.config.delivery_timeout;
            loop {
                match self.producer.send_result(record) {
                    Ok(delivery) => {
                        pending.push(delivery);
                        break;
                    }
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back))
                        if tokio::time::Instant::now() < deadline =>
                    {
                        // The local queue drains as the brokers acknowledge.
                        record = back;
                        tokio::time::sleep(QUEUE_FULL_BACKOFF).await;
                    }
                    Err((error, _)) => return Err(to_error(error)),
                }
            }
        }
        for delivery in pending {
            match delivery.await {
                Ok(Ok(_)) => {}
                Ok(Err((error, _))) => return Err(to_error(error)),
                Err(canceled) => return Err(Error::unavailable(BACKEND, canceled)),
            }
        }
        Ok(())
    }

    /// Joins `group`, once this bus's members of the group that were dropped have left
    /// it. A leave that races a join is where brokers go wrong (tansu keeps electing a
    /// departed leader, and the group never settles), and waiting for it costs a round
    /// trip; members in other processes cannot be waited for.
    async fn subscribe(&self, group: &str) -> Result<Box<dyn EventSubscription>> {
        let leaving: Vec<Arc<Shared>> = {
            let mut members = self.members.lock();
            let of_group = members.entry(group.to_owned()).or_default();
            of_group.retain(|m| !m.closed.load(std::sync::atomic::Ordering::Acquire));
            of_group.iter().filter(|m| m.leaving()).cloned().collect()
        };
        for member in leaving {
            // A close that hangs (brokers down) must not block the join for good.
            let _ = tokio::time::timeout(self.config.request_timeout, member.wait_closed()).await;
        }
        let shared = Arc::new(Shared::default());
        self.members
            .lock()
            .entry(group.to_owned())
            .or_default()
            .push(Arc::clone(&shared));
        Ok(Box::new(
            KafkaSubscription::join(&self.config, group, shared).await?,
        ))
    }
}

impl fmt::Debug for KafkaEventBus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KafkaEventBus")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
