//! LiveDrop's backends: implementations of the ports of `livedrop-core`.
//!
//! # Layout
//! - [`memory`]: every port in process memory. Always built; the server's default and the
//!   embedded engine's. Not durable.
//! - Postgres, Redis and Kafka backends are to come, behind cargo features, each to pass
//!   the same `livedrop_core::testkit` conformance suite the memory backend passes.

pub mod memory;
