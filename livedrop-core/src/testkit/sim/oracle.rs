//! The oracle: what must be true after every step and of every answer.
//!
//! It does not predict outcomes (with ambiguous failures and interleavings the simulation
//! cannot know which attempt took the last unit), it checks what any correct backend must
//! satisfy whatever the interleaving:
//! - after every step, for every drop, from the ledger's own books: the invariant
//!   `available + confirmed units == initial stock`, a status that agrees with the stock and
//!   the clock, and a status that only moves along the lifecycle;
//! - of every order, at the step the ledger commits it (seen through the fault wrapper,
//!   even when a fault hides it from its caller): a request with its key sent it, it lies in
//!   its drop's window, and it is its key's only order;
//! - of every answer (`answers.rs`): one order per `(user, key)` however often the key is
//!   retried or the reply is lost (an order hidden by an injected failure included), orders
//!   only inside the drop's window, refusals that fit the drop, cancels that return stock
//!   once, scheduler transitions that are legal, due and applied once;
//! - every few steps and at the end (`audit.rs`): every order the ledger holds, per-user
//!   limits, orders under unknown keys, and the outbox's events against the books.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::block_on_noop;
use super::ops::{DropPick, History};
use crate::Result;
use crate::domain::{DropStatus, DropWindow, IdempotencyKey, Order, StockPlan};
use crate::ids::{DropId, OrderId, UserId};
use crate::ports::{Ledger, LedgerSummary};

/// A check that failed, in words.
pub type Violation = String;

/// One drop as the simulation created it, and what the checks saw of it.
#[derive(Clone, Debug)]
pub struct DropModel {
    /// Its id.
    pub id: DropId,
    /// Its window.
    pub window: DropWindow,
    /// Its stock plan.
    pub plan: StockPlan,
    /// What the per-step checks saw.
    pub seen: Seen,
}

/// What the per-step checks saw of one drop: the status history, for the event audit.
#[derive(Clone, Debug)]
pub struct Seen {
    /// Status after the last step.
    pub status: DropStatus,
    /// Lowest available count after any step.
    pub min_available: u32,
    /// Times it left `scheduled` for `live` / `sold_out` (0 or 1).
    pub started: u64,
    /// Times it became `sold_out`.
    pub sold_out: u64,
    /// Times it went from `sold_out` back to `live`.
    pub restocked: u64,
    /// Times it became `ended` (0 or 1).
    pub ended: u64,
    /// Transitions to `live` / `ended` reported by scheduler ticks.
    pub tick_started: u64,
    /// See `tick_started`.
    pub tick_ended: u64,
}

/// An order the simulation has been told about.
#[derive(Clone, Debug)]
pub struct SeenOrder {
    /// Its key (index into the history).
    pub key: usize,
    /// Whether a cancel of it was answered.
    pub cancelled: bool,
    /// Cancels answered with `changed: true` (at most one may be).
    pub cancels_applied: u32,
}

/// The checks and everything they remember.
#[derive(Debug)]
pub struct Oracle {
    pub(super) drops: Vec<DropModel>,
    pub(super) users: Vec<UserId>,
    pub(super) user_index: HashMap<UserId, usize>,
    /// `(user, key)` to key index, filled from the history as keys are issued.
    pub(super) key_index: HashMap<(usize, IdempotencyKey), usize>,
    indexed_keys: usize,
    /// The one order each key has, once anything revealed it.
    pub(super) key_orders: HashMap<usize, OrderId>,
    pub(super) orders: HashMap<OrderId, SeenOrder>,
    /// Orders confirmed behind an injected failure; `true` once a retry returned them.
    pub(super) hidden: HashMap<OrderId, bool>,
}

