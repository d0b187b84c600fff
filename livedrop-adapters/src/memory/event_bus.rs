//! In-process event bus: one retained log, consumer groups with committed offsets, and
//! tails that read it outside any group, each with a cursor of its own.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use livedrop_core::Result;
use livedrop_core::domain::Event;
use livedrop_core::ports::{Delivery, EventBus, EventSubscription, EventTail, PartitionLag};
use tokio::sync::Notify;

use super::sync::lock;

/// A consumer group. The bus has one partition, so, as in Kafka, one member at a time owns
/// it: "everything before this offset is processed" then means the same for every member,
/// and an owner that leaves hands its uncommitted events to the next.
#[derive(Debug, Default)]
struct Group {
    /// Everything before this offset is processed.
    committed: i64,
    /// The next offset handed out.
    next: i64,
    /// The member currently consuming (others wait for it to leave).
    owner: Option<u64>,
}

#[derive(Debug, Default)]
struct Log {
    events: VecDeque<Event>,
    /// Offset of `events[0]`.
    base: i64,
    groups: HashMap<String, Group>,
    /// Where each live tail reads next, by tail id: the log keeps everything from there.
    tails: HashMap<u64, i64>,
}

impl Log {
    fn end(&self) -> i64 {
        self.base + self.events.len() as i64
    }

    /// Forgets events every group has committed (with no group, all but the newest
    /// `retain`) and every live tail has read.
    fn trim(&mut self, retain: usize) {
        let committed = self
            .groups
            .values()
            .map(|g| g.committed)
            .min()
            .unwrap_or_else(|| self.end() - retain as i64);
        let keep_from = self.tails.values().copied().fold(committed, i64::min);
        while self.base < keep_from && !self.events.is_empty() {
            self.events.pop_front();
            self.base += 1;
        }
    }
}

#[derive(Debug)]
struct Shared {
    log: Mutex<Log>,
    /// Hands out member and tail ids.
    members: std::sync::atomic::AtomicU64,
    published: Notify,
    retain: usize,
}

/// The bus for a single process: the same at-least-once contract as Kafka, without the
/// durability (it lives as long as the process).
#[derive(Debug, Clone)]
pub struct MemoryEventBus {
    shared: Arc<Shared>,
}

impl MemoryEventBus {
    pub(crate) fn new(retain: usize) -> Self {
        Self {
            shared: Arc::new(Shared {
                log: Mutex::default(),
                members: std::sync::atomic::AtomicU64::new(0),
                published: Notify::new(),
                retain,
            }),
        }
    }
}

#[async_trait]
impl EventBus for MemoryEventBus {
    async fn publish(&self, events: &[Event]) -> Result<()> {
        let mut log = lock(&self.shared.log);
        log.events.extend(events.iter().cloned());
        log.trim(self.shared.retain);
        drop(log);
        self.shared.published.notify_waiters();
        Ok(())
    }

    async fn lag(&self, group: &str) -> Result<Vec<PartitionLag>> {
        let log = lock(&self.shared.log);
        Ok(log
            .groups
            .get(group)
            .map(|group| PartitionLag {
                partition: 0,
                end: log.end(),
                committed: group.committed.max(log.base),
            })
            .into_iter()
            .collect())
    }

    /// A cursor at the end of the log, registered so trimming keeps what it has not read.
    async fn tail(&self) -> Result<Box<dyn EventTail>> {
        let id = self
            .shared
            .members
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut log = lock(&self.shared.log);
        let start = log.end();
        log.tails.insert(id, start);
        Ok(Box::new(MemoryTail {
            shared: Arc::clone(&self.shared),
            id,
            start: [start],
        }))
    }

    async fn subscribe(&self, group: &str) -> Result<Box<dyn EventSubscription>> {
        let mut log = lock(&self.shared.log);
        let end = log.end();
        log.groups.entry(group.to_owned()).or_insert(Group {
            committed: end,
            next: end,
            owner: None,
        });
        Ok(Box::new(MemorySubscription {
            shared: Arc::clone(&self.shared),
            group: group.to_owned(),
            member: self
                .shared
                .members
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }))
    }
}

/// A member of a consumer group.
#[derive(Debug)]
struct MemorySubscription {
    shared: Arc<Shared>,
    group: String,
    member: u64,
}

#[async_trait]
impl EventSubscription for MemorySubscription {
    async fn next(&mut self) -> Result<Delivery> {
        let mut batch = self.next_batch(1).await?;
        // `next_batch` returns at least one delivery.
        batch
            .pop()
            .ok_or_else(|| livedrop_core::Error::internal("memory bus", "an empty batch"))
    }

    async fn next_batch(&mut self, max: usize) -> Result<Vec<Delivery>> {
        loop {
            // Register interest before looking, so a publish between the look and the
            // wait cannot be missed.
            let published = self.shared.published.notified();
            let mut published = std::pin::pin!(published);
            published.as_mut().enable();
            {
                let mut log = lock(&self.shared.log);
                let (base, end) = (log.base, log.end());
                let member = self.member;
                let mut batch = Vec::new();
                if let Some(group) = log.groups.get_mut(&self.group)
                    && *group.owner.get_or_insert(member) == member
                {
                    group.next = group.next.max(base);
                    let from = group.next;
                    let to =
                        end.min(from.saturating_add(i64::try_from(max.max(1)).unwrap_or(i64::MAX)));
                    group.next = to;
                    batch.extend((from..to).map(|offset| (offset, (offset - base) as usize)));
                }
                if !batch.is_empty() {
                    return Ok(batch
                        .into_iter()
                        .filter_map(|(offset, index)| {
                            log.events.get(index).map(|event| Delivery {
                                event: event.clone(),
                                partition: 0,
                                offset,
                            })
                        })
                        .collect());
                }
            }
            published.await;
        }
    }

