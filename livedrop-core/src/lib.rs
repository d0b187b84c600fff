//! LiveDrop's core: the domain of limited-inventory drops, the ports every backend
//! implements, the use cases written against those ports, and, at its edge, the HTTP wire
//! contract.
//!
//! It does no I/O of its own and depends on no database, cache, broker or HTTP crate;
//! backends live in `livedrop-adapters`.
//!
//! # Layout
//! Layers depend inward only: `domain <- ports <- services <- wire`.
//! - [`domain`]: validated types (`Title`, `Quantity`, `DropWindow`, ...), entities, the drop
//!   lifecycle and [`DropBook`](domain::DropBook), the pure state machine every ledger
//!   applies orders through.
//! - [`ports`]: one async trait per backend concern, each with its contract, and
//!   [`Ports`](ports::Ports), one backend's set of them.
//! - [`services`]: the use cases every caller runs (orders, sign-ins, catalog, follows,
//!   browse, inbox, media, scheduler, relay, consumers); a server handler calls one of them.
//! - [`wire`]: the HTTP contract at the edge: request bodies, answers such as
//!   [`DropView`](wire::DropView), problem+json and the canonical order response; it
//!   depends on the layers above and none of them on it.
//! - Below them all: [`ids`] (UUID v7 ids), [`clock`] (the `Clock` every instant comes
//!   from), [`pagination`] (opaque keyset cursors and pages), [`timestamp`] (the fast RFC
//!   3339 encoding orders serialize with), `json_object` (the JSON writer of the values
//!   encoded on every order: the event envelope, the order answer) and the one [`Error`].
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
mod json_object;
pub mod pagination;
pub mod ports;
pub mod services;
pub mod timestamp;
pub mod wire;

#[cfg(feature = "testkit")]
pub mod testkit;

pub use error::{BoxError, CircuitOpen, Entity, Error, Result};