impl Oracle {
    /// An oracle over these drops and users.
    pub fn new(drops: Vec<DropModel>, users: Vec<UserId>) -> Self {
        let user_index = users.iter().enumerate().map(|(i, u)| (*u, i)).collect();
        Self {
            drops,
            users,
            user_index,
            key_index: HashMap::new(),
            indexed_keys: 0,
            key_orders: HashMap::new(),
            orders: HashMap::new(),
            hidden: HashMap::new(),
        }
    }

    /// The drops.
    pub fn drops(&self) -> &[DropModel] {
        &self.drops
    }

    /// The order key `key` is known to have.
    pub fn order_of_key(&self, key: usize) -> Option<OrderId> {
        self.key_orders.get(&key).copied()
    }

    /// Indexes keys issued since the last call.
    pub fn sync_keys(&mut self, history: &History) {
        for (i, issued) in history.keys.iter().enumerate().skip(self.indexed_keys) {
            self.key_index.insert((issued.user, issued.key.clone()), i);
        }
        self.indexed_keys = history.keys.len();
    }

    /// Checks the orders the ledger just committed (the step they commit, not when their
    /// answer arrives): each matches a request sent with its key, lies in its drop's window,
    /// and is its key's one order from now on (a second one would be a double buy). `hidden`
    /// marks those whose caller was told the call failed. Returns how many were hidden.
    pub fn absorb_committed(
        &mut self,
        history: &History,
        committed: Vec<(Order, bool)>,
    ) -> Result<u64, Violation> {
        self.sync_keys(history);
        let mut hidden_count = 0;
        for (order, hidden) in committed {
            let key = self.key_of(&order)?;
            self.check_matches_key(history, key, &order)?;
            self.bind(key, order.id)?;
            if hidden {
                self.hidden.insert(order.id, false);
                hidden_count += 1;
            }
        }
        Ok(hidden_count)
    }

    /// The per-step check of every drop's books at clock `now`. Returns a compact picture
    /// of the books for the trace (`available/initial` and a status letter per drop).
    pub fn check_step(
        &mut self,
        ledger: &dyn Ledger,
        now: DateTime<Utc>,
    ) -> Result<String, Violation> {
        let mut picture = String::new();
        for drop in &mut self.drops {
            let s: LedgerSummary = read("summary", ledger.summary(drop.id))?;
            check_books(drop, &s, now)?;
            observe(&mut drop.seen, &s)?;
            picture.push_str(&format!(
                "{}/{}{} ",
                s.available,
                s.initial_stock,
                letter(s.status)
            ));
        }
        picture.pop();
        Ok(picture)
    }

    /// Records that key `key` has order `order`; a different one is a double buy.
    pub(super) fn bind(&mut self, key: usize, order: OrderId) -> Result<(), Violation> {
        match self.key_orders.insert(key, order) {
            Some(previous) if previous != order => Err(format!(
                "double buy: key #{key} has two orders, {previous} and {order}"
            )),
            _ => Ok(()),
        }
    }

    pub(super) fn key_of(&self, order: &Order) -> Result<usize, Violation> {
        let user = self.user_index.get(&order.user_id).ok_or_else(|| {
            format!(
                "order {} belongs to unknown user {}",
                order.id, order.user_id
            )
        })?;
        self.key_index
            .get(&(*user, order.idempotency_key.clone()))
            .copied()
            .ok_or_else(|| {
                format!(
                    "order {} is under key {} that user {user} never sent",
                    order.id, order.idempotency_key
                )
            })
    }

    /// An order under key `key` must be for one of the payloads sent with that key.
    pub(super) fn check_matches_key(
        &self,
        history: &History,
        key: usize,
        order: &Order,
    ) -> Result<(), Violation> {
        let matches = history.keys[key].payloads.iter().any(|p| match p.drop {
            DropPick::Known(d) => self.drops[d].id == order.drop_id && p.qty == order.qty,
            DropPick::Missing => false,
        });
        if !matches {
            return Err(format!(
                "order {} does not match any request sent with its key",
                order.id
            ));
        }
        let drop = self
            .drops
            .iter()
            .find(|d| d.id == order.drop_id)
            .ok_or_else(|| format!("order {} for unknown drop", order.id))?;
        check_in_window(drop, order)
    }
}

