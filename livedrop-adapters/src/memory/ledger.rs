//! In-memory ledger: each drop's critical section is the atomic unit of the order path.
//!
//! Inside a drop's lock: the lifecycle check, the conditional decrement, the `(user, key)`
//! unique index, the drop's own order table and the outbox append; so at every instant
//! `available + confirmed units == initial stock`, and a drop's events are in commit order.
//! Also inside, so a replayed or listed order can always be read and cancelled: the
//! order-id index and the `order.placed` audit entry (kept with the order, see
//! [`OrderRecord`]). Only the buyer's list index is filed after the lock (still before the
//! call returns).

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use livedrop_core::domain::{
    AuditAction, AuditDetail, AuditEntry, AuditTarget, Cancellation, DropStock, Event, Order,
    OrderRejection, OrderStatus, join_trace,
};
use livedrop_core::ids::{DropId, OrderId, UserId};
use livedrop_core::pagination::{Page, PageRequest};
use livedrop_core::ports::{DropTransition, Ledger, LedgerSummary, OrderRequest, Placement};
use livedrop_core::{Entity, Error, Result};

use super::audit_log::MemoryAuditLog;
use super::books::{Books, CellLock, DropCell, IndexSlot};
use super::key_table::{KeyEntry, KeyId};
use super::keyset;
use super::order_index::OrderIndexes;
use super::order_place::{KeyHolder, OrderPlace};
use super::order_record::OrderRecord;
use super::outbox::MemoryOutbox;

/// The order ledger over [`Books`]. See [`Ledger`] for the contract.
#[derive(Debug, Clone)]
pub struct MemoryLedger {
    pub(crate) books: Arc<Books>,
    pub(crate) orders: Arc<OrderIndexes>,
    pub(crate) outbox: Arc<MemoryOutbox>,
    pub(crate) audit: Arc<MemoryAuditLog>,
}

/// How the critical section settled an order.
enum Decision {
    Confirmed(Order),
    Existing(Order),
    Refused(Error),
}

impl MemoryLedger {
    fn cell(&self, drop_id: DropId) -> Result<Arc<CellLock>> {
        self.books
            .cell(drop_id)
            .ok_or_else(|| Error::not_found(Entity::Drop, drop_id))
    }

    /// The critical section of `place_order`. `order` is built before the lock is taken.
    /// `key_id` (hashed) is made before the lock is taken too.
    fn decide(
        &self,
        cell: &mut DropCell,
        req: &OrderRequest,
        order: Order,
        key_id: KeyId,
    ) -> Decision {
        let before = IndexSlot::of(&cell.book);
        // The cell's event buffer, reused: no allocation per order.
        let mut events = std::mem::take(&mut cell.events);
        events.extend(cell.book.advance(req.now));
        // The entry's shard stays locked until the order is decided, so of two requests
        // with one key (on any drops) exactly one inserts the holder.
        let decision = match self.orders.by_key.map.entry(key_id) {
            dashmap::Entry::Occupied(mut taken) => match taken.get().holder {
                Some(holder) => {
                    let same_request = holder.place.drop_id == req.drop_id && holder.qty == req.qty;
                    // Same drop means the holder lives in this very cell, already locked.
                    match cell.orders.get(holder.place.position) {
                        Some(existing) if same_request => {
                            Decision::Existing(existing.order.clone())
                        }
                        _ => Decision::Refused(Error::IdempotencyMismatch),
                    }
                }
                // Only the idempotency store's record is here (see `KeyEntry`).
                None => self.take(cell, order, &mut events, |holder| {
                    taken.get_mut().holder = Some(holder);
                }),
            },
            dashmap::Entry::Vacant(slot) => self.take(cell, order, &mut events, |holder| {
                slot.insert(KeyEntry {
                    record: None,
                    holder: Some(holder),
                });
            }),
        };
        // Due transitions happen (and are announced) even when the order is refused.
        self.audit_transitions(&before, cell, req.now);
        self.books.refile(before, &cell.book);
        join_trace(&mut events, req.trace.as_ref());
        self.outbox.append(events.drain(..));
        cell.events = events;
        decision
    }

    /// Takes stock for a new order and files it: in the cell, in the order-id index, and
    /// (through `hold_key`) in the unique index.
    fn take(
        &self,
        cell: &mut DropCell,
        order: Order,
        events: &mut Vec<Event>,
        hold_key: impl FnOnce(KeyHolder),
    ) -> Decision {
        let held = cell.held.get(&order.user_id).copied().unwrap_or(0);
        match cell.book.take_into(&order, held, events) {
            Ok(()) => {
                let place = OrderPlace {
                    drop_id: order.drop_id,
                    position: cell.orders.len(),
                };
                hold_key(KeyHolder {
                    place,
                    qty: order.qty,
                });
                *cell.held.entry(order.user_id).or_insert(0) += order.qty.get();
                cell.orders.push(OrderRecord::placed(order.clone()));
                self.orders.place_of.insert(order.id, place);
                Decision::Confirmed(order)
            }
            Err(rejection) => Decision::Refused(Error::Rejected(rejection)),
        }
    }

