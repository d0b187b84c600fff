//! LiveDrop's backends: implementations of the ports of `livedrop-core`.
//!
//! # Layout
//! - [`memory`]: every port in process memory. Always built; the server's default and the
//!   embedded engine's. Not durable.
//! - [`postgres`] (feature `postgres`): the durable backend of the ledger, catalog, follows,
//!   audit log, outbox, idempotency fallback and notification storage.
//! - [`redis`] (feature `redis`): the idempotency fast path, shared rate limiting and the
//!   read cache, each with a fallback while Redis is down.
//! - [`kafka`] (feature `kafka`): the event bus on a Kafka topic, with consumer groups.
//!
//! Every backend passes the same `livedrop_core::testkit` conformance suite.

#[cfg(feature = "kafka")]
pub mod kafka;
pub mod memory;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(any(feature = "postgres", feature = "redis"))]
mod redacted_url;
#[cfg(feature = "redis")]
pub mod redis;
