//! The event bus on a Kafka topic.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use livedrop_core::domain::{Event, TraceParent};
use livedrop_core::ports::{EventBus, EventSubscription, EventTail, PartitionLag};
use livedrop_core::{Error, Result};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};

use super::admin::ensure_topic;
use super::config::KafkaConfig;
use super::error::to_error;
use super::group_lag::{GroupReaders, group_lag};
use super::poller::Shared;
use super::producer::SharedProducer;
use super::subscription::KafkaSubscription;
use super::tail::KafkaTail;
use super::{BACKEND, TRACEPARENT};

/// How long a publish waits before trying again when librdkafka's send queue is full.
const QUEUE_FULL_BACKOFF: Duration = Duration::from_millis(5);

/// The [`EventBus`] on one Kafka topic: events keyed by [`Event::key`] (so one drop's, or
/// else one creator's, events share a partition and keep their order), JSON values,
/// consumer groups with commits after processing.
#[derive(Clone)]
pub struct KafkaEventBus {
    config: Arc<KafkaConfig>,
    /// Replaced when it cannot send again (see [`KafkaEventBus::replace_if_broken`]);
    /// the subscriptions share it for their watermark queries.
    producer: SharedProducer,
    /// This bus's members, by group, so a join can wait for the members still leaving.
    members: Arc<parking_lot::Mutex<HashMap<String, Vec<Arc<Shared>>>>>,
    /// Readers of each group's committed offsets, for [`EventBus::lag`].
    readers: Arc<GroupReaders>,
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
            producer: Arc::new(parking_lot::RwLock::new(producer)),
            members: Arc::default(),
            readers: Arc::default(),
        })
    }

    /// The producer in use.
    fn producer(&self) -> FutureProducer {
        self.producer.read().clone()
    }

    /// Replaces `used` with a new producer if `error` shows it cannot send again, and
    /// says whether it did.
    ///
    /// An idempotent producer whose deliveries timed out (brokers silent for longer than
    /// `delivery_timeout`) no longer knows which of its sequence numbers the brokers hold.
    /// librdkafka then bumps its epoch or raises a fatal error, and some brokers (tansu)
    /// answer the bumped producer `ProducerFenced` for good. A new producer gets a new
    /// producer id and starts clean; the caller retries the failed publish (at least once:
    /// events it did deliver may come twice).
    fn replace_if_broken(&self, used: &FutureProducer, error: &KafkaError) -> bool {
        use RDKafkaErrorCode as C;
        let identity_lost = matches!(
            error.rdkafka_error_code(),
            Some(
                C::ProducerFenced
                    | C::InvalidProducerEpoch
                    | C::OutOfOrderSequenceNumber
                    | C::UnknownProducerId
                    | C::InvalidProducerIdMapping
                    | C::Fatal
            )
        );
        let fatal = used.client().fatal_error();
        if !identity_lost && fatal.is_none() {
            return false;
        }
        let mut current = self.producer.write();
        // A concurrent publish may have replaced it already.
        if current.client().native_ptr() == used.client().native_ptr() {
            match self.config.producer().create::<FutureProducer>() {
                Ok(fresh) => {
                    tracing::warn!(%error, ?fatal, "kafka: producer cannot send again; replaced");
                    drop_off_runtime(std::mem::replace(&mut *current, fresh));
                }
                Err(error) => tracing::error!(%error, "kafka: cannot replace the failed producer"),
            }
        }
        true
    }

    /// Sends every `(key, value)` through `producer`, then waits for each acknowledgement.
    async fn send_all(
        &self,
        producer: &FutureProducer,
        records: &[Outgoing<'_>],
    ) -> std::result::Result<(), KafkaError> {
        let mut pending = Vec::with_capacity(records.len());
        for outgoing in records {
            let mut record = FutureRecord::to(&self.config.topic)
                .key(&outgoing.key)
                .payload(&outgoing.value);
            if let Some(trace) = outgoing.trace {
                record = record.headers(OwnedHeaders::new().insert(Header {
                    key: TRACEPARENT,
                    value: Some(trace.as_str()),
                }));
            }
            let deadline = tokio::time::Instant::now() + self.config.delivery_timeout;
            loop {
                match producer.send_result(record) {
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
                    Err((error, _)) => return Err(error),
                }
            }
        }
        for delivery in pending {
            match delivery.await {
                Ok(Ok(_)) => {}
                Ok(Err((error, _))) => return Err(error),
                // The producer was dropped under the send (replaced, or shut down).
                Err(_) => return Err(KafkaError::Canceled),
            }
        }
        Ok(())
    }

    /// Asks the brokers for the topic's metadata: succeeds when they answer within
    /// `request_timeout` (a readiness probe).
    ///
    /// # Errors
    /// `Unavailable` when no broker answers in time.
    pub async fn ping(&self) -> Result<()> {
        let (producer, topic) = (self.producer(), self.config.topic.clone());
        let timeout = self.config.request_timeout;
        // A metadata request blocks until the brokers answer: off the runtime.
        tokio::task::spawn_blocking(move || {
            producer
                .client()
                .fetch_metadata(Some(&topic), timeout)
                .map(drop)
        })
        .await
        .map_err(|e| Error::internal(BACKEND, e))?
        .map_err(|e| Error::unavailable(BACKEND, e))
    }

    /// The settings the bus runs with.
    pub fn config(&self) -> &KafkaConfig {
        &self.config
    }
}

