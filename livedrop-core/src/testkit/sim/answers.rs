//! Checks of every answer an operation gets: one order per `(user, key)` however often the
//! key is retried or the reply is lost, orders only inside the drop's window, refusals that
//! fit the drop, errors only of the kinds a client must expect, cancels that return stock
//! once, scheduler transitions that are legal, due and applied once.

use chrono::{DateTime, Utc};

use super::ops::{DropPick, History, Payload, PlaceKind};
use super::oracle::{Oracle, SeenOrder, Violation, check_in_window};
use crate::domain::{Cancellation, DropStatus, Order, OrderRejection, OrderStatus};
use crate::ids::OrderId;
use crate::ports::DropTransition;
use crate::services::Receipt;
use crate::{Error, Result};

/// How one order attempt settled, for the report and the history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settled {
    /// A new order (or an answer with an order): `first_seen` if the simulation had not
    /// seen this order before; `recovered` if it was hidden by an injected failure.
    Ordered {
        /// The order.
        id: OrderId,
        /// Whether this was a replay (`Receipt::replayed`).
        replayed: bool,
        /// Seen for the first time now.
        first_seen: bool,
        /// A hidden order surfaced by this retry.
        recovered: bool,
    },
    /// A refusal (`code`), fresh or replayed.
    Refused {
        /// Rejection code.
        code: &'static str,
        /// Whether this was a replay.
        replayed: bool,
    },
    /// An error instead of an answer.
    Failed {
        /// Error code.
        code: &'static str,
    },
}

/// Context of one finished place-order operation.
#[derive(Clone, Copy, Debug)]
pub struct PlaceCtx {
    /// Key index.
    pub key: usize,
    /// What was sent.
    pub payload: Payload,
    /// New, retry or reuse.
    pub kind: PlaceKind,
    /// Clock when the operation started.
    pub started_at: DateTime<Utc>,
    /// Clock when it finished.
    pub finished_at: DateTime<Utc>,
    /// The key's order as known when the operation started.
    pub order_before: Option<OrderId>,
}

impl Oracle {
    /// Checks a finished place-order operation and records what it revealed.
    pub fn on_place(
        &mut self,
        history: &History,
        ctx: &PlaceCtx,
        result: &Result<Receipt>,
    ) -> Result<Settled, Violation> {
        let receipt = match result {
            Ok(receipt) => receipt,
            Err(error) => return self.place_failed(history, ctx, error),
        };
        match &receipt.outcome {
            Ok(order) => self.placed(history, ctx, order, receipt.replayed),
            Err(rejection) => {
                self.check_rejection(ctx, rejection, receipt.replayed)?;
                Ok(Settled::Refused {
                    code: rejection.code(),
                    replayed: receipt.replayed,
                })
            }
        }
    }

    fn placed(
        &mut self,
        history: &History,
        ctx: &PlaceCtx,
        order: &Order,
        replayed: bool,
    ) -> Result<Settled, Violation> {
        let issued = &history.keys[ctx.key];
        if order.user_id != self.users[issued.user] || order.idempotency_key != issued.key {
            return Err(format!(
                "order {} came back for another user or key",
                order.id
            ));
        }
        let drop = match ctx.payload.drop {
            DropPick::Known(d) => &self.drops[d],
            DropPick::Missing => {
                return Err(format!(
                    "order {} confirmed for a drop that does not exist",
                    order.id
                ));
            }
        };
        if order.drop_id != drop.id || order.qty != ctx.payload.qty {
            return Err(format!(
                "key {} answered with order {} for another drop or quantity than this request",
                issued.key, order.id
            ));
        }
        if !replayed {
            if let Some(before) = ctx.order_before {
                return Err(format!(
                    "double buy: key {} of user {} already had order {before}, a retry confirmed new order {}",
                    issued.key, issued.user, order.id
                ));
            }
            if order.status != OrderStatus::Confirmed || order.cancelled_at.is_some() {
                return Err(format!("new order {} is not confirmed", order.id));
            }
            if order.created_at < ctx.started_at || order.created_at > ctx.finished_at {
                return Err(format!(
                    "new order {} is dated outside its request",
                    order.id
                ));
            }
            check_in_window(drop, order)?;
        }
        self.bind(ctx.key, order.id)?;
        let first_seen = !self.orders.contains_key(&order.id);
        if first_seen {
            self.orders.insert(
                order.id,
                SeenOrder {
                    key: ctx.key,
                    cancelled: false,
                    cancels_applied: 0,
                },
            );
        }
        let recovered = match self.hidden.get_mut(&order.id) {
            Some(surfaced) if !*surfaced => {
                *surfaced = true;
                true
            }
            _ => false,
        };
        Ok(Settled::Ordered {
            id: order.id,
            replayed,
            first_seen,
            recovered,
        })
    }

    fn place_failed(
        &self,
        history: &History,
        ctx: &PlaceCtx,
        error: &Error,
    ) -> Result<Settled, Violation> {
        let code = error.code();
        let allowed = match error {
            // Injected faults, and a retry racing the key's first attempt or its stuck lock.
            Error::Unavailable { .. } | Error::IdempotencyInFlight => true,
            // Only a key that really was sent with two payloads may be called reused.
            Error::IdempotencyMismatch => history.keys[ctx.key].payloads.len() > 1,
            _ => false,
        };
        if !allowed {
            return Err(format!(
                "order attempt failed with unexpected {code}: {error}"
            ));
        }
        Ok(Settled::Failed { code })
    }

