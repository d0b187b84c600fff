//! The conformance suite every backend runs, and the seeded simulation of the order path.
//!
//! Cases are plain `async fn`s taking the ports they check ([`Ports`](crate::ports::Ports)
//! or a single `&dyn Port`), so a backend crate calls them from its own tests; the
//! [`conformance_suite!`](crate::conformance_suite) macro generates one `#[tokio::test]` per
//! case from a factory expression.
//!
//! Backends under test must be built with
//! [`IdempotencyPolicy::for_tests`](crate::ports::IdempotencyPolicy::for_tests) so the
//! expiry cases finish quickly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

pub mod sim;

pub mod audit_log;
pub mod cache;
pub mod catalog;
pub mod catalog_drops;
pub mod concurrency;
pub mod concurrent_pagination;
pub mod concurrent_writes;
pub mod credentials;
pub mod event_bus;
pub mod fixtures;
pub mod follows;
pub mod idempotency;
pub mod ledger;
pub mod ledger_cancel;
pub mod ledger_events;
pub mod ledger_replays;
pub mod ledger_schedule;
pub mod media;
pub mod notifier;
pub mod outbox;
pub mod rate_limiter;
mod suite;
