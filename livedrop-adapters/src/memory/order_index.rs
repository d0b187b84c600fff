//! Indexes over every drop's orders, and reads through them into the drops' cells.

use std::sync::Arc;

use livedrop_core::ids::{OrderId, UserId};

use super::FastMap;
use super::books::Books;
use super::key_table::KeyTable;
use super::keyset::Position;
use super::order_place::OrderPlace;
use super::order_record::OrderRecord;

/// Indexes over every drop's orders.
#[derive(Debug, Default)]
pub(crate) struct OrderIndexes {
    /// The authority on idempotency: one order per `(user, key)`, in the `holder` half of
    /// the table shared with the idempotency store.
    pub(crate) by_key: Arc<KeyTable>,
    /// Where each order lives.
    pub(crate) place_of: FastMap<OrderId, OrderPlace>,
    /// A buyer's orders by `(created_at, id)`, sorted.
    pub(crate) by_user: FastMap<UserId, Vec<Position>>,
}

impl OrderIndexes {
    /// Reads an order's record under its drop's lock.
    pub(crate) fn read<R>(
        &self,
        books: &Books,
        order_id: OrderId,
        read: impl FnOnce(&OrderRecord) -> R,
    ) -> Option<R> {
        let place = *self.place_of.get(&order_id)?;
        let cell = books.cell(place.drop_id)?;
        let cell = cell.lock();
        cell.orders.get(place.position).map(read)
    }
}
