//! A tail of the bus: every partition of the topic read outside any consumer group.
//!
//! The consumer is assigned each partition by hand (`assign`, never `subscribe`), so it
//! joins no group and starts fetching at once; it commits nothing. Where it starts takes
//! two steps, because brokers disagree on where a partition ends:
//! 1. Each partition is assigned at its high watermark as the brokers list it
//!    (`ListOffsets`): on Kafka the end itself.
//! 2. The consumer then reads each partition up to the end its first fetches report, and
//!    that end is the tail's start there. Events read before it are dropped: they were
//!    published before the tail opened or while it was opening. tansu lists the first
//!    offset of a partition's last record batch (plus one) as its watermark, so a publish
//!    of several events would otherwise leave all but one of them behind the listed end,
//!    to be delivered as if published after; its fetches report the true end.
//!
//! librdkafka reports a partition's end as an end-of-partition event queued after every
//! event before that end, so once each partition has reported one, the offset after the
//! last event read there (or the listed end where none was) is exact. Then the member's
//! polling thread (`poller`) takes over, with its bounded buffer.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use livedrop_core::ports::{Delivery, EventTail};
use livedrop_core::{Error, Result};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::producer::{FutureProducer, Producer};
use rdkafka::{Offset, TopicPartitionList};

use super::BACKEND;
use super::config::KafkaConfig;
use super::error::to_error;
use super::poller::{self, Fetched, GroupContext, Shared};

/// How long one poll waits while the tail opens.
const POLL: Duration = Duration::from_millis(50);

/// A tail of the bus's topic (see the module's doc).
pub(super) struct KafkaTail {
    /// What the polling thread fetched; it holds the consumer.
    shared: Arc<Shared>,
    start: Vec<i64>,
    /// The next offset to hand out, per partition: an event librdkafka fetches twice (after
    /// an error, say) is handed out once, and never one below the start.
    next: Vec<i64>,
    topic: String,
}

impl KafkaTail {
    /// Opens a tail on `config.topic`, asking the brokers through `producer` (a connection
    /// already open) for the partitions and their listed ends. Blocking: run it off the
    /// async workers. Every broker call and the wait for the ends share
    /// `config.request_timeout`.
    pub(super) fn open(config: &KafkaConfig, producer: &FutureProducer) -> Result<Self> {
        let deadline = Instant::now() + config.request_timeout;
        let left = || deadline.saturating_duration_since(Instant::now());
        let topic = config.topic.as_str();
        let metadata = producer
            .client()
            .fetch_metadata(Some(topic), left())
            .map_err(to_error)?;
        let mut partitions: Vec<i32> = metadata
            .topics()
            .iter()
            .filter(|t| t.name() == topic)
            .flat_map(|t| t.partitions().iter().map(|p| p.id()))
            .collect();
        partitions.sort_unstable();
        // `start()` is indexed by partition number: Kafka numbers them from 0 without gaps.
        let numbered = partitions
            .iter()
            .enumerate()
            .all(|(index, &partition)| usize::try_from(partition) == Ok(index));
        if partitions.is_empty() || !numbered {
            return Err(Error::unavailable(
                BACKEND,
                format!("topic {topic} has partitions {partitions:?}, not 0 to n - 1"),
            ));
        }
        let mut listed = Vec::with_capacity(partitions.len());
        let mut assignment = TopicPartitionList::new();
        for &partition in &partitions {
            let (_, high) = producer
                .client()
                .fetch_watermarks(topic, partition, left())
                .map_err(to_error)?;
            listed.push(high);
            assignment
                .add_partition_offset(topic, partition, Offset::Offset(high))
                .map_err(to_error)?;
        }
        let shared = Arc::new(Shared::default());
        let consumer: BaseConsumer<GroupContext> = config
            .tail()
            .create_with_context(GroupContext::new(Arc::clone(&shared)))
            .map_err(to_error)?;
        consumer.assign(&assignment).map_err(to_error)?;
        let start = read_to_ends(&consumer, &shared, listed, deadline)?;
        poller::spawn(
            Arc::new(consumer),
            Arc::clone(&shared),
            config.buffered_deliveries,
        )
        .map_err(|e| Error::internal(BACKEND, e))?;
        Ok(Self {
            shared,
            next: start.clone(),
            start,
            topic: topic.to_owned(),
        })
    }
}

