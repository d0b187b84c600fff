//! [`DropBook`]: the pure state machine of one drop's status and stock.
//!
//! Every backend applies orders through it inside its own atomic unit (a critical section
//! in memory, a transaction holding the row lock in Postgres), so the rules (what is live,
//! when `stock.low` and `drop.sold_out` fire, how cancellation restocks) live in one place
//! and every backend emits exactly the same events for the same history.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Drop, DropStatus, DropStock, Event, EventData, Order, OrderRejection};
use crate::ids::EventId;

/// A drop with its live stock and the once-per-drop `stock.low` flag.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DropBook {
    /// The drop; `drop.status` is the live status.
    pub drop: Drop,
    /// Units left: `available + confirmed units == initial stock`.
    pub available: u32,
    /// Whether `stock.low` was already emitted for this drop.
    pub low_stock_notified: bool,
    /// Last change of status or stock.
    pub updated_at: DateTime<Utc>,
}

impl DropBook {
    /// The book of a freshly created drop: full stock.
    pub fn new(drop: Drop) -> Self {
        Self {
            available: drop.plan.initial_stock(),
            low_stock_notified: false,
            updated_at: drop.created_at,
            drop,
        }
    }

    /// The stock row as callers see it.
    pub fn stock(&self) -> DropStock {
        DropStock {
            drop_id: self.drop.id,
            available: self.available,
            status: self.drop.status,
            updated_at: self.updated_at,
        }
    }