/// One event as sent: its key, its JSON, and the trace it joins (a `traceparent` header).
struct Outgoing<'a> {
    key: String,
    value: Vec<u8>,
    trace: Option<&'a TraceParent>,
}

#[async_trait]
impl EventBus for KafkaEventBus {
    /// Sends every event, then waits for the brokers to acknowledge each (all in-sync
    /// replicas, `acks=all`). The idempotent producer keeps per-partition order across its
    /// own retries, and a later publish starts after this one was acknowledged.
    async fn publish(&self, events: &[Event]) -> Result<()> {
        let records: Vec<_> = events
            .iter()
            .map(|event| Outgoing {
                key: event.key().to_string(),
                value: event.to_json(),
                trace: event.trace.as_ref(),
            })
            .collect();
        let producer = self.producer();
        let Err(error) = self.send_all(&producer, &records).await else {
            return Ok(());
        };
        if self.replace_if_broken(&producer, &error) {
            drop_off_runtime(producer);
            // The caller's retry goes through the new producer.
            return Err(Error::unavailable(BACKEND, error));
        }
        Err(to_error(error))
    }

    /// Off the async workers: the broker calls block (each bounded by the configured
    /// request timeout, all together).
    async fn lag(&self, group: &str) -> Result<Vec<PartitionLag>> {
        let reader = self.readers.reader(&self.config, group)?;
        let (producer, topic) = (self.producer(), self.config.topic.clone());
        let timeout = self.config.request_timeout;
        tokio::task::spawn_blocking(move || group_lag(&reader, &producer, &topic, timeout))
            .await
            .map_err(|e| Error::internal(BACKEND, e))?
    }

    /// Off the async workers: opening asks the brokers for the partitions and their ends,
    /// then waits for the tail's consumer to reach each (all within the request timeout);
    /// there is no group to wait for.
    async fn tail(&self) -> Result<Box<dyn EventTail>> {
        let (config, producer) = (Arc::clone(&self.config), self.producer());
        // Should this call be dropped, the opened tail is dropped on the blocking thread,
        // which stops it.
        let tail = tokio::task::spawn_blocking(move || KafkaTail::open(&config, &producer))
            .await
            .map_err(|e| Error::internal(BACKEND, e))??;
        Ok(Box::new(tail))
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
            KafkaSubscription::join(&self.config, group, shared, Arc::clone(&self.producer))
                .await?,
        ))
    }
}

/// Drops a handle of a replaced producer on a blocking thread: dropping the last one
/// flushes (up to half a second) and joins librdkafka's threads.
fn drop_off_runtime(producer: FutureProducer) {
    tokio::task::spawn_blocking(move || drop(producer));
}

impl fmt::Debug for KafkaEventBus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KafkaEventBus")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