    async fn commit(&mut self, delivery: &Delivery) -> Result<()> {
        let mut log = lock(&self.shared.log);
        if let Some(group) = log.groups.get_mut(&self.group)
            && group.owner == Some(self.member)
        {
            group.committed = group.committed.max(delivery.offset + 1);
        }
        log.trim(self.shared.retain);
        Ok(())
    }

    /// The owner's view of the one partition: the end of the log minus what the group
    /// committed; a member waiting for the owner to leave owns nothing yet.
    async fn lag(&mut self) -> Result<u64> {
        let log = lock(&self.shared.log);
        let end = log.end();
        Ok(log
            .groups
            .get(&self.group)
            .filter(|group| group.owner == Some(self.member))
            .map_or(0, |group| {
                u64::try_from(end - group.committed).unwrap_or_default()
            }))
    }
}

impl Drop for MemorySubscription {
    /// An owner leaving hands the partition on: what it received but did not commit goes
    /// to the group's next member again.
    fn drop(&mut self) {
        let mut log = lock(&self.shared.log);
        if let Some(group) = log.groups.get_mut(&self.group)
            && group.owner == Some(self.member)
        {
            group.owner = None;
            group.next = group.committed;
        }
        drop(log);
        // Wake waiting members so one of them takes over.
        self.shared.published.notify_waiters();
    }
}

/// A tail of the one partition: its cursor lives in the log (`Log::tails`), so trimming
/// keeps what it has not read until it is dropped.
#[derive(Debug)]
struct MemoryTail {
    shared: Arc<Shared>,
    id: u64,
    start: [i64; 1],
}

#[async_trait]
impl EventTail for MemoryTail {
    fn start(&self) -> &[i64] {
        &self.start
    }

    /// Takes the batch and moves the cursor in one critical section, with no await after
    /// it: a dropped call has taken nothing.
    async fn next_batch(&mut self, max: usize) -> Result<Vec<Delivery>> {
        loop {
            // Register interest before looking, so a publish between the look and the
            // wait cannot be missed.
            let published = self.shared.published.notified();
            let mut published = std::pin::pin!(published);
            published.as_mut().enable();
            {
                let mut log = lock(&self.shared.log);
                let (base, end) = (log.base, log.end());
                // Trimming never passes a live cursor; `max` only guards the arithmetic.
                let from = log.tails.get(&self.id).copied().unwrap_or(end).max(base);
                let to =
                    end.min(from.saturating_add(i64::try_from(max.max(1)).unwrap_or(i64::MAX)));
                if from < to {
                    log.tails.insert(self.id, to);
                    return Ok((from..to)
                        .filter_map(|offset| {
                            log.events
                                .get((offset - base) as usize)
                                .map(|event| Delivery {
                                    event: event.clone(),
                                    partition: 0,
                                    offset,
                                })
                        })
                        .collect());
                }
            }
            published.await;
        }
    }
}

impl Drop for MemoryTail {
    /// Stops holding the log: what only this tail had left to read can go now.
    fn drop(&mut self) {
        let mut log = lock(&self.shared.log);
        log.tails.remove(&self.id);
        log.trim(self.shared.retain);
    }
}

#[cfg(test)]
mod tests {
    use livedrop_core::domain::EventData;
    use livedrop_core::ids::{CreatorId, UserId};

    use super::*;

    /// Trimming keeps what a live tail has not read, though every group committed it and
    /// it is past the retention; once the tail is dropped, the log lets it go.
    #[tokio::test]
    async fn a_live_tail_holds_the_log_until_dropped() {
        let held = |bus: &MemoryEventBus| lock(&bus.shared.log).events.len();
        let bus = MemoryEventBus::new(1);
        let mut group = bus.subscribe("group").await.unwrap();
        let mut tail = bus.tail().await.unwrap();
        let user_id = UserId::new();
        let published: Vec<Event> = (0..4)
            .map(|_| {
                Event::new(
                    EventData::FollowCreated { user_id },
                    CreatorId::new(),
                    None,
                    chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
                )
            })
            .collect();
        bus.publish(&published).await.unwrap();
        let read = group.next_batch(10).await.unwrap();
        group.commit(&read[3]).await.unwrap();
        assert_eq!(held(&bus), 4, "the tail read none");
        let mut got = tail.next_batch(3).await.unwrap();
        bus.publish(&[]).await.unwrap();
        assert_eq!(held(&bus), 1, "the tail read three");
        got.extend(tail.next_batch(3).await.unwrap());
        let ids = |events: Vec<Event>| events.into_iter().map(|e| e.id).collect::<Vec<_>>();
        assert_eq!(
            ids(got.into_iter().map(|d| d.event).collect()),
            ids(published)
        );
        let _idle = bus.tail().await.unwrap();
        drop(tail);
        assert_eq!(held(&bus), 0, "nobody holds the log");
    }
}
