//! One member of a consumer group.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use livedrop_core::ports::{Delivery, EventSubscription};
use livedrop_core::{Error, Result};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::producer::{FutureProducer, Producer};
use rdkafka::{Offset, TopicPartitionList};

use super::BACKEND;
use super::config::KafkaConfig;
use super::error::{lost_ownership, to_error};
use super::group_lag::offset_or;
use super::poller::{self, GroupContext, Shared};
use super::producer::SharedProducer;

/// A member of a consumer group on the bus's topic.
pub(super) struct KafkaSubscription {
    shared: Arc<Shared>,
    /// The client the polling thread polls (librdkafka is thread safe), for commits.
    /// `None` only while dropping.
    consumer: Option<Arc<BaseConsumer<GroupContext>>>,
    topic: String,
    group: String,
    /// The bus's producer (whichever is current), for watermark queries (see
    /// [`assigned_lag`]).
    producer: SharedProducer,
    /// Bounds the broker calls of one [`lag`](EventSubscription::lag).
    request_timeout: Duration,
}

impl KafkaSubscription {
    /// Joins `group` and waits until the group has handed this member its partitions, so
    /// a caller that publishes next is not racing the join: a member that joins while
    /// others already consume makes the group rebalance, and what a member held
    /// uncommitted then goes to a second member too.
    pub(super) async fn join(
        config: &KafkaConfig,
        group: &str,
        shared: Arc<Shared>,
        producer: SharedProducer,
    ) -> Result<Self> {
        let consumer: BaseConsumer<GroupContext> = config
            .consumer(group)
            .create_with_context(GroupContext::new(Arc::clone(&shared)))
            .map_err(to_error)?;
        consumer.subscribe(&[&config.topic]).map_err(to_error)?;
        let consumer = Arc::new(consumer);
        poller::spawn(
            Arc::clone(&consumer),
            Arc::clone(&shared),
            config.buffered_deliveries,
        )
        .map_err(|e| Error::internal(BACKEND, e))?;
        let member = Self {
            shared,
            consumer: Some(consumer),
            topic: config.topic.clone(),
            group: group.to_owned(),
            producer,
            request_timeout: config.request_timeout,
        };
        // On a timeout `member` is dropped, which leaves the group again.
        tokio::time::timeout(config.join_timeout, member.joined())
            .await
            .map_err(|_| {
                Error::unavailable(
                    BACKEND,
                    format!(
                        "group {group} assigned this member no partitions within {:?}",
                        config.join_timeout
                    ),
                )
            })??;
        Ok(member)
    }

    /// Waits for the member's first assignment (possibly empty, when the group has more
    /// members than the topic has partitions).
    async fn joined(&self) -> Result<()> {
        loop {
            let changed = self.shared.changed.notified();
            let mut changed = std::pin::pin!(changed);
            changed.as_mut().enable();
            {
                let state = self.shared.state.lock();
                if let Some(fatal) = &state.fatal {
                    return Err(Error::internal(BACKEND, fatal.clone()));
                }
                if state.assignments > 0 {
                    return Ok(());
                }
            }
            changed.await;
        }
    }
}

#[async_trait]
impl EventSubscription for KafkaSubscription {
    async fn next(&mut self) -> Result<Delivery> {
        loop {
            // Register interest before looking, so an event fetched between the look and
            // the wait cannot be missed.
            let changed = self.shared.changed.notified();
            let mut changed = std::pin::pin!(changed);
            changed.as_mut().enable();
            {
                let mut state = self.shared.state.lock();
                if let Some(fetched) = state.buffer.pop_front() {
                    self.shared.taken.notify_one();
                    return Ok(fetched.delivery);
                }
                if let Some(fatal) = &state.fatal {
                    return Err(Error::internal(BACKEND, fatal.clone()));
                }
            }
            changed.await;
        }
    }

    /// The first event as [`next`](EventSubscription::next) waits for it, then whatever
    /// else the polling thread has already buffered, up to `max`.
    async fn next_batch(&mut self, max: usize) -> Result<Vec<Delivery>> {
        let first = self.next().await?;
        let mut batch = vec![first];
        let mut state = self.shared.state.lock();
        while batch.len() < max {
            match state.buffer.pop_front() {
                Some(fetched) => batch.push(fetched.delivery),
                None => break,
            }
        }
        // Room for the polling thread, should it be waiting for some.
        self.shared.taken.notify_one();
        Ok(batch)
    }

    async fn commit(&mut self, delivery: &Delivery) -> Result<()> {
        self.commit_all(std::slice::from_ref(delivery)).await
    }