    /// When [`DropBook::advance`] will next have something to do (`None` once ended).
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        match self.drop.status {
            DropStatus::Scheduled => Some(self.drop.window.start_at()),
            DropStatus::Live | DropStatus::SoldOut => Some(self.drop.window.end_at()),
            DropStatus::Ended => None,
        }
    }

    /// Applies the transitions time makes due at `now` (`drop.started`, `drop.ended`).
    /// Calling it again at the same `now` does nothing: each transition happens once.
    pub fn advance(&mut self, now: DateTime<Utc>) -> Vec<Event> {
        let mut events = Vec::new();
        let due = self.drop.window.status_at(now);
        let status = self.drop.status;
        let next = match (status, due) {
            (DropStatus::Scheduled, DropStatus::Live) => DropStatus::Live,
            (_, DropStatus::Ended) if status != DropStatus::Ended => DropStatus::Ended,
            _ => return events,
        };
        if self.set_status(next, now) {
            let data = match next {
                DropStatus::Live => EventData::DropStarted {
                    available: self.available,
                },
                _ => EventData::DropEnded {
                    available: self.available,
                },
            };
            events.push(self.event(data, now));
        }
        events
    }

    /// Takes `order.qty` units for `order`, whose buyer already holds `already` units of this
    /// drop. Call [`DropBook::advance`] first so the status is current. On success returns
    /// `order.confirmed`, then `stock.low` and `drop.sold_out` when this order crossed them.
    pub fn take(&mut self, order: &Order, already: u32) -> Result<Vec<Event>, OrderRejection> {
        let mut events = Vec::new();
        self.take_into(order, already, &mut events)?;
        Ok(events)
    }

    /// [`DropBook::take`], appending the events to `events` (so a ledger can reuse one
    /// buffer rather than allocate per order). On refusal `events` is untouched.
    pub fn take_into(
        &mut self,
        order: &Order,
        already: u32,
        events: &mut Vec<Event>,
    ) -> Result<(), OrderRejection> {
        let qty = order.qty.get();
        // The status may have been moved on by a later request (one decided after
        // `start_at` opened the drop); this order is judged at its own instant.
        if order.created_at < self.drop.window.start_at() {
            return Err(OrderRejection::DropNotLive {
                drop_status: DropStatus::Scheduled,
            });
        }
        match self.drop.status {
            DropStatus::Live => {}
            DropStatus::SoldOut => return Err(OrderRejection::SoldOut),
            drop_status => return Err(OrderRejection::DropNotLive { drop_status }),
        }
        if let Some(limit) = self.drop.plan.max_per_user()
            && already.saturating_add(qty) > limit
        {
            return Err(OrderRejection::LimitReached { limit, already });
        }
        if self.available == 0 {
            return Err(OrderRejection::SoldOut);
        }
        if qty > self.available {
            return Err(OrderRejection::InsufficientStock {
                available: self.available,
            });
        }
        self.available -= qty;
        self.updated_at = order.created_at;
        let now = order.created_at;
        // One `order.confirmed` per order, ever: it takes the order's id as its own, which
        // is as unique as a fresh v7 id and costs no id generation inside the drop's lock.
        events.push(Event {
            id: EventId::from_uuid(order.id.as_uuid()),
            data: EventData::OrderConfirmed {
                order_id: order.id,
                user_id: order.user_id,
                qty: order.qty,
                available: self.available,
            },
            occurred_at: now,
            creator_id: self.drop.creator_id,
            drop_id: Some(self.drop.id),
            trace: None,
        });
        let threshold = self.drop.plan.low_stock_threshold();
        if !self.low_stock_notified && threshold > 0 && self.available <= threshold {
            self.low_stock_notified = true;
            events.push(self.event(
                EventData::StockLow {
                    available: self.available,
                    threshold,
                },
                now,
            ));
        }
        if self.available == 0 && self.set_status(DropStatus::SoldOut, now) {
            events.push(self.event(EventData::DropSoldOut {}, now));
        }
        Ok(())
    }

    /// Returns a cancelled order's units. The caller guarantees it runs once per order (it
    /// flips the order to cancelled in the same atomic unit). A sold-out drop whose window is
    /// still open goes live again (`drop.restocked`).
    pub fn give_back(&mut self, order: &Order, now: DateTime<Utc>) -> Vec<Event> {
        self.available = self.available.saturating_add(order.qty.get());
        self.updated_at = now;
        let mut events = vec![self.event(
            EventData::OrderCancelled {
                order_id: order.id,
                user_id: order.user_id,
                qty: order.qty,
                available: self.available,
            },
            now,
        )];
        if self.drop.status == DropStatus::SoldOut
            && now < self.drop.window.end_at()
            && self.set_status(DropStatus::Live, now)
        {
            events.push(self.event(
                EventData::DropRestocked {
                    available: self.available,
                },
                now,
            ));
        }
        events
    }

    fn set_status(&mut self, next: DropStatus, now: DateTime<Utc>) -> bool {
        match self.drop.status.transition(next) {
            Ok(status) => {
                self.drop.status = status;
                self.updated_at = now;
                true
            }
            Err(_) => false,
        }
    }

    fn event(&self, data: EventData, now: DateTime<Utc>) -> Event {
        Event::new(data, self.drop.creator_id, Some(self.drop.id), now)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::domain::{DropWindow, IdempotencyKey, OrderStatus, Quantity, StockPlan};
    use crate::ids::{CreatorId, OrderId, ProductId, UserId};

    fn book(stock: i64, threshold: i64, limit: Option<i64>) -> (DropBook, DateTime<Utc>) {
        let t0 = Utc::now();
        let window =
            DropWindow::new(t0 + TimeDelta::seconds(10), t0 + TimeDelta::seconds(100)).unwrap();
        let plan = StockPlan::new(stock, threshold, limit).unwrap();
        (
            DropBook::new(Drop::new(
                ProductId::new(),
                CreatorId::new(),
                window,
                plan,
                t0,
            )),
            t0,
        )
    }

    fn order(book: &DropBook, qty: i64, at: DateTime<Utc>) -> Order {
        Order {
            id: OrderId::new(),
            user_id: UserId::new(),
            drop_id: book.drop.id,
            qty: Quantity::try_from(qty).unwrap(),
            status: OrderStatus::Confirmed,
            idempotency_key: IdempotencyKey::try_from("k").unwrap(),
            created_at: at,
            cancelled_at: None,
        }
    }

    fn kinds(events: &[Event]) -> Vec<&'static str> {
        events.iter().map(Event::kind).collect()
    }

    #[test]
    fn lifecycle_by_time_happens_once() {
        let (mut b, t0) = book(5, 0, None);
        assert!(b.advance(t0).is_empty());
        assert_eq!(
            b.take(&order(&b, 1, t0), 0),
            Err(OrderRejection::DropNotLive {
                drop_status: DropStatus::Scheduled
            })
        );
        let live_at = t0 + TimeDelta::seconds(10);
        assert_eq!(kinds(&b.advance(live_at)), ["drop.started"]);
        assert!(
            b.advance(live_at).is_empty(),
            "second tick at the same time changes nothing"
        );
        let end = t0 + TimeDelta::seconds(100);
        assert_eq!(kinds(&b.advance(end)), ["drop.ended"]);
        assert_eq!(b.drop.status, DropStatus::Ended);
        assert_eq!(b.next_due(), None);
        assert_eq!(
            b.take(&order(&b, 1, end), 0),
            Err(OrderRejection::DropNotLive {
                drop_status: DropStatus::Ended
            })
        );
    }

    #[test]
    fn an_order_decided_before_the_start_is_refused_even_once_live() {
        let (mut b, t0) = book(5, 0, None);
        b.advance(t0 + TimeDelta::seconds(10));
        let early = order(&b, 1, t0 + TimeDelta::seconds(9));
        assert_eq!(
            b.take(&early, 0),
            Err(OrderRejection::DropNotLive {
                drop_status: DropStatus::Scheduled
            })
        );
        assert_eq!(b.available, 5);
    }

    #[test]
    fn a_missed_window_ends_without_going_live() {
        let (mut b, t0) = book(5, 0, None);
        assert_eq!(kinds(&b.advance(t0 + TimeDelta::days(1))), ["drop.ended"]);
    }

    #[test]
    fn stock_low_once_and_sold_out_at_zero() {
        let (mut b, t0) = book(4, 2, None);
        let now = t0 + TimeDelta::seconds(20);
        b.advance(now);
        assert_eq!(
            kinds(&b.take(&order(&b, 1, now), 0).unwrap()),
            ["order.confirmed"]
        );
        assert_eq!(
            kinds(&b.take(&order(&b, 1, now), 0).unwrap()),
            ["order.confirmed", "stock.low"]
        );
        assert_eq!(
            b.take(&order(&b, 3, now), 0),
            Err(OrderRejection::InsufficientStock { available: 2 })
        );
        assert_eq!(
            kinds(&b.take(&order(&b, 2, now), 0).unwrap()),
            ["order.confirmed", "drop.sold_out"]
        );
        assert_eq!((b.available, b.drop.status), (0, DropStatus::SoldOut));
        assert_eq!(b.take(&order(&b, 1, now), 0), Err(OrderRejection::SoldOut));
    }

    #[test]
    fn one_order_can_cross_low_and_sold_out_together() {
        let (mut b, t0) = book(3, 1, None);
        let now = t0 + TimeDelta::seconds(20);
        b.advance(now);
        let events = b.take(&order(&b, 3, now), 0).unwrap();
        assert_eq!(
            kinds(&events),
            ["order.confirmed", "stock.low", "drop.sold_out"]
        );
    }

    #[test]
    fn per_user_limit_counts_what_the_buyer_already_holds() {
        let (mut b, t0) = book(10, 0, Some(3));
        let now = t0 + TimeDelta::seconds(20);
        b.advance(now);
        assert!(b.take(&order(&b, 3, now), 0).is_ok());
        assert_eq!(
            b.take(&order(&b, 1, now), 3),
            Err(OrderRejection::LimitReached {
                limit: 3,
                already: 3
            })
        );
        assert_eq!(
            b.take(&order(&b, 2, now), 2),
            Err(OrderRejection::LimitReached {
                limit: 3,
                already: 2
            })
        );
        assert_eq!(b.available, 7, "refused orders take nothing");
    }

    #[test]
    fn cancel_restocks_a_sold_out_drop_until_it_ends() {
        let (mut b, t0) = book(1, 1, None);
        let now = t0 + TimeDelta::seconds(20);
        b.advance(now);
        let first = order(&b, 1, now);
        b.take(&first, 0).unwrap();
        assert_eq!(
            kinds(&b.give_back(&first, now)),
            ["order.cancelled", "drop.restocked"]
        );
        assert_eq!((b.available, b.drop.status), (1, DropStatus::Live));
        let second = order(&b, 1, now);
        assert_eq!(
            kinds(&b.take(&second, 0).unwrap()),
            ["order.confirmed", "drop.sold_out"],
            "stock.low fires once per drop"
        );
        let end = t0 + TimeDelta::seconds(100);
        b.advance(end);
        assert_eq!(
            kinds(&b.give_back(&second, end)),
            ["order.cancelled"],
            "an ended drop stays ended"
        );
        assert_eq!(b.drop.status, DropStatus::Ended);
    }
}
