//! In-memory outbox: events partitioned by key, each partition leased whole to one relay.

use std::{
    collections::VecDeque,
    hash::BuildHasher,
    sync::{
        Mutex,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use async_trait::async_trait;
use livedrop_core::Result;
use livedrop_core::domain::Event;
use livedrop_core::ports::{Outbox, OutboxBatch, OutboxLag, OutboxRecord};
use uuid::Uuid;

use super::sync::lock;

#[derive(Debug, Default)]
struct Partition {
    queue: VecDeque<Pending>,
    /// Who holds the front `count` records, and until when.
    lease: Option<Lease>,
}

/// A record and when it entered the outbox, on the coarse monotonic clock: what the lag's
/// age is measured from (as the Postgres outbox measures from its row's insertion), without
/// a wall-clock read per appended event.
#[derive(Debug)]
struct Pending {
    record: OutboxRecord,
    appended: coarsetime::Instant,
}

#[derive(Debug, Clone, Copy)]
struct Lease {
    id: Uuid,
    until: Instant,
    count: usize,
}

/// Events waiting for the relay. Like Kafka partitions: one key always maps to one
/// partition, so leasing partitions (not records) keeps per-key order across relays, and
/// writers of unrelated drops rarely meet on a lock.
#[derive(Debug)]
pub struct MemoryOutbox {
    partitions: Vec<Mutex<Partition>>,
    seq: AtomicU64,
    /// Where the next claim starts looking, so no partition starves.
    next_claim: AtomicUsize,
    /// Woken by every append: an idle relay waits on it instead of polling. `notify_one`
    /// keeps a permit when nobody waits, so an append between two waits is not missed.
    appended: tokio::sync::Notify,
}

impl MemoryOutbox {
    pub(crate) fn new(partitions: usize) -> Self {
        Self {
            partitions: (0..partitions.max(1)).map(|_| Mutex::default()).collect(),
            seq: AtomicU64::new(0),
            next_claim: AtomicUsize::new(0),
            appended: tokio::sync::Notify::new(),
        }
    }

    /// Appends events inside the writer's critical section, so their order is commit order.
    pub(crate) fn append(&self, events: impl IntoIterator<Item = Event>) {
        let mut any = false;
        for event in events {
            any = true;
            // A fixed-seed hasher: the same key lands in the same partition every time.
            let hash = foldhash::fast::FixedState::default().hash_one(event.key());
            let index = (hash % self.partitions.len() as u64) as usize;
            let seq = self.seq.fetch_add(1, Ordering::Relaxed);
            lock(&self.partitions[index]).queue.push_back(Pending {
                record: OutboxRecord { seq, event },
                appended: super::key_table::coarse_now(),
            });
        }
        if any {
            self.appended.notify_one();
        }
    }
}

#[async_trait]
impl Outbox for MemoryOutbox {
    async fn claim(&self, max: usize, lease_for: Duration) -> Result<OutboxBatch> {
        // A lease id only has to be unique: random, no clock involved.
        let lease_id = Uuid::new_v4();
        let now = Instant::now();
        let mut records = Vec::new();
        let start = self.next_claim.fetch_add(1, Ordering::Relaxed);
        let count = self.partitions.len();
        for offset in 0..count {
            if records.len() >= max {
                break;
            }
            let mut partition = lock(&self.partitions[(start + offset) % count]);
            let free = partition.lease.is_none_or(|l| l.until <= now);
            if !free || partition.queue.is_empty() {
                continue;
            }
            let take = partition.queue.len().min(max - records.len());
            records.extend(
                partition
                    .queue
                    .iter()
                    .take(take)
                    .map(|pending| pending.record.clone()),
            );
            partition.lease = Some(Lease {
                id: lease_id,
                until: now + lease_for,
                count: take,
            });
        }
        Ok(OutboxBatch {
            lease: lease_id,
            records,
        })
    }

    async fn mark_sent(&self, batch: &OutboxBatch) -> Result<()> {
        for partition in &self.partitions {
            let mut partition = lock(partition);
            if let Some(lease) = partition.lease.filter(|l| l.id == batch.lease) {
                let sent = lease.count.min(partition.queue.len());
                partition.queue.drain(..sent);
                partition.lease = None;
            }
        }
        Ok(())
    }

    async fn release(&self, batch: &OutboxBatch) -> Result<()> {
        for partition in &self.partitions {
            let mut partition = lock(partition);
            if partition.lease.is_some_and(|l| l.id == batch.lease) {
                partition.lease = None;
            }
        }
        Ok(())
    }

    async fn wait_for_events(&self, at_most: Duration) -> Result<()> {
        // Timing out is an answer too: the caller claims and finds what is there.
        let _ = tokio::time::timeout(at_most, self.appended.notified()).await;
        Ok(())
    }

    async fn lag(&self) -> Result<OutboxLag> {
        let mut lag = OutboxLag::default();
        for partition in &self.partitions {
            let partition = lock(partition);
            lag.pending += partition.queue.len() as u64;
            if let Some(front) = partition.queue.front() {
                let age = Duration::from(front.appended.elapsed());
                lag.oldest = Some(lag.oldest.map_or(age, |a| a.max(age)));
            }
        }
        Ok(lag)
    }
}
