//! What each catalog write announces: its event for the outbox and its audit entry.
//!
//! Defined once here so every backend announces a write the same way; a backend only
//! decides where the two go (its outbox and audit log, inside the write's atomic unit).

use chrono::{DateTime, Utc};

use super::{
    AuditAction, AuditDetail, AuditEntry, AuditTarget, Creator, Drop, Event, EventData, Product,
    User,
};
use crate::ids::{CreatorId, UserId};

/// An event and the audit entry of the same write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Announcement {
    /// For the outbox.
    pub event: Event,
    /// For the audit log.
    pub audit: AuditEntry,
}

/// `user.registered` (audited only: nobody subscribes to sign-ups).
pub fn user_registered(user: &User) -> AuditEntry {
    AuditEntry::new(
        Some(user.id),
        AuditAction::UserRegistered,
        AuditTarget::User(user.id),
        AuditDetail::None,
        user.created_at,
    )
}

/// `creator.created`, by its owner.
pub fn creator_created(creator: &Creator) -> Announcement {
    creator_written(
        creator,
        AuditAction::CreatorCreated,
        EventData::CreatorCreated {
            owner_id: creator.owner_id,
        },
        creator.created_at,
    )
}

/// `creator.updated` at `at`, by its owner; `creator` is the stored result.
pub fn creator_updated(creator: &Creator, at: DateTime<Utc>) -> Announcement {
    creator_written(
        creator,
        AuditAction::CreatorUpdated,
        EventData::CreatorUpdated {},
        at,
    )
}

fn creator_written(
    creator: &Creator,
    action: AuditAction,
    data: EventData,
    at: DateTime<Utc>,
) -> Announcement {
    Announcement {
        event: Event::new(data, creator.id, None, at),
        audit: AuditEntry::new(
            Some(creator.owner_id),
            action,
            AuditTarget::Creator(creator.id),
            AuditDetail::Creator {
                handle: creator.handle.clone(),
                display_name: creator.display_name.clone(),
            },
            at,
        ),
    }
}

/// `product.created`, by `actor`.
pub fn product_created(product: &Product, actor: UserId) -> Announcement {
    product_written(
        product,
        actor,
        AuditAction::ProductCreated,
        EventData::ProductCreated {
            product_id: product.id,
        },
        product.created_at,
    )
}

/// `product.updated` at `at`, by `actor`; `product` is the stored result.
pub fn product_updated(product: &Product, actor: UserId, at: DateTime<Utc>) -> Announcement {
    product_written(
        product,
        actor,
        AuditAction::ProductUpdated,
        EventData::ProductUpdated {
            product_id: product.id,
        },
        at,
    )
}

fn product_written(
    product: &Product,
    actor: UserId,
    action: AuditAction,
    data: EventData,
    at: DateTime<Utc>,
) -> Announcement {
    Announcement {
        event: Event::new(data, product.creator_id, None, at),
        audit: AuditEntry::new(
            Some(actor),
            action,
            AuditTarget::Product(product.id),
            AuditDetail::Product {
                title: product.details.title.clone(),
                price_cents: product.details.price_cents,
            },
            at,
        ),
    }
}

/// `drop.created`, by `actor`.
pub fn drop_created(drop: &Drop, actor: UserId) -> Announcement {
    drop_written(
        drop,
        actor,
        AuditAction::DropCreated,
        EventData::DropCreated {
            product_id: drop.product_id,
            start_at: drop.window.start_at(),
            end_at: drop.window.end_at(),
            initial_stock: drop.plan.initial_stock(),
        },
        drop.created_at,
    )
}

/// `drop.updated` at `at`, by `actor`; `drop` is the stored result.
pub fn drop_updated(drop: &Drop, actor: UserId, at: DateTime<Utc>) -> Announcement {
    drop_written(
        drop,
        actor,
        AuditAction::DropUpdated,
        EventData::DropUpdated {
            start_at: drop.window.start_at(),
            end_at: drop.window.end_at(),
        },
        at,
    )
}

fn drop_written(
    drop: &Drop,
    actor: UserId,
    action: AuditAction,
    data: EventData,
    at: DateTime<Utc>,
) -> Announcement {
    Announcement {
        event: Event::new(data, drop.creator_id, Some(drop.id), at),
        audit: AuditEntry::new(
            Some(actor),
            action,
            AuditTarget::Drop(drop.id),
            AuditDetail::Drop {
                window: drop.window,
                plan: drop.plan,
            },
            at,
        ),
    }
}

/// `follow.created` (or `follow.removed` when `follow` is false) of `user_id` on
/// `creator_id`, by that user, at `at`.
pub fn follow_changed(
    user_id: UserId,
    creator_id: CreatorId,
    follow: bool,
    at: DateTime<Utc>,
) -> Announcement {
    let (data, action) = if follow {
        (
            EventData::FollowCreated { user_id },
            AuditAction::FollowCreated,
        )
    } else {
        (
            EventData::FollowRemoved { user_id },
            AuditAction::FollowRemoved,
        )
    };
    Announcement {
        event: Event::new(data, creator_id, None, at),
        audit: AuditEntry::new(
            Some(user_id),
            action,
            AuditTarget::Creator(creator_id),
            AuditDetail::Follow { user_id },
            at,
        ),
    }
}
