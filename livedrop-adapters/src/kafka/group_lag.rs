//! A consumer group's backlog read from the brokers: the group's committed offsets against
//! each partition's end, whatever its members are doing.
//!
//! A member's own view ([`EventSubscription::lag`](livedrop_core::ports::EventSubscription::lag))
//! only covers the partitions it owns, and is only asked when the member gets round to it:
//! a member stuck on an event reports nothing, which is when the figure matters most.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use livedrop_core::ports::PartitionLag;
use livedrop_core::{Error, Result};
use parking_lot::Mutex;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{FutureProducer, Producer};
use rdkafka::{Offset, TopicPartitionList};

use super::BACKEND;
use super::config::KafkaConfig;
use super::error::to_error;

/// One offset reader per group, made on first use and kept: a consumer that never
/// subscribes joins no group, so it disturbs nobody, and its group id is what the
/// brokers read the group's commits by.
#[derive(Default)]
pub(super) struct GroupReaders(Mutex<HashMap<String, Arc<BaseConsumer>>>);

impl GroupReaders {
    /// The reader of `group`'s commits.
    pub(super) fn reader(&self, config: &KafkaConfig, group: &str) -> Result<Arc<BaseConsumer>> {
        let mut readers = self.0.lock();
        if let Some(reader) = readers.get(group) {
            return Ok(Arc::clone(reader));
        }
        let reader: BaseConsumer = config.consumer(group).create().map_err(to_error)?;
        let reader = Arc::new(reader);
        readers.insert(group.to_owned(), Arc::clone(&reader));
        Ok(reader)
    }
}

impl std::fmt::Debug for GroupReaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupReaders")
            .field("groups", &self.0.lock().len())
            .finish()
    }
}

/// Every partition of `topic`: its end (high watermark) and the group's committed offset
/// there (its low watermark where the group committed nothing). Blocking: run it off the
/// async workers. Every broker call shares `timeout`.
pub(super) fn group_lag(
    reader: &BaseConsumer,
    producer: &FutureProducer,
    topic: &str,
    timeout: Duration,
) -> Result<Vec<PartitionLag>> {
    let deadline = Instant::now() + timeout;
    let left = || deadline.saturating_duration_since(Instant::now());
    let metadata = producer
        .client()
        .fetch_metadata(Some(topic), left())
        .map_err(to_error)?;
    let partitions: Vec<i32> = metadata
        .topics()
        .iter()
        .filter(|t| t.name() == topic)
        .flat_map(|t| t.partitions().iter().map(|p| p.id()))
        .collect();
    if partitions.is_empty() {
        return Err(Error::unavailable(
            BACKEND,
            format!("topic {topic} has no partitions"),
        ));
    }
    let mut wanted = TopicPartitionList::new();
    for &partition in &partitions {
        wanted.add_partition(topic, partition);
    }
    let committed = reader.committed_offsets(wanted, left()).map_err(to_error)?;
    // The reader never subscribes, so nothing else polls it: take what librdkafka queued
    // for it (errors during an outage), or it would pile up.
    while reader.poll(Duration::ZERO).is_some() {}
    let mut lags = Vec::with_capacity(partitions.len());
    for partition in committed.elements_for_topic(topic) {
        partition.error().map_err(to_error)?;
        let (low, high) = producer
            .client()
            .fetch_watermarks(topic, partition.partition(), left())
            .map_err(to_error)?;
        // Events before `low` are gone: nobody can read them any more.
        let from = offset_or(partition.offset(), low).max(low);
        lags.push(PartitionLag {
            partition: partition.partition(),
            // Never behind a commit: a broker that reports a batch's first offset as its
            // end (tansu) would otherwise show a negative backlog.
            end: high.max(from),
            committed: from,
        });
    }
    Ok(lags)
}

/// `offset` when it is a position in the partition, else `otherwise` (nothing committed,
/// nothing read yet).
pub(super) fn offset_or(offset: Offset, otherwise: i64) -> i64 {
    match offset {
        Offset::Offset(offset) => offset,
        _ => otherwise,
    }
}
