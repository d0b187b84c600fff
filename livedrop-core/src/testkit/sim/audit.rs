//! The ledger-wide audit: every order the ledger holds, read back through `orders_by_user`,
//! against what the simulation sent; and at the end, the outbox against the books.
//!
//! The per-step check sees each drop's totals. The audit sees the orders themselves, which
//! is where a double buy hides when the totals still add up: two orders under one key, an
//! order under a key nobody sent, a user past `maxPerUser`, an order lost after it was
//! confirmed to the client. It pages through every user's orders, so the simulation runs it
//! every few steps rather than after each one.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use super::ops::History;
use super::oracle::{Oracle, Violation, read};
use crate::domain::{EventData, Order, OrderStatus};
use crate::ids::{DropId, OrderId};
use crate::pagination::{Limit, PageRequest};
use crate::ports::{Ledger, Outbox};

/// Far more pages than any run produces: a cursor that loops is a bug, not a long list.
const MAX_PAGES: usize = 10_000;

/// What the final outbox check counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EventCounts {
    /// Events drained from the outbox.
    pub total: u64,
    /// Of which about orders and drop status/stock, checked against the books.
    pub checked: u64,
}

impl Oracle {
    /// Reads every user's orders and checks them against the keys sent, the drops' books
    /// and the orders the simulation was told about. Returns all orders, for the event check.
    pub fn audit(
        &mut self,
        ledger: &dyn Ledger,
        history: &History,
    ) -> Result<Vec<Order>, Violation> {
        self.sync_keys(history);
        let mut all = Vec::new();
        let mut ids = HashSet::new();
        let mut keys = HashSet::new();
        for (u, user) in self.users.iter().enumerate() {
            let orders = all_orders_of(ledger, *user)?;
            for order in orders {
                if order.user_id != *user {
                    return Err(format!(
                        "orders_by_user({u}) returned order {} of another user",
                        order.id
                    ));
                }
                if !ids.insert(order.id) {
                    return Err(format!("order {} listed twice", order.id));
                }
                if !keys.insert((u, order.idempotency_key.clone())) {
                    return Err(format!(
                        "double buy: user {u} has two orders under key {}",
                        order.idempotency_key
                    ));
                }
                all.push(order);
            }
        }
        for order in &all {
            self.check_order(history, order)?;
        }
        for id in self.orders.keys() {
            if !ids.contains(id) {
                return Err(format!(
                    "order {id} was confirmed to its buyer but the ledger lost it"
                ));
            }
        }
        self.check_totals(ledger, &all)?;
        Ok(all)
    }

    fn check_order(&self, history: &History, order: &Order) -> Result<(), Violation> {
        let key = self.key_of(order)?;
        self.check_matches_key(history, key, order)?;
        if let Some(bound) = self.key_orders.get(&key)
            && *bound != order.id
        {
            return Err(format!(
                "double buy: key {} was answered with order {bound} but the ledger holds {}",
                order.idempotency_key, order.id
            ));
        }
        let cancelled = order.status == OrderStatus::Cancelled;
        if cancelled != order.cancelled_at.is_some() {
            return Err(format!(
                "order {} has status {:?} but cancelled_at {:?}",
                order.id, order.status, order.cancelled_at
            ));
        }
        if self
            .orders
            .get(&order.id)
            .is_some_and(|seen| seen.cancelled)
            && !cancelled
        {
            return Err(format!(
                "order {} was cancelled but is confirmed again",
                order.id
            ));
        }
        Ok(())
    }

    /// Per drop, the orders add up to the books; per user, they respect `maxPerUser`.
    fn check_totals(&self, ledger: &dyn Ledger, all: &[Order]) -> Result<(), Violation> {
        for drop in &self.drops {
            let mut units = 0u64;
            let mut count = 0u64;
            let mut held: HashMap<_, u32> = HashMap::new();
            for order in all
                .iter()
                .filter(|o| o.drop_id == drop.id && o.status == OrderStatus::Confirmed)
            {
                units += u64::from(order.qty.get());
                count += 1;
                *held.entry(order.user_id).or_default() += order.qty.get();
            }
            let s = read("summary", ledger.summary(drop.id))?;
            if (s.confirmed_units, s.confirmed_orders) != (units, count) {
                return Err(format!(
                    "drop {}: the books say {} units in {} orders, the orders say {units} in {count}",
                    drop.id, s.confirmed_units, s.confirmed_orders
                ));
            }
            if let Some(limit) = drop.plan.max_per_user()
                && let Some((user, units)) = held.iter().find(|(_, units)| **units > limit)
            {
                return Err(format!(
                    "user {user} holds {units} units of drop {}, over its limit {limit}",
                    drop.id
                ));
            }
        }
        Ok(())
    }

