//! The ledger, placing each order inside a span of its own.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use livedrop_core::Result;
use livedrop_core::domain::{Cancellation, DropStock, Order};
use livedrop_core::ids::{DropId, OrderId, UserId};
use livedrop_core::pagination::{Page, PageRequest};
use livedrop_core::ports::{DropTransition, Ledger, LedgerSummary, OrderRequest, Placement};
use tracing::Instrument;

/// Places each order in a `ledger.place_order` span (a child of the request's) covering
/// its wait for and place in the batch that decides it, and hands that span's context to
/// the ledger, which joins the order's events to it. Everything else goes straight through.
#[derive(Debug)]
pub(super) struct TracedLedger {
    inner: Arc<dyn Ledger>,
}

impl TracedLedger {
    pub(super) fn new(inner: Arc<dyn Ledger>) -> Self {
        Self { inner }
    }
}

#[async_trait]
impl Ledger for TracedLedger {
    async fn place_order(&self, req: &OrderRequest) -> Result<Placement> {
        let span = tracing::info_span!(
            "ledger.place_order",
            order.id = %req.order_id,
            drop.id = %req.drop_id,
            outcome = tracing::field::Empty,
        );
        let request = OrderRequest {
            trace: span.in_scope(super::current).or_else(|| req.trace.clone()),
            ..req.clone()
        };
        let placed = self
            .inner
            .place_order(&request)
            .instrument(span.clone())
            .await;
        let outcome = match &placed {
            Ok(Placement::Confirmed(_)) => "confirmed",
            Ok(Placement::Existing(_)) => "replayed",
            Err(_) => "refused",
        };
        span.record("outcome", outcome);
        placed
    }

    async fn cancel_order(
        &self,
        order_id: OrderId,
        user_id: UserId,
        now: DateTime<Utc>,
    ) -> Result<Cancellation> {
        self.inner.cancel_order(order_id, user_id, now).await
    }

    async fn advance_drops(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<DropTransition>> {
        self.inner.advance_drops(now, limit).await
    }

    async fn next_due(&self) -> Result<Option<DateTime<Utc>>> {
        self.inner.next_due().await
    }

    async fn stock(&self, drop_id: DropId) -> Result<DropStock> {
        self.inner.stock(drop_id).await
    }

    async fn order(&self, order_id: OrderId) -> Result<Order> {
        self.inner.order(order_id).await
    }

    async fn orders_by_user(&self, user_id: UserId, page: PageRequest) -> Result<Page<Order>> {
        self.inner.orders_by_user(user_id, page).await
    }

    async fn summary(&self, drop_id: DropId) -> Result<LedgerSummary> {
        self.inner.summary(drop_id).await
    }
}
