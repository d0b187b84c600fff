//! [`DropTicker`]: each drop's status and live stock, coalesced for its public stream.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use livedrop_core::domain::{DropStatus, DropStock, Event, EventData};
use livedrop_core::ids::DropId;
use serde::Serialize;

use super::frame::Frame;

/// A drop's public state, as its stream sends it (`event: stock`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DropTick {
    /// The drop.
    pub drop_id: DropId,
    /// Units left.
    pub available: u32,
    /// Its status, when the news says it (an order's news carries only the stock).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<DropStatus>,
    /// When this was true.
    pub at: DateTime<Utc>,
}

impl DropTick {
    /// The state a drop's stock read from the ledger says.
    pub fn from_stock(stock: &DropStock) -> Self {
        Self {
            drop_id: stock.drop_id,
            available: stock.available,
            status: Some(stock.status),
            at: stock.updated_at,
        }
    }

    /// What `event` says of its drop's state, if anything.
    pub fn from_event(event: &Event) -> Option<Self> {
        let (available, status) = match event.data {
            EventData::DropStarted { available } | EventData::DropRestocked { available } => {
                (available, Some(DropStatus::Live))
            }
            EventData::DropSoldOut {} => (0, Some(DropStatus::SoldOut)),
            EventData::DropEnded { available } => (available, Some(DropStatus::Ended)),
            EventData::StockLow { available, .. }
            | EventData::OrderConfirmed { available, .. }
            | EventData::OrderCancelled { available, .. } => (available, None),
            _ => return None,
        };
        Some(Self {
            drop_id: event.drop_id?,
            available,
            status,
            at: event.occurred_at,
        })
    }

    /// The frame every subscriber of the drop gets (no `id:`: a reconnect starts from a
    /// fresh read of the drop).
    pub fn frame(&self) -> Frame {
        // Ids, numbers, a status and a timestamp always serialize.
        let data = serde_json::to_vec(self).unwrap_or_default();
        Frame::build(None, "stock", &data).occurred_at(self.at.timestamp_micros())
    }
}

/// The drops whose state changed since the last flush, newest state each: however many
/// orders a drop takes, its stream gets one update per flush.
#[derive(Debug, Default)]
pub struct DropTicker {
    dirty: HashMap<DropId, DropTick, foldhash::fast::RandomState>,
}

impl DropTicker {
    /// Notes what `event` says of its drop.
    pub fn note(&mut self, event: &Event) {
        let Some(tick) = DropTick::from_event(event) else {
            return;
        };
        self.dirty
            .entry(tick.drop_id)
            .and_modify(|last| {
                // An order's news keeps the status the drop's own news last gave.
                let status = tick.status.or(last.status);
                *last = DropTick { status, ..tick };
            })
            .or_insert(tick);
    }

    /// Takes the changes since the last flush.
    pub fn flush(&mut self) -> Vec<DropTick> {
        self.dirty.drain().map(|(_, tick)| tick).collect()
    }
}

#[cfg(test)]
mod tests {
    use livedrop_core::domain::Quantity;
    use livedrop_core::ids::{CreatorId, OrderId, UserId};

    use super::*;

    fn event(drop: DropId, data: EventData) -> Event {
        Event::new(data, CreatorId::new(), Some(drop), Utc::now())
    }

    fn order(drop: DropId, available: u32) -> Event {
        event(
            drop,
            EventData::OrderConfirmed {
                order_id: OrderId::new(),
                user_id: UserId::new(),
                qty: Quantity::ONE,
                available,
            },
        )
    }

    #[test]
    fn many_changes_flush_as_the_newest_state_once() {
        let drop = DropId::new();
        let mut ticker = DropTicker::default();
        ticker.note(&event(drop, EventData::DropStarted { available: 10 }));
        for available in (5..10).rev() {
            ticker.note(&order(drop, available));
        }
        let flushed = ticker.flush();
        assert_eq!(flushed.len(), 1);
        assert_eq!(
            (flushed[0].available, flushed[0].status),
            (5, Some(DropStatus::Live))
        );
        assert!(ticker.flush().is_empty());
        ticker.note(&order(drop, 4));
        assert_eq!(
            ticker.flush()[0].status,
            None,
            "a new window knows only the stock"
        );
    }

    #[test]
    fn the_frame_names_no_buyer() {
        let tick = DropTick::from_event(&order(DropId::new(), 3)).unwrap();
        let text = String::from_utf8(tick.frame().bytes().to_vec()).unwrap();
        assert!(text.starts_with("event: stock\ndata: {"), "{text}");
        assert!(
            !text.contains("userId") && !text.contains("orderId"),
            "{text}"
        );
        assert!(text.contains(r#""available":3"#), "{text}");
    }
}
