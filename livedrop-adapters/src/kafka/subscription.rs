//! One member of a consumer group.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use async_trait::async_trait;
use livedrop_core::ports::{Delivery, EventSubscription};
use livedrop_core::{Error, Result};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::{Offset, TopicPartitionList};

use super::BACKEND;
use super::config::KafkaConfig;
use super::error::{lost_ownership, to_error};
use super::poller::{self, GroupContext, Shared};

/// A member of a consumer group on the bus's topic.
pub(super) struct KafkaSubscription {
    shared: Arc<Shared>,
    /// The client the polling thread polls (librdkafka is thread safe), for commits.
    /// `None` only while dropping.
    consumer: Option<Arc<BaseConsumer<GroupContext>>>,
    topic: String,
    group: String,
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
                    return fetched.delivery;
                }
                if let Some(fatal) = &state.fatal {
                    return Err(Error::internal(BACKEND, fatal.clone()));
                }
            }
            changed.await;
        }
    }

    async fn commit(&mut self, delivery: &Delivery) -> Result<()> {
        let Some(consumer) = self.consumer.clone() else {
            return Ok(());
        };
        let mut offsets = TopicPartitionList::new();
        // Kafka's committed offset is the next one to read.
        offsets
            .add_partition_offset(
                &self.topic,
                delivery.partition,
                Offset::Offset(delivery.offset + 1),
            )
            .map_err(to_error)?;
        // A synchronous commit blocks until the coordinator answers: off the runtime.
        let committed =
            tokio::task::spawn_blocking(move || consumer.commit(&offsets, CommitMode::Sync))
                .await
                .map_err(|e| Error::internal(BACKEND, e))?;
        match committed {
            Ok(()) => Ok(()),
            Err(error) if lost_ownership(&error) => {
                // The group moved the partition to another member meanwhile; it starts
                // from the last commit, so the event is delivered again there (at least
                // once), and there is nothing to retry here.
                tracing::debug!(
                    group = %self.group,
                    partition = delivery.partition,
                    offset = delivery.offset,
                    %error,
                    "kafka: commit after losing the partition"
                );
                Ok(())
            }
            Err(error) => Err(to_error(error)),
        }
    }
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
