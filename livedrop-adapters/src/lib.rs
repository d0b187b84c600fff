//! LiveDrop's backends: implementations of the ports of `livedrop-core`.
//!
//! # Layout
//! - [`memory`]: every port in process memory. Always built; the server's default and the
//!   embedded engine's. Not durable.
//! - Postgres, Redis and Kafka backends come behind cargo features (`postgres`, `redis`,
//!   `kafka`), each passing the same `livedrop_core::testkit` conformance suite.

pub mod memory;
