//! Where an order lives, and what the shared key table keeps of the order holding a key.
//!
//! Its own file because both the order indexes and the key table (whose `holder` half is
//! the ledger's unique index) refer to an order by its place.

use livedrop_core::domain::Quantity;
use livedrop_core::ids::DropId;

/// Where an order lives: its drop's cell, and its position in the cell's order list.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OrderPlace {
    pub(crate) drop_id: DropId,
    pub(crate) position: usize,
}

/// What the unique index remembers of the order holding a `(user, key)`: enough to tell a
/// replay from a mismatch without touching another drop's lock, and to find the order.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyHolder {
    pub(crate) place: OrderPlace,
    pub(crate) qty: Quantity,
}
