//! Row values to domain values and back. A row that does not decode (a value the
//! constraints should have kept out) is an `Internal` error, never a panic.

use chrono::{DateTime, Utc};
use livedrop_core::domain::{
    Drop, DropBook, DropStatus, DropWindow, IdempotencyKey, Order, OrderStatus, Quantity, StockPlan,
};
use livedrop_core::ids::{CreatorId, DropId, OrderId, ProductId, UserId};
use livedrop_core::{Error, Result};
use uuid::Uuid;

/// A value read from the database that the domain refuses.
pub(crate) fn corrupt(what: &'static str, error: impl std::fmt::Display) -> Error {
    Error::internal(
        "postgres",
        format!("stored {what} does not decode: {error}"),
    )
}

/// An instant as Postgres keeps it (microseconds): anything stored goes through this, so
/// what a call returns is exactly what a later read returns.
pub(crate) fn micros(at: DateTime<Utc>) -> DateTime<Utc> {
    chrono::SubsecRound::trunc_subsecs(at, 6)
}

/// A lifetime as Postgres interval microseconds.
pub(crate) fn interval_micros(lifetime: std::time::Duration) -> i64 {
    i64::try_from(lifetime.as_micros()).unwrap_or(i64::MAX)
}

/// A count or quantity as a Postgres `integer` (the domain caps them below `i32::MAX`).
pub(crate) fn int(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

/// A stored non-negative `integer` as the domain's `u32`.
pub(crate) fn uint(what: &'static str, value: i32) -> Result<u32> {
    u32::try_from(value).map_err(|e| corrupt(what, e))
}

pub(crate) fn drop_status(text: &str) -> Result<DropStatus> {
    text.parse().map_err(|e| corrupt("drop status", e))
}

fn parse_order_status(text: &str) -> Result<OrderStatus> {
    match text {
        "confirmed" => Ok(OrderStatus::Confirmed),
        "cancelled" => Ok(OrderStatus::Cancelled),
        other => Err(corrupt("order status", other)),
    }
}

/// A drop joined with its stock row (`BOOK_COLUMNS`).
#[derive(sqlx::FromRow)]
pub(crate) struct BookRow {
    id: Uuid,
    product_id: Uuid,
    creator_id: Uuid,
    start_at: DateTime<Utc>,
    end_at: DateTime<Utc>,
    initial_stock: i32,
    low_stock_threshold: i32,
    max_per_user: Option<i32>,
    created_at: DateTime<Utc>,
    status: String,
    available: i32,
    low_stock_notified: bool,
    updated_at: DateTime<Utc>,
}

/// The columns of a [`BookRow`] as readers see the drop, for
/// `FROM drops d JOIN drop_stock s ON s.drop_id = d.id`: the units left are the stock row's
/// and its allotments' (migration 0014), and the last change is the latest of theirs.
pub(crate) const BOOK_COLUMNS: &str = "d.id, d.product_id, d.creator_id, d.start_at, d.end_at, \
     d.initial_stock, d.low_stock_threshold, d.max_per_user, d.created_at, s.status, \
     s.available + (SELECT coalesce(sum(a.units), 0)::int FROM drop_allotments a \
                    WHERE a.drop_id = s.drop_id) AS available, \
     s.low_stock_notified, \
     greatest(s.updated_at, (SELECT max(a.updated_at) FROM drop_allotments a \
                             WHERE a.drop_id = s.drop_id)) AS updated_at";

/// [`BOOK_COLUMNS`] with the stock row's own units and last change: the book as the
/// ledger locks and writes it.
pub(crate) const STOCK_ROW_BOOK_COLUMNS: &str = "d.id, d.product_id, d.creator_id, d.start_at, \
     d.end_at, d.initial_stock, d.low_stock_threshold, d.max_per_user, d.created_at, \
     s.status, s.available, s.low_stock_notified, s.updated_at";

impl BookRow {
    pub(crate) fn into_book(self) -> Result<DropBook> {
        let window =
            DropWindow::new(self.start_at, self.end_at).map_err(|e| corrupt("drop window", e))?;
        let plan = StockPlan::new(
            i64::from(self.initial_stock),
            i64::from(self.low_stock_threshold),
            self.max_per_user.map(i64::from),
        )
        .map_err(|e| corrupt("stock plan", e))?;
        Ok(DropBook {
            drop: Drop {
                id: DropId::from_uuid(self.id),
                product_id: ProductId::from_uuid(self.product_id),
                creator_id: CreatorId::from_uuid(self.creator_id),
                window,
                plan,
                status: drop_status(&self.status)?,
                created_at: self.created_at,
            },
            available: uint("available stock", self.available)?,
            low_stock_notified: self.low_stock_notified,
            updated_at: self.updated_at,
        })
    }
}

/// An order row (`ORDER_COLUMNS`).
#[derive(sqlx::FromRow)]
pub(crate) struct OrderRow {
    id: Uuid,
    user_id: Uuid,
    drop_id: Uuid,
    qty: i32,
    status: String,
    idempotency_key: String,
    created_at: DateTime<Utc>,
    cancelled_at: Option<DateTime<Utc>>,
}

/// The columns of an [`OrderRow`]; queries spell them out, tests check they match.
#[cfg(test)]
pub(crate) const ORDER_COLUMNS: &str =
    "id, user_id, drop_id, qty, status, idempotency_key, created_at, cancelled_at";

impl OrderRow {
    pub(crate) fn into_order(self) -> Result<Order> {
        Ok(Order {
            id: OrderId::from_uuid(self.id),
            user_id: UserId::from_uuid(self.user_id),
            drop_id: DropId::from_uuid(self.drop_id),
            qty: Quantity::try_from(i64::from(self.qty)).map_err(|e| corrupt("quantity", e))?,
            status: parse_order_status(&self.status)?,
            idempotency_key: IdempotencyKey::try_from(self.idempotency_key)
                .map_err(|e| corrupt("idempotency key", e))?,
            created_at: self.created_at,
            cancelled_at: self.cancelled_at,
        })
    }
}
