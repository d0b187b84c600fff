//! LiveDrop's backends: implementations of the ports of `livedrop-core`.
//!
//! # Layout
//! - [`memory`]: every port in process memory. Always built; the server's default and the
//!   embedded engine's. Not durable.
//! - [`postgres`] (feature `postgres`): the durable backend of the ledger, catalog, follows,
//!   audit log, outbox, idempotency fallback and notification storage.
//! - Redis and Kafka backends are to come, behind cargo features. Every backend passes the
//!   same `livedrop_core::testkit` conformance suite.

pub mod memory;
#[cfg(feature = "postgres")]
pub mod postgres;
