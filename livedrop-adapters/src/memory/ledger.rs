//! In-memory ledger: each drop's critical section is the atomic unit of the order path.

use std::{collections::BTreeSet, sync::Arc};

use super::FastMap;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use livedrop_core::domain::{
    AuditAction, AuditDetail, AuditEntry, AuditTarget, DropStock, IdempotencyKey, Order,
    OrderRejection, OrderStatus,
};
use livedrop_core::ids::{DropId, OrderId, UserId};
use livedrop_core::pagination::{Page, PageRequest};
use livedrop_core::ports::{
    Cancellation, DropTransition, Ledger, LedgerSummary, OrderRequest, Placement,
};
use livedrop_core::{Entity, Error, Result};

use super::audit_log::MemoryAuditLog;
use super::books::{Books, DropCell, Placement as IndexPlacement};
use super::outbox::MemoryOutbox;
use super::sync::lock;

/// Orders and their indexes, shared by every drop.
#[derive(Debug, Default)]
pub(crate) struct OrderTables {
    pub(crate) orders: FastMap<OrderId, Order>,
    /// The authority on idempotency: one order per `(user, key)`.
    by_key: FastMap<(UserId, IdempotencyKey), OrderId>,
    by_user: FastMap<UserId, BTreeSet<(i64, uuid::Uuid)>>,
}

/// The order ledger over [`Books`]. See [`Ledger`] for the contract.
#[derive(Debug, Clone)]
pub struct MemoryLedger {
    pub(crate) books: Arc<Books>,
    pub(crate) orders: Arc<OrderTables>,
    pub(crate) outbox: Arc<MemoryOutbox>,
    pub(crate) audit: Arc<MemoryAuditLog>,
}

impl MemoryLedger {
    fn cell(&self, drop_id: DropId) -> Result<Arc<std::sync::Mutex<DropCell>>> {
        self.books
            .cell(drop_id)
            .ok_or_else(|| Error::not_found(Entity::Drop, drop_id))
    }

    /// Decides one order inside the drop's critical section. `order` and `audit` are built
    /// by the caller before the lock is taken: the section only decides and files.
    fn place_locked(
        &self,
        cell: &mut DropCell,
        req: &OrderRequest,
        order: Order,
        audit: AuditEntry,
    ) -> Result<Placement> {
        let before = IndexPlacement::of(&cell.book);
        let mut events = cell.book.advance(req.now);
        let result = match self
            .orders
            .by_key
            .entry((req.user_id, req.idempotency_key.clone()))
        {
            dashmap::Entry::Occupied(taken) => self.existing(*taken.get(), req),
            dashmap::Entry::Vacant(slot) => {
                let held = cell.held.get(&req.user_id).copied().unwrap_or(0);
                match cell.book.take(&order, held) {
                    Ok(taken) => {
                        events.extend(taken);
                        slot.insert(order.id);
                        *cell.held.entry(req.user_id).or_insert(0) += req.qty.get();
                        cell.orders.push(order.id);
                        self.audit.record(audit);
                        self.orders
                            .by_user
                            .entry(req.user_id)
                            .or_default()
                            .insert((req.now.timestamp_micros(), order.id.as_uuid()));
                        self.orders.orders.insert(order.id, order.clone());
                        Ok(Placement::Confirmed(order))
                    }
                    Err(rejection) => Err(Error::Rejected(rejection)),
                }
            }
        };
        // Due transitions happen even when the order itself is refused.
        self.audit_transitions(&before, cell, req.now);
        self.books.refile(before, &cell.book);
        self.outbox.append(events);
        result
    }

    fn existing(&self, order_id: OrderId, req: &OrderRequest) -> Result<Placement> {
        let order = self
            .orders
            .orders
            .get(&order_id)
            .map(|o| o.clone())
            .ok_or_else(|| {
                Error::internal("memory", "idempotency index points at a missing order")
            })?;
        if order.drop_id == req.drop_id && order.qty == req.qty {
            Ok(Placement::Existing(order))
        } else {
            Err(Error::IdempotencyMismatch)
        }
    }

    fn audit_transitions(&self, before: &IndexPlacement, cell: &DropCell, now: DateTime<Utc>) {
        let from = before.status();
        let to = cell.book.drop.status;
        if from != to {
            self.audit.record(AuditEntry::new(
                None,
                AuditAction::DropStatusChanged,
                AuditTarget::Drop(cell.book.drop.id),
                AuditDetail::StatusChange { from, to },
                now,
            ));
        }
    }
}

