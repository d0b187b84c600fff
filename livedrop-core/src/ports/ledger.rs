//! The stock/ledger port: the one place stock is taken and given back.

use std::fmt::Debug;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::domain::{
    Cancellation, DropStatus, DropStock, IdempotencyKey, Order, OrderStatus, Quantity, TraceParent,
};
use crate::ids::{DropId, OrderId, UserId};
use crate::pagination::{Page, PageRequest};

/// A validated order to place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderRequest {
    /// The id the order gets if confirmed (chosen by the caller, so a retry can be traced).
    pub order_id: OrderId,
    /// Buyer.
    pub user_id: UserId,
    /// What to buy.
    pub drop_id: DropId,
    /// How many.
    pub qty: Quantity,
    /// The buyer's idempotency key; `(user_id, idempotency_key)` is unique among orders.
    pub idempotency_key: IdempotencyKey,
    /// The instant the order is decided at (lifecycle checks use it).
    pub now: DateTime<Utc>,
    /// The trace the request is part of, if traced: the ledger joins the events it writes
    /// for this order to it.
    pub trace: Option<TraceParent>,
}

impl OrderRequest {
    /// The order this request becomes if the ledger confirms it.
    pub fn confirmed_order(&self) -> Order {
        Order {
            id: self.order_id,
            user_id: self.user_id,
            drop_id: self.drop_id,
            qty: self.qty,
            status: OrderStatus::Confirmed,
            idempotency_key: self.idempotency_key.clone(),
            created_at: self.now,
            cancelled_at: None,
        }
    }
}

/// A successful [`Ledger::place_order`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Stock was taken now.
    Confirmed(Order),
    /// The buyer already has an order under this key for the same drop and quantity: it
    /// is returned and nothing is taken again.
    Existing(Order),
}

impl Placement {
    /// The order, new or existing.
    pub fn order(&self) -> &Order {
        match self {
            Placement::Confirmed(order) | Placement::Existing(order) => order,
        }
    }
}

/// A status change the ledger applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DropTransition {
    /// Which drop.
    pub drop_id: DropId,
    /// Status before.
    pub from: DropStatus,
    /// Status after.
    pub to: DropStatus,
}

/// A drop's books, for audits and the invariant check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LedgerSummary {
    /// Which drop.
    pub drop_id: DropId,
    /// Units it started with.
    pub initial_stock: u32,
    /// Units left.
    pub available: u32,
    /// Sum of `qty` over its confirmed (not cancelled) orders.
    pub confirmed_units: u64,
    /// Number of confirmed (not cancelled) orders.
    pub confirmed_orders: u64,
    /// Status.
    pub status: DropStatus,
}

impl LedgerSummary {
    /// The invariant (the crate docs' "The invariant"): `available + confirmed units == initial stock`
    /// (and `available >= 0`, which `u32` already guarantees).
    pub fn invariant_holds(&self) -> bool {
        u64::from(self.available) + self.confirmed_units == u64::from(self.initial_stock)
    }
}

/// The order ledger: drop status, stock and orders, changed only in atomic units.
///
/// # Contract
/// - [`place_order`](Ledger::place_order) MUST, in ONE atomic unit: apply the lifecycle
///   transitions due at `req.now` (see [`DropBook::advance`](crate::domain::DropBook::advance)),
///   check the drop is live and the buyer's per-user limit, decrement stock only if
///   `available >= qty`, insert the order (unique per `(user_id, idempotency_key)`), append the
///   events it causes to the outbox (`order.confirmed`, and `stock.low` / `drop.sold_out` when
///   this order crossed them, decided from this unit's before/after stock) and append an
///   `order.placed` audit entry. Either all of it is visible afterwards or none of it.
/// - It MUST NOT oversell: for every drop, at every moment, under any concurrency,
///   `available + sum(confirmed qty) == initial_stock` and `available >= 0`.
/// - If `(user_id, idempotency_key)` already has an order it MUST return
///   [`Placement::Existing`] for the same drop and quantity and take nothing, or
///   [`Error::IdempotencyMismatch`](crate::Error::IdempotencyMismatch) for a different one.
/// - Refusals are `Err(Error::Rejected(..))` and write nothing but the due transitions:
///   `drop_not_found`, `drop_not_live`, `sold_out`, `insufficient_stock`, `limit_reached`.
/// - It MAY group concurrent orders of one drop into one unit (a batch) as long as each
///   order gets its own answer and every rule above holds per order.
/// - [`cancel_order`](Ledger::cancel_order) MUST flip a confirmed order to cancelled and return
///   its units exactly once, in one unit with its `order.cancelled` event (and
///   `drop.restocked` when a sold-out drop reopens) and audit entry. Cancelling again returns
///   `changed: false`. Someone else's order is [`Error::NotFound`](crate::Error::NotFound).
/// - [`advance_drops`](Ledger::advance_drops) applies due time transitions to at most `limit`
///   drops. Concurrent callers (several scheduler instances) MUST NOT apply one transition
///   twice: each is returned by exactly one caller and emits its event once.
/// - [`next_due`](Ledger::next_due) is the earliest instant at which `advance_drops` has
///   something to apply (a drop's start or end), reflecting every write before the call;
///   `None` when no drop will ever change by time alone. A drop's end stays due after a
///   cancellation returns stock to it: the units come back, the drop stays ended once its
///   window closes, so they are never sold.
/// - Backend failures are [`Error::Unavailable`](crate::Error::Unavailable) and leave nothing
///   half done.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Ledger: Send + Sync + Debug + 'static {
    /// Places an order (see the contract).
    async fn place_order(&self, req: &OrderRequest) -> Result<Placement>;

    /// Cancels `user_id`'s order `order_id` at `now`.
    async fn cancel_order(
        &self,
        order_id: OrderId,
        user_id: UserId,
        now: DateTime<Utc>,
    ) -> Result<Cancellation>;

    /// Applies the lifecycle transitions due at `now` to at most `limit` drops.
    async fn advance_drops(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<DropTransition>>;

    /// When the next lifecycle transition falls due (a scheduled drop's start, a live or
    /// sold-out drop's end), `None` when no drop has one ahead: what a scheduler sleeps
    /// until instead of polling.
    async fn next_due(&self) -> Result<Option<DateTime<Utc>>>;

    /// The drop's current stock and status.
    async fn stock(&self, drop_id: DropId) -> Result<DropStock>;

    /// One order by id.
    async fn order(&self, order_id: OrderId) -> Result<Order>;

    /// A user's orders, newest first.
    async fn orders_by_user(&self, user_id: UserId, page: PageRequest) -> Result<Page<Order>>;

    /// The drop's books (stock, confirmed units) read in one consistent snapshot.
    async fn summary(&self, drop_id: DropId) -> Result<LedgerSummary>;
}