    /// One synchronous commit of every delivery's partition this member still owns.
    async fn commit_all(&mut self, deliveries: &[Delivery]) -> Result<()> {
        let Some(consumer) = self.consumer.clone() else {
            return Ok(());
        };
        if deliveries.is_empty() {
            return Ok(());
        }
        let topic = self.topic.clone();
        // Kafka's committed offset is the next one to read.
        let wanted: Vec<(i32, i64)> = deliveries
            .iter()
            .map(|d| (d.partition, d.offset + 1))
            .collect();
        // A synchronous commit blocks until the coordinator answers: off the runtime.
        let committed = tokio::task::spawn_blocking(move || {
            // A partition the group has since moved to another member is not this member's
            // to commit: its new owner may be past this offset, and the commit would send
            // it back (the brokers accept commits from any member of the generation).
            let assignment = consumer.assignment()?;
            let mut offsets = TopicPartitionList::new();
            for (partition, next) in wanted {
                if assignment.find_partition(&topic, partition).is_some() {
                    offsets.add_partition_offset(&topic, partition, Offset::Offset(next))?;
                }
            }
            if offsets.count() == 0 {
                return Ok(false);
            }
            consumer.commit(&offsets, CommitMode::Sync).map(|()| true)
        })
        .await
        .map_err(|e| Error::internal(BACKEND, e))?;
        match committed {
            Ok(true) => Ok(()),
            Ok(false) => {
                tracing::debug!(group = %self.group, "kafka: not committing partitions moved away");
                Ok(())
            }
            Err(error) if lost_ownership(&error) => {
                // The group moved a partition to another member meanwhile; it starts from
                // the last commit, so the events are delivered again there (at least
                // once), and there is nothing to retry here.
                tracing::debug!(group = %self.group, %error, "kafka: commit after losing a partition");
                Ok(())
            }
            Err(error) => Err(to_error(error)),
        }
    }

    async fn lag(&mut self) -> Result<u64> {
        let Some(consumer) = self.consumer.clone() else {
            return Ok(0);
        };
        let (producer, topic) = (self.producer.read().clone(), self.topic.clone());
        let deadline = Instant::now() + self.request_timeout;
        // The calls below wait for brokers: off the runtime.
        tokio::task::spawn_blocking(move || assigned_lag(&consumer, &producer, &topic, deadline))
            .await
            .map_err(|e| Error::internal(BACKEND, e))?
    }
}

/// Over the partitions `consumer` owns now: each one's end (its high watermark, what
/// consumers can read) minus the group's committed offset there, or minus its low
/// watermark (the oldest retained event, where a group with no commit starts) when the
/// group committed nothing there. Every broker call shares one `deadline`.
///
/// The watermarks come from `producer`: a broker answers one connection's requests in
/// order, so on the member's own connection each query would wait behind its long-polling
/// fetch (up to `fetch.wait.max.ms` per partition).
fn assigned_lag(
    consumer: &BaseConsumer<GroupContext>,
    producer: &FutureProducer,
    topic: &str,
    deadline: Instant,
) -> Result<u64> {
    let left = || deadline.saturating_duration_since(Instant::now());
    // The group's commits for this member's current assignment (empty while it owns none).
    let committed = consumer.committed(left()).map_err(to_error)?;
    // Where this member reads next, per partition (local: no broker call).
    let positions = consumer.position().map_err(to_error)?;
    let mut lag = 0;
    for partition in committed.elements_for_topic(topic) {
        partition.error().map_err(to_error)?;
        let (low, high) = producer
            .client()
            .fetch_watermarks(topic, partition.partition(), left())
            .map_err(to_error)?;
        // A broker cannot have served more than it holds, yet tansu reports the first
        // offset of the partition's last record batch (plus one) as its high watermark:
        // what this member already read is a floor for the end on any broker.
        let read = match positions.find_partition(topic, partition.partition()) {
            Some(position) => offset_or(position.offset(), 0),
            None => 0,
        };
        // Events before `low` are gone: nobody can read them any more.
        let from = offset_or(partition.offset(), low).max(low);
        lag += u64::try_from(high.max(read) - from).unwrap_or_default();
    }
    Ok(lag)
}

impl Drop for KafkaSubscription {
    /// Leaves the group: the polling thread closes the consumer, and what this member
    /// did not commit goes to the group's other members (or its next one).
    fn drop(&mut self) {
        // Drop this handle first, so the polling thread holds the last one and the
        // (blocking) close runs there.
        drop(self.consumer.take());
        self.shared.stop.store(true, Ordering::Release);
    }
}

impl fmt::Debug for KafkaSubscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KafkaSubscription")
            .field("topic", &self.topic)
            .field("group", &self.group)
            .finish_non_exhaustive()
    }
}
