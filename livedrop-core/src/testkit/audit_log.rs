//! The [`AuditLog`] contract: appended entries are kept as written and
//! listed per target, newest first by `(at, id)`, keyset-paginated. (Entries written by the
//! ledger, catalog and follow store are checked with those ports.)

use super::fixtures::*;
use crate::domain::{AuditAction, AuditDetail, AuditEntry, AuditTarget, DropStatus};
use crate::ids::{CreatorId, DropId, UserId};
use crate::pagination::PageRequest;
use crate::ports::AuditLog;
use chrono::TimeDelta;

/// An appended entry reads back unchanged under its target, and under no other.
pub async fn appended_entries_read_back_unchanged(audit: &dyn AuditLog) {
    let actor = UserId::new();
    let target = AuditTarget::User(actor);
    let entry = AuditEntry::new(
        Some(actor),
        AuditAction::UserRegistered,
        target,
        AuditDetail::Follow {
            user_id: UserId::new(),
        },
        now(),
    );
    audit.append(&entry).await.unwrap();
    let page = audit
        .entries_for(target, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(page.items, vec![entry.clone()]);
    assert_eq!(page.next_cursor, None);

    let system = AuditEntry::new(
        None,
        AuditAction::DropStatusChanged,
        AuditTarget::Drop(DropId::new()),
        AuditDetail::StatusChange {
            from: DropStatus::Live,
            to: DropStatus::Ended,
        },
        now(),
    );
    audit.append(&system).await.unwrap();
    let page = audit
        .entries_for(system.target, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(page.items, vec![system], "the system acts with no user");
    for other in [
        AuditTarget::User(UserId::new()),
        AuditTarget::Creator(CreatorId::from_uuid(actor.as_uuid())),
    ] {
        let page = audit
            .entries_for(other, PageRequest::default())
            .await
            .unwrap();
        assert!(
            page.items.is_empty(),
            "{other:?} must not list another target's entries: {page:?}"
        );
    }
}

/// A target's entries come newest first by `(at, id)`, each exactly once across pages,
/// whatever order they were appended in.
pub async fn entries_are_newest_first_and_paginated(audit: &dyn AuditLog) {
    let target = AuditTarget::Creator(CreatorId::new());
    let base = now() - TimeDelta::hours(1);
    let mut expected = Vec::new();
    for (i, offset) in [4, 0, 9, 2, 2, 7, 1].into_iter().enumerate() {
        let entry = AuditEntry::new(
            Some(UserId::new()),
            AuditAction::CreatorUpdated,
            target,
            if i % 2 == 0 {
                AuditDetail::None
            } else {
                AuditDetail::Follow {
                    user_id: UserId::new(),
                }
            },
            base + TimeDelta::seconds(offset),
        );
        audit.append(&entry).await.unwrap();
        expected.push(entry);
    }
    expected.sort_by_key(|e| std::cmp::Reverse((e.at, e.id)));
    for size in [1, 2, 3, 100] {
        let listed = collect_pages(limit(size), |page| audit.entries_for(target, page)).await;
        assert_eq!(listed, expected, "page size {size}");
    }
}