/// Polls `consumer` until every partition has reported its end, and returns those ends:
/// the offset after the last event read before the report, else the `listed` one. Events
/// read before their partition's end are dropped; those after it (published since) go to
/// `shared`'s buffer, for the tail to hand out.
fn read_to_ends(
    consumer: &BaseConsumer<GroupContext>,
    shared: &Shared,
    listed: Vec<i64>,
    deadline: Instant,
) -> Result<Vec<i64>> {
    let mut ends = listed;
    let mut reached = vec![false; ends.len()];
    while reached.contains(&false) {
        let wait = deadline.saturating_duration_since(Instant::now());
        if wait.is_zero() {
            let waiting: Vec<usize> = (0..reached.len()).filter(|&p| !reached[p]).collect();
            return Err(Error::unavailable(
                BACKEND,
                format!("partitions {waiting:?} reported no end in time"),
            ));
        }
        match consumer.poll(wait.min(POLL)) {
            None => {}
            Some(Ok(message)) => {
                let Some(index) = index_of(message.partition(), ends.len()) else {
                    continue;
                };
                if !reached[index] {
                    ends[index] = ends[index].max(message.offset() + 1);
                    continue;
                }
                match poller::decode(&message) {
                    Ok(delivery) => shared.state.lock().buffer.push_back(Fetched {
                        partition: message.partition(),
                        delivery,
                    }),
                    Err(error) => tracing::error!(%error, "kafka: skipped an unreadable event"),
                }
            }
            Some(Err(KafkaError::PartitionEOF(partition))) => {
                if let Some(index) = index_of(partition, ends.len()) {
                    reached[index] = true;
                }
            }
            Some(Err(error)) if error.rdkafka_error_code() == Some(RDKafkaErrorCode::Fatal) => {
                return Err(Error::internal(BACKEND, error));
            }
            // librdkafka retries by itself; the deadline bounds the wait.
            Some(Err(error)) => tracing::warn!(%error, "kafka: tail consumer error"),
        }
    }
    Ok(ends)
}

/// `partition` as an index into per-partition vectors of `count`.
fn index_of(partition: i32, count: usize) -> Option<usize> {
    usize::try_from(partition)
        .ok()
        .filter(|&index| index < count)
}

#[async_trait]
impl EventTail for KafkaTail {
    fn start(&self) -> &[i64] {
        &self.start
    }

    /// Takes from the polling thread's buffer under its lock, with no await after taking:
    /// a dropped call has taken nothing.
    async fn next_batch(&mut self, max: usize) -> Result<Vec<Delivery>> {
        loop {
            // Register interest before looking, so an event fetched between the look and
            // the wait cannot be missed.
            let changed = self.shared.changed.notified();
            let mut changed = std::pin::pin!(changed);
            changed.as_mut().enable();
            {
                let mut state = self.shared.state.lock();
                let (mut batch, mut taken) = (Vec::new(), false);
                while batch.len() < max.max(1) {
                    let Some(fetched) = state.buffer.pop_front() else {
                        break;
                    };
                    taken = true;
                    let Some(next) = index_of(fetched.partition, self.next.len())
                        .and_then(|index| self.next.get_mut(index))
                    else {
                        continue;
                    };
                    if fetched.delivery.offset >= *next {
                        *next = fetched.delivery.offset + 1;
                        batch.push(fetched.delivery);
                    }
                }
                if taken {
                    // Room for the polling thread, should it be waiting for some.
                    self.shared.taken.notify_one();
                }
                if !batch.is_empty() {
                    return Ok(batch);
                }
                if let Some(fatal) = &state.fatal {
                    return Err(Error::internal(BACKEND, fatal.clone()));
                }
            }
            changed.await;
        }
    }
}

impl Drop for KafkaTail {
    /// Stops the polling thread, which holds the only handle of the consumer and closes it
    /// there (off the async workers). Nothing to leave and nothing to commit.
    fn drop(&mut self) {
        self.shared
            .stop
            .store(true, std::sync::atomic::Ordering::Release);
    }
}

impl fmt::Debug for KafkaTail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KafkaTail")
            .field("topic", &self.topic)
            .field("start", &self.start)
            .finish_non_exhaustive()
    }
}
