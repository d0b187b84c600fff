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
//!
//! # Layout
//! One module per port contract, named after the port, so a backend failing a case sees
//! which port it broke from the test's path (`ledger::…`, `outbox::…`):
//! - The ledger, the order path's heart, in five: [`ledger`] (placing orders, refusals,
//!   reads), [`ledger_replays`] (retries under one key), [`ledger_events`] (the events and
//!   audit entries an order writes), [`ledger_cancel`], [`ledger_schedule`] (the
//!   scheduler's transitions).
//! - The catalog in two: [`catalog`] (users, creators, products) and [`catalog_drops`].
//! - The credentials in two: [`credentials`] (passwords, refresh-token families) and
//!   [`credentials_token_ids`] (single-use token ids).
//! - One each for the other ports: [`follows`], [`idempotency`],
//!   [`outbox`], [`event_bus`], [`notifier`], [`cache`], [`rate_limiter`], [`audit_log`],
//!   [`media`], [`mailer`] (cases that read back at the transport's far end, called by
//!   each mailer's own test rather than the macro); the bus in two, with its tails in
//!   [`event_bus_tail`]. The bus and media
//!   cases also run on their own (`event_bus:` / `media:` in the macro), for backends that
//!   provide only that port.
//! - [`notifier_reads`]: the notifier's read marks and counts of what is newer, beside
//!   [`notifier`]'s delivery and inboxes.
//! - Races, on a multi-thread runtime: [`concurrency`] (oversell, one order per key,
//!   follower counts, schedulers), [`concurrent_writes`] (cancellations, drop creation),
//!   [`concurrent_pagination`] (keyset pages under inserts). The few concurrent cases of
//!   one store (credentials, idempotency, rate limiter) stay in that store's module.
//! - [`fixtures`]: the builders and checks the cases share, each making unique data so
//!   cases can share one backend.
//! - `suite`: the [`conformance_suite!`](crate::conformance_suite) macro, the one list of
//!   every case; a test of this crate fails when a case is missing from it.
//! - [`sim`]: the seeded simulation of the order path; not a case list but a run driven
//!   by one seed, with its own oracle.
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
pub mod credentials_token_ids;
pub mod event_bus;
pub mod event_bus_tail;
pub mod fixtures;
pub mod follows;
pub mod idempotency;
pub mod ledger;
pub mod ledger_cancel;
pub mod ledger_events;
pub mod ledger_replays;
pub mod ledger_schedule;
pub mod mailer;
pub mod media;
pub mod notifier;
pub mod notifier_reads;
pub mod outbox;
pub mod rate_limiter;
mod suite;
