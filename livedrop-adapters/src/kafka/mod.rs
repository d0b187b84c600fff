//! The Kafka backend: the event bus on a Kafka topic, with consumer groups and tails.
//!
//! # Layout
//! - [`KafkaConfig`] (`config`): brokers, the topic and its partitions, group names and
//!   timeouts, and the librdkafka settings every client shares.
//! - `admin`: creates the topic at start-up when it is missing (brokers such as tansu do
//!   not create topics on first use, and a produce to a missing topic only times out).
//! - [`KafkaEventBus`] (`bus`): the [`EventBus`](livedrop_core::ports::EventBus) port. An
//!   idempotent producer (`acks=all`) keyed by [`Event::key`](livedrop_core::domain::Event::key),
//!   so the events of one drop (else creator) share a partition and keep their order.
//! - `producer`: the producer handle the bus shares with its subscriptions (they query
//!   watermarks through it), replaced in place when it cannot send again.
//! - `group_lag`: a group's backlog per partition from the brokers (its commits against
//!   the partitions' ends), for the lag metric, true however stuck its members are.
//! - `subscription`: one consumer group member; `poller` runs its librdkafka consumer on a
//!   thread of its own so group rebalances are served even while nobody asks for the next
//!   event.
//! - `tail`: a reader of every partition outside any group (a node's realtime hub), its
//!   consumer assigned each partition by hand at the partition's end, so it joins no group
//!   and commits nothing; it reuses `poller`'s thread and buffer.
//! - `error`: librdkafka's errors as the core's `Unavailable` (retry later) or `Internal`.
//!
//! Needs a librdkafka with the idempotent producer: the crate's bundled build (2.12).

mod admin;
mod bus;
mod config;
mod error;
mod group_lag;
mod poller;
mod producer;
mod subscription;
mod tail;

pub use bus::KafkaEventBus;
pub use config::KafkaConfig;

/// The backend name in errors and logs.
const BACKEND: &str = "kafka";

/// The record header carrying an event's W3C trace context (the name the specification gives
/// it for every transport), so consumers join the trace of the request that caused it.
const TRACEPARENT: &str = "traceparent";

impl KafkaEventBus {
    /// `base` with its event bus replaced by this Kafka topic.
    pub fn ports(&self, base: livedrop_core::ports::Ports) -> livedrop_core::ports::Ports {
        livedrop_core::ports::Ports {
            bus: std::sync::Arc::new(self.clone()),
            ..base
        }
    }
}