    /// Drains the outbox and checks the events against the books: one `order.confirmed` per
    /// order and one `order.cancelled` per cancelled order (the event is written in the same
    /// unit as its cause, faults or not), `stock.low` once exactly when stock fell to the
    /// threshold, and as many `drop.started` / `drop.sold_out` / `drop.restocked` /
    /// `drop.ended` as the per-step checks saw status changes.
    pub fn check_events(
        &self,
        outbox: &dyn Outbox,
        orders: &[Order],
    ) -> Result<EventCounts, Violation> {
        let events = drain(outbox)?;
        let mut counts = EventCounts {
            total: events.len() as u64,
            checked: 0,
        };
        let known: HashSet<DropId> = self.drops.iter().map(|d| d.id).collect();
        for drop in &self.drops {
            let mine: Vec<&EventData> = events
                .iter()
                .filter(|e| e.drop_id == Some(drop.id))
                .map(|e| &e.data)
                .collect();
            let count = |kind: &str| mine.iter().filter(|d| d.kind() == kind).count() as u64;
            let ids = |kind: &str| -> Result<HashSet<OrderId>, Violation> {
                let mut ids = HashSet::new();
                for data in mine.iter().filter(|d| d.kind() == kind) {
                    let (EventData::OrderConfirmed { order_id, .. }
                    | EventData::OrderCancelled { order_id, .. }) = data
                    else {
                        continue;
                    };
                    if !ids.insert(*order_id) {
                        return Err(format!("{kind} emitted twice for order {order_id}"));
                    }
                }
                Ok(ids)
            };
            let placed: HashSet<OrderId> = orders
                .iter()
                .filter(|o| o.drop_id == drop.id)
                .map(|o| o.id)
                .collect();
            let cancelled: HashSet<OrderId> = orders
                .iter()
                .filter(|o| o.drop_id == drop.id && o.status == OrderStatus::Cancelled)
                .map(|o| o.id)
                .collect();
            if ids("order.confirmed")? != placed {
                return Err(format!(
                    "drop {}: order.confirmed events do not match its orders",
                    drop.id
                ));
            }
            if ids("order.cancelled")? != cancelled {
                return Err(format!(
                    "drop {}: order.cancelled events do not match its cancelled orders",
                    drop.id
                ));
            }
            let seen = &drop.seen;
            let threshold = drop.plan.low_stock_threshold();
            let low = threshold > 0
                && seen.min_available <= threshold
                && seen.min_available < drop.plan.initial_stock();
            let expected = [
                ("stock.low", u64::from(low)),
                ("drop.started", seen.started),
                ("drop.sold_out", seen.sold_out),
                ("drop.restocked", seen.restocked),
                ("drop.ended", seen.ended),
            ];
            for (kind, want) in expected {
                let got = count(kind);
                if got != want {
                    return Err(format!(
                        "drop {}: {got} {kind} events, expected {want} from the status and stock seen step by step",
                        drop.id
                    ));
                }
            }
            counts.checked += mine.len() as u64;
        }
        if let Some(stray) = events.iter().find(|e| {
            e.kind().starts_with("order.") && !e.drop_id.is_some_and(|d| known.contains(&d))
        }) {
            return Err(format!(
                "{} event for a drop that does not exist",
                stray.kind()
            ));
        }
        Ok(counts)
    }
}

fn all_orders_of(ledger: &dyn Ledger, user: crate::ids::UserId) -> Result<Vec<Order>, Violation> {
    let limit = Limit::try_from(100).expect("100 is a valid page size");
    let mut page = PageRequest::first(limit);
    let mut orders: Vec<Order> = Vec::new();
    for _ in 0..MAX_PAGES {
        let got = read("orders_by_user", ledger.orders_by_user(user, page))?;
        orders.extend(got.items);
        match got.next_cursor {
            Some(cursor) => page = PageRequest::after(cursor, limit),
            None => {
                let newest_first = orders
                    .windows(2)
                    .all(|w| (w[0].created_at, w[0].id) > (w[1].created_at, w[1].id));
                if !newest_first {
                    return Err(format!("orders of user {user} are not listed newest first"));
                }
                return Ok(orders);
            }
        }
    }
    Err(format!("orders of user {user} never reached a last page"))
}

/// Claims and acknowledges batches until the outbox is empty.
fn drain(outbox: &dyn Outbox) -> Result<Vec<crate::domain::Event>, Violation> {
    let mut events = Vec::new();
    for _ in 0..MAX_PAGES {
        let batch = read("outbox claim", outbox.claim(500, Duration::from_secs(3600)))?;
        if batch.records.is_empty() {
            return Ok(events);
        }
        read("outbox mark_sent", outbox.mark_sent(&batch))?;
        events.extend(batch.records.into_iter().map(|r| r.event));
    }
    Err("the outbox never ran dry".into())
}
