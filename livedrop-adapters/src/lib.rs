//! LiveDrop's backends: implementations of the ports of `livedrop-core`.
//!
//! # Layout
//! - [`memory`]: every port in process memory. Always built; the server's default and the
//!   embedded engine's. Not durable.
//! - [`postgres`] (feature `postgres`): the durable backend of the ledger, catalog, follows,
//!   audit log, outbox, idempotency fallback and notification storage.
//! - [`redis`] (feature `redis`): the idempotency fast path, shared rate limiting and the
//!   read cache, each with a fallback while Redis is down.
//! - A Kafka backend is to come, behind a cargo feature. Every backend passes the same
//!   `livedrop_core::testkit` conformance suite.

pub mod memory;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(any(feature = "postgres", feature = "redis"))]
mod redacted_url;
#[cfg(feature = "redis")]
pub mod redis;
