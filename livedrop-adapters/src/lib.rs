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
//! - [`mail`]: messages to users: files in a directory (always built) or an SMTP relay
//!   (feature `smtp`); the memory backend keeps them in memory.
//! - [`media`]: product images, uploaded with signed URLs: served by the server from memory
//!   or a directory (always built), or presigned straight to S3 (feature `s3`).
//! - `circuit`: the circuit breaker the Redis and Postgres adapters share, so an outage
//!   costs a request a refusal (or its fallback) instead of a timeout.
//! - `single_flight`: concurrent identical calls coalesced into one (the Postgres
//!   idempotency store's begins, the Redis cache's reads).
//! - `redacted_url`: service URLs with their password hidden, for the Postgres and Redis
//!   configurations' logs and `Debug` output.
//!
//! Every backend passes the same `livedrop_core::testkit` conformance suite.

#[cfg(any(feature = "postgres", feature = "redis"))]
mod circuit;
#[cfg(feature = "kafka")]
pub mod kafka;
pub mod mail;
pub mod media;
pub mod memory;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(any(feature = "postgres", feature = "redis"))]
mod redacted_url;
#[cfg(feature = "redis")]
pub mod redis;
#[cfg(any(feature = "postgres", feature = "redis"))]
mod single_flight;