    fn check_rejection(
        &self,
        ctx: &PlaceCtx,
        rejection: &OrderRejection,
        replayed: bool,
    ) -> Result<(), Violation> {
        let drop = match ctx.payload.drop {
            DropPick::Missing if *rejection == OrderRejection::DropNotFound => return Ok(()),
            DropPick::Missing => {
                return Err(format!(
                    "order for a missing drop refused as {}",
                    rejection.code()
                ));
            }
            DropPick::Known(d) => &self.drops[d],
        };
        if *rejection == OrderRejection::DropNotFound {
            return Err("an existing drop was refused as drop_not_found".into());
        }
        if replayed {
            // A stored answer was decided at an earlier moment; only its drop is checkable.
            return Ok(());
        }
        if let Some(before) = ctx.order_before {
            return Err(format!(
                "the ledger refused key {} ({}) although it already holds order {before} for it",
                ctx.key,
                rejection.code()
            ));
        }
        let (start, end) = (drop.window.start_at(), drop.window.end_at());
        let qty = ctx.payload.qty.get();
        let fits = match rejection {
            OrderRejection::DropNotLive {
                drop_status: DropStatus::Scheduled,
            } => ctx.started_at < start,
            OrderRejection::DropNotLive {
                drop_status: DropStatus::Ended,
            } => ctx.finished_at >= end,
            OrderRejection::DropNotLive { .. } => false,
            OrderRejection::LimitReached { limit, already } => {
                drop.plan.max_per_user() == Some(*limit) && already + qty > *limit
            }
            OrderRejection::InsufficientStock { available } => *available > 0 && *available < qty,
            OrderRejection::SoldOut => ctx.finished_at >= start,
            OrderRejection::DropNotFound => false,
        };
        if !fits {
            return Err(format!(
                "refusal {rejection:?} does not fit drop {:?} for {qty} units",
                drop.plan
            ));
        }
        Ok(())
    }

    /// Checks a finished cancel of `order` asked by user `as_user`.
    pub fn on_cancel(
        &mut self,
        order: OrderId,
        owner: usize,
        as_user: usize,
        result: &Result<Cancellation>,
    ) -> Result<&'static str, Violation> {
        match result {
            Ok(cancellation) => {
                let c = &cancellation.order;
                if as_user != owner {
                    return Err(format!(
                        "user {as_user} cancelled order {order} of user {owner}"
                    ));
                }
                if c.id != order || c.user_id != self.users[owner] {
                    return Err(format!("cancel of {order} answered with order {}", c.id));
                }
                if c.status != OrderStatus::Cancelled || c.cancelled_at.is_none() {
                    return Err(format!("cancelled order {order} is not marked cancelled"));
                }
                let seen = self
                    .orders
                    .get_mut(&order)
                    .ok_or_else(|| format!("cancelled order {order} was never seen"))?;
                seen.cancelled = true;
                if cancellation.changed {
                    seen.cancels_applied += 1;
                    if seen.cancels_applied > 1 {
                        return Err(format!(
                            "order {order} was cancelled (stock returned) twice"
                        ));
                    }
                    Ok("cancelled")
                } else {
                    Ok("already_cancelled")
                }
            }
            Err(Error::NotFound { .. }) if as_user != owner => Ok("not_found"),
            Err(Error::Unavailable { .. }) => Ok("unavailable"),
            Err(error) => Err(format!(
                "cancel of {order} by user {as_user} failed with {}: {error}",
                error.code()
            )),
        }
    }

    /// Checks a finished scheduler tick that read the clock at `now`.
    pub fn on_tick(
        &mut self,
        now: DateTime<Utc>,
        result: &Result<Vec<DropTransition>>,
    ) -> Result<usize, Violation> {
        let transitions = match result {
            Ok(transitions) => transitions,
            Err(Error::Unavailable { .. }) => return Ok(0),
            Err(error) => {
                return Err(format!(
                    "scheduler tick failed with {}: {error}",
                    error.code()
                ));
            }
        };
        for t in transitions {
            let drop = self
                .drops
                .iter_mut()
                .find(|d| d.id == t.drop_id)
                .ok_or_else(|| format!("tick moved unknown drop {}", t.drop_id))?;
            let due = match t.to {
                DropStatus::Live if t.from == DropStatus::Scheduled => {
                    drop.seen.tick_started += 1;
                    now >= drop.window.start_at()
                        && now < drop.window.end_at()
                        && drop.seen.tick_started == 1
                }
                DropStatus::Ended if t.from != DropStatus::Ended => {
                    drop.seen.tick_ended += 1;
                    now >= drop.window.end_at() && drop.seen.tick_ended == 1
                }
                _ => false,
            };
            if !due {
                return Err(format!(
                    "tick applied {:?} -> {:?} to a drop with window {:?} at {now}",
                    t.from, t.to, drop.window
                ));
            }
        }
        Ok(transitions.len())
    }
}