#[async_trait]
impl Ledger for MemoryLedger {
    async fn place_order(&self, req: &OrderRequest) -> Result<Placement> {
        let Some(cell) = self.books.cell(req.drop_id) else {
            return Err(OrderRejection::DropNotFound.into());
        };
        let order = Order {
            id: req.order_id,
            user_id: req.user_id,
            drop_id: req.drop_id,
            qty: req.qty,
            status: OrderStatus::Confirmed,
            idempotency_key: req.idempotency_key.clone(),
            created_at: req.now,
            cancelled_at: None,
        };
        let audit = AuditEntry::new(
            Some(req.user_id),
            AuditAction::OrderPlaced,
            AuditTarget::Order(order.id),
            AuditDetail::Order {
                drop_id: req.drop_id,
                qty: req.qty,
            },
            req.now,
        );
        let mut cell = lock(&cell);
        self.place_locked(&mut cell, req, order, audit)
    }

    async fn cancel_order(
        &self,
        order_id: OrderId,
        user_id: UserId,
        now: DateTime<Utc>,
    ) -> Result<Cancellation> {
        let drop_id = match self.orders.orders.get(&order_id) {
            Some(order) if order.user_id == user_id => order.drop_id,
            _ => return Err(Error::not_found(Entity::Order, order_id)),
        };
        let cell = self.cell(drop_id)?;
        let mut cell = lock(&cell);
        // Re-read under the drop lock: a concurrent cancel of the same order serializes here.
        let mut order = self
            .orders
            .orders
            .get(&order_id)
            .map(|o| o.clone())
            .ok_or_else(|| Error::not_found(Entity::Order, order_id))?;
        if order.status == OrderStatus::Cancelled {
            return Ok(Cancellation {
                order,
                changed: false,
            });
        }
        let before = IndexPlacement::of(&cell.book);
        let mut events = cell.book.advance(now);
        order.status = OrderStatus::Cancelled;
        order.cancelled_at = Some(now);
        events.extend(cell.book.give_back(&order, now));
        if let Some(held) = cell.held.get_mut(&user_id) {
            *held = held.saturating_sub(order.qty.get());
        }
        self.orders.orders.insert(order_id, order.clone());
        self.audit.record(AuditEntry::new(
            Some(user_id),
            AuditAction::OrderCancelled,
            AuditTarget::Order(order_id),
            AuditDetail::Order {
                drop_id,
                qty: order.qty,
            },
            now,
        ));
        self.audit_transitions(&before, &cell, now);
        self.books.refile(before, &cell.book);
        self.outbox.append(events);
        Ok(Cancellation {
            order,
            changed: true,
        })
    }

    async fn advance_drops(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<DropTransition>> {
        let mut applied = Vec::new();
        for drop_id in self.books.due(now, limit) {
            let Some(cell) = self.books.cell(drop_id) else {
                continue;
            };
            let mut cell = lock(&cell);
            let before = IndexPlacement::of(&cell.book);
            // Under the drop lock: of several schedulers racing here, only the first finds
            // anything to do, so each transition is applied and announced once.
            let events = cell.book.advance(now);
            if events.is_empty() {
                continue;
            }
            applied.push(DropTransition {
                drop_id,
                from: before.status(),
                to: cell.book.drop.status,
            });
            self.audit_transitions(&before, &cell, now);
            self.books.refile(before, &cell.book);
            self.outbox.append(events);
        }
        Ok(applied)
    }

    async fn stock(&self, drop_id: DropId) -> Result<DropStock> {
        let cell = self.cell(drop_id)?;
        let stock = lock(&cell).book.stock();
        Ok(stock)
    }

    async fn order(&self, order_id: OrderId) -> Result<Order> {
        self.orders
            .orders
            .get(&order_id)
            .map(|o| o.clone())
            .ok_or_else(|| Error::not_found(Entity::Order, order_id))
    }

    async fn orders_by_user(&self, user_id: UserId, page: PageRequest) -> Result<Page<Order>> {
        let positions = match self.orders.by_user.get(&user_id) {
            Some(index) => super::keyset::newest_first(&index, page),
            None => {
                return Ok(Page {
                    items: Vec::new(),
                    next_cursor: None,
                });
            }
        };
        let orders = &self.orders.orders;
        Ok(Page {
            items: positions
                .items
                .iter()
                .filter_map(|(_, id)| orders.get(&OrderId::from_uuid(*id)).map(|o| o.clone()))
                .collect(),
            next_cursor: positions.next_cursor,
        })
    }

    async fn summary(&self, drop_id: DropId) -> Result<LedgerSummary> {
        let cell = self.cell(drop_id)?;
        let cell = lock(&cell);
        // Recomputed from the orders themselves, not from a running counter, so the
        // invariant check is independent of the code that moves stock.
        let (mut confirmed_units, mut confirmed_orders) = (0u64, 0u64);
        for id in &cell.orders {
            if let Some(order) = self.orders.orders.get(id) {
                if order.status == OrderStatus::Confirmed {
                    confirmed_units += u64::from(order.qty.get());
                    confirmed_orders += 1;
                }
            }
        }
        Ok(LedgerSummary {
            drop_id,
            initial_stock: cell.book.drop.plan.initial_stock(),
            available: cell.book.available,
            confirmed_units,
            confirmed_orders,
            status: cell.book.drop.status,
        })
    }
}
