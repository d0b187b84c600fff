//! The append-only audit trail: who did what to which thing, and when.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{DisplayName, DropStatus, DropWindow, Handle, PriceCents, Quantity, StockPlan, Title};
use crate::ids::{AuditId, CreatorId, DropId, OrderId, ProductId, UserId};

/// What was done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum AuditAction {
    #[serde(rename = "user.registered")]
    UserRegistered,
    #[serde(rename = "creator.created")]
    CreatorCreated,
    #[serde(rename = "creator.updated")]
    CreatorUpdated,
    #[serde(rename = "product.created")]
    ProductCreated,
    #[serde(rename = "product.updated")]
    ProductUpdated,
    #[serde(rename = "drop.created")]
    DropCreated,
    #[serde(rename = "drop.updated")]
    DropUpdated,
    #[serde(rename = "drop.status_changed")]
    DropStatusChanged,
    #[serde(rename = "order.placed")]
    OrderPlaced,
    #[serde(rename = "order.cancelled")]
    OrderCancelled,
    #[serde(rename = "follow.created")]
    FollowCreated,
    #[serde(rename = "follow.removed")]
    FollowRemoved,
}

/// The thing acted on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum AuditTarget {
    User(UserId),
    Creator(CreatorId),
    Product(ProductId),
    Drop(DropId),
    Order(OrderId),
}

/// The facts an entry keeps, typed per kind of action (no free-form JSON to drift).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
#[allow(missing_docs)]
pub enum AuditDetail {
    /// Nothing beyond who, what and when.
    None,
    /// An order placed or cancelled.
    Order { drop_id: DropId, qty: Quantity },
    /// A drop's status changed.
    StatusChange { from: DropStatus, to: DropStatus },
    /// A follow created or removed.
    Follow { user_id: UserId },
    /// A creator created or edited.
    Creator {
        handle: Handle,
        display_name: DisplayName,
    },
    /// A product created or edited.
    Product {
        title: Title,
        price_cents: PriceCents,
    },
    /// A drop created or edited.
    Drop { window: DropWindow, plan: StockPlan },
}

/// One line of the audit trail. Never updated or deleted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// Id (UUID v7, so entries sort by time).
    pub id: AuditId,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (`None`: the system, e.g. the scheduler).
    pub actor: Option<UserId>,
    /// What.
    pub action: AuditAction,
    /// On what.
    pub target: AuditTarget,
    /// Facts worth keeping (quantities, old and new status, ...).
    pub detail: AuditDetail,
}

impl AuditEntry {
    /// A new entry at `at`.
    pub fn new(
        actor: Option<UserId>,
        action: AuditAction,
        target: AuditTarget,
        detail: AuditDetail,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            id: AuditId::at(at),
            at,
            actor,
            action,
            target,
            detail,
        }
    }
}
