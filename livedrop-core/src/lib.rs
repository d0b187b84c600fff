//! LiveDrop's core: the domain of limited-inventory drops, the ports every backend
//! implements, the use cases written against those ports, and the HTTP wire contract.
//!
//! It does no I/O of its own and depends on no database, cache, broker or HTTP crate;
//! backends live in `livedrop-adapters`.
//!
//! # Layout
//! - [`domain`]: validated types (`Title`, `Quantity`, `DropWindow`, ...), entities, the drop
//!   lifecycle and [`DropBook`](domain::DropBook), the pure state machine every ledger
//!   applies orders through.
//! - [`ports`]: one async trait per backend concern, each with its contract.
//! - [`services`]: the use cases (place order, follow, catalog, browse, scheduler, relay).
//! - [`wire`]: request bodies, problem+json, and the canonical order response.
//! - [`pagination`]: opaque keyset cursors and pages.
//! - `testkit` (feature `testkit`): the conformance suite every backend runs, and the
//!   seeded simulation of the order path.
//!
//! # The invariant
//! For every drop, in every backend, under any interleaving and fault:
//! `available + sum(confirmed qty) == initial_stock` and `available >= 0`.

pub mod clock;
pub mod domain;
mod error;
pub mod ids;
pub mod pagination;
pub mod ports;
pub mod services;
pub mod wire;

#[cfg(feature = "testkit")]
pub mod testkit;

pub use error::{BoxError, Entity, Error, Result};