/// No order may be confirmed outside `[start_at, end_at)`.
pub(super) fn check_in_window(drop: &DropModel, order: &Order) -> Result<(), Violation> {
    if order.created_at < drop.window.start_at() || order.created_at >= drop.window.end_at() {
        return Err(format!(
            "order {} confirmed at {} outside the drop's window {:?}",
            order.id, order.created_at, drop.window
        ));
    }
    Ok(())
}

/// The books of one drop at one step.
fn check_books(drop: &DropModel, s: &LedgerSummary, now: DateTime<Utc>) -> Result<(), Violation> {
    if s.drop_id != drop.id || s.initial_stock != drop.plan.initial_stock() {
        return Err(format!(
            "summary of {} has the wrong drop or initial stock: {s:?}",
            drop.id
        ));
    }
    if !s.invariant_holds() {
        return Err(format!(
            "INVARIANT BROKEN: available {} + confirmed units {} != initial stock {} ({s:?})",
            s.available, s.confirmed_units, s.initial_stock
        ));
    }
    let agrees = match s.status {
        // Status changes lazily (on the next order or tick), so a drop may still read
        // `scheduled` or `live` after its time came; it can never be ahead of the clock.
        DropStatus::Scheduled => s.available == s.initial_stock && s.confirmed_orders == 0,
        DropStatus::Live => s.available > 0 && now >= drop.window.start_at(),
        DropStatus::SoldOut => s.available == 0 && now >= drop.window.start_at(),
        DropStatus::Ended => now >= drop.window.end_at(),
    };
    if !agrees {
        return Err(format!(
            "status {} disagrees with the stock or the clock ({now}, window {:?}): {s:?}",
            s.status, drop.window
        ));
    }
    Ok(())
}

/// Follows the status from step to step: it only moves forward along the lifecycle (one
/// step is one port call, which can chain `scheduled -> live -> sold_out`).
fn observe(seen: &mut Seen, s: &LedgerSummary) -> Result<(), Violation> {
    use DropStatus::*;
    let (from, to) = (seen.status, s.status);
    let legal = match (from, to) {
        _ if from == to => true,
        (Scheduled, _) => true,
        (Live, SoldOut | Ended) | (SoldOut, Live | Ended) => true,
        _ => false,
    };
    if !legal {
        return Err(format!("drop {} went from {from} to {to}", s.drop_id));
    }
    if from != to {
        seen.started += u64::from(from == Scheduled && matches!(to, Live | SoldOut));
        seen.sold_out += u64::from(to == SoldOut);
        seen.restocked += u64::from(from == SoldOut && to == Live);
        seen.ended += u64::from(to == Ended);
    }
    seen.status = to;
    seen.min_available = seen.min_available.min(s.available);
    Ok(())
}

fn letter(status: DropStatus) -> char {
    match status {
        DropStatus::Scheduled => 's',
        DropStatus::Live => 'L',
        DropStatus::SoldOut => 'S',
        DropStatus::Ended => 'E',
    }
}

/// Runs a read on the unwrapped port to completion.
pub(super) fn read<T>(what: &str, call: impl Future<Output = Result<T>>) -> Result<T, Violation> {
    match block_on_noop(call) {
        Some(Ok(value)) => Ok(value),
        Some(Err(error)) => Err(format!("{what} failed: {error}")),
        None => Err(format!(
            "{what} never completed (the backend awaited something that no one wakes)"
        )),
    }
}

impl Seen {
    /// Before the first step: scheduled, full stock.
    pub fn new(initial_stock: u32) -> Self {
        Self {
            status: DropStatus::Scheduled,
            min_available: initial_stock,
            started: 0,
            sold_out: 0,
            restocked: 0,
            ended: 0,
            tick_started: 0,
            tick_ended: 0,
        }
    }
}