    /// Files a confirmed order in its buyer's list.
    fn file(&self, order: &Order) {
        let position = (order.created_at.timestamp_micros(), order.id.as_uuid());
        keyset::insert_sorted(
            &mut self.orders.by_user.entry(order.user_id).or_default(),
            position,
        );
    }

    fn audit_transitions(&self, before: &IndexSlot, cell: &DropCell, now: DateTime<Utc>) {
        let (from, to) = (before.status(), cell.book.drop.status);
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

    fn find(&self, order_id: OrderId) -> Result<Order> {
        self.orders
            .read(&self.books, order_id, |record| record.order.clone())
            .ok_or_else(|| Error::not_found(Entity::Order, order_id))
    }
}

#[async_trait]
impl Ledger for MemoryLedger {
    async fn place_order(&self, req: &OrderRequest) -> Result<Placement> {
        let Some(cell) = self.books.cell(req.drop_id) else {
            return Err(OrderRejection::DropNotFound.into());
        };
        let order = req.confirmed_order();
        let key_id = self.orders.by_key.id(req.user_id, &req.idempotency_key);
        let decision = self.decide(&mut cell.lock(), req, order, key_id);
        match decision {
            Decision::Confirmed(order) => {
                self.file(&order);
                Ok(Placement::Confirmed(order))
            }
            Decision::Existing(order) => Ok(Placement::Existing(order)),
            Decision::Refused(error) => Err(error),
        }
    }

    async fn cancel_order(
        &self,
        order_id: OrderId,
        user_id: UserId,
        now: DateTime<Utc>,
    ) -> Result<Cancellation> {
        let not_found = || Error::not_found(Entity::Order, order_id);
        let place = self
            .orders
            .place_of
            .get(&order_id)
            .map(|p| *p)
            .ok_or_else(not_found)?;
        let cell = self.cell(place.drop_id)?;
        let mut cell = cell.lock();
        let cell = &mut *cell;
        let order = match cell.orders.get(place.position) {
            Some(record) if record.order.user_id == user_id => record.order.clone(),
            _ => return Err(not_found()),
        };
        // Read under the drop lock: concurrent cancels of one order serialize here, so
        // exactly one of them returns the stock.
        if order.status == OrderStatus::Cancelled {
            return Ok(Cancellation {
                order,
                changed: false,
            });
        }
        let before = IndexSlot::of(&cell.book);
        let mut events = cell.book.advance(now);
        let cancelled = Order {
            status: OrderStatus::Cancelled,
            cancelled_at: Some(now),
            ..order
        };
        events.extend(cell.book.give_back(&cancelled, now));
        if let Some(held) = cell.held.get_mut(&user_id) {
            *held = held.saturating_sub(cancelled.qty.get());
        }
        if let Some(record) = cell.orders.get_mut(place.position) {
            record.cancel(cancelled.clone());
        }
        self.audit_transitions(&before, cell, now);
        self.books.refile(before, &cell.book);
        self.outbox.append(events);
        Ok(Cancellation {
            order: cancelled,
            changed: true,
        })
    }

    async fn advance_drops(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<DropTransition>> {
        let mut applied = Vec::new();
        for drop_id in self.books.due(now, limit) {
            let Some(cell) = self.books.cell(drop_id) else {
                continue;
            };
            let mut cell = cell.lock();
            let before = IndexSlot::of(&cell.book);
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

    async fn next_due(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(self.books.next_due())
    }

    async fn stock(&self, drop_id: DropId) -> Result<DropStock> {
        let cell = self.cell(drop_id)?;
        let stock = cell.lock().book.stock();
        Ok(stock)
    }

    async fn order(&self, order_id: OrderId) -> Result<Order> {
        self.find(order_id)
    }

    async fn orders_by_user(&self, user_id: UserId, page: PageRequest) -> Result<Page<Order>> {
        let positions = match self.orders.by_user.get(&user_id) {
            Some(index) => keyset::newest_first_sorted(&index, page),
            None => {
                return Ok(Page {
                    items: Vec::new(),
                    next_cursor: None,
                });
            }
        };
        Ok(Page {
            items: positions
                .items
                .iter()
                .filter_map(|(_, id)| self.find(OrderId::from_uuid(*id)).ok())
                .collect(),
            next_cursor: positions.next_cursor,
        })
    }

    async fn summary(&self, drop_id: DropId) -> Result<LedgerSummary> {
        let cell = self.cell(drop_id)?;
        let cell = cell.lock();
        // Recomputed from the orders themselves, not from a running counter, so the
        // invariant check is independent of the code that moves stock.
        let confirmed = cell.orders.iter().filter(|r| r.is_confirmed());
        let (confirmed_units, confirmed_orders) = confirmed.fold((0u64, 0u64), |(units, n), r| {
            (units + u64::from(r.order.qty.get()), n + 1)
        });
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
