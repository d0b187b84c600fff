//! An order as its drop's cell keeps it, with its audit trail.

use livedrop_core::domain::{
    AuditAction, AuditDetail, AuditEntry, AuditTarget, Order, OrderStatus,
};
use livedrop_core::ids::AuditId;

/// An order and the ids of its audit entries.
///
/// An order's audit entries (`order.placed`, then at most one `order.cancelled`) say nothing
/// the order does not already hold, so they are kept as ids beside it and built when read:
/// writing them to a shared audit table was the order path's largest avoidable cost. They
/// are still append-only: the placed entry uses only fields that never change, and the
/// cancelled one is fixed by the one cancellation.
#[derive(Debug, Clone)]
pub(crate) struct OrderRecord {
    pub(crate) order: Order,
    placed: AuditId,
    cancelled: Option<AuditId>,
}

impl OrderRecord {
    /// A just-confirmed order. Its `order.placed` entry takes the order's id as its own:
    /// there is one per order, and no id is generated inside the drop's lock.
    pub(crate) fn placed(order: Order) -> Self {
        Self {
            placed: AuditId::from_uuid(order.id.as_uuid()),
            order,
            cancelled: None,
        }
    }

    /// Replaces the order with its cancelled self and files the cancellation's entry.
    pub(crate) fn cancel(&mut self, cancelled: Order) {
        if let Some(at) = cancelled.cancelled_at {
            self.cancelled = Some(AuditId::at(at));
        }
        self.order = cancelled;
    }

    pub(crate) fn is_confirmed(&self) -> bool {
        self.order.status == OrderStatus::Confirmed
    }

    /// The order's audit entries, oldest first.
    pub(crate) fn audit_trail(&self) -> Vec<AuditEntry> {
        let order = &self.order;
        let entry = |id, action, at| AuditEntry {
            id,
            at,
            actor: Some(order.user_id),
            action,
            target: AuditTarget::Order(order.id),
            detail: AuditDetail::Order {
                drop_id: order.drop_id,
                qty: order.qty,
            },
        };
        let mut trail = vec![entry(
            self.placed,
            AuditAction::OrderPlaced,
            order.created_at,
        )];
        if let (Some(id), Some(at)) = (self.cancelled, order.cancelled_at) {
            trail.push(entry(id, AuditAction::OrderCancelled, at));
        }
        trail
    }
}
