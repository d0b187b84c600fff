//! The [`FollowStore`](crate::ports::FollowStore) contract: idempotent follow and unfollow,
//! exact counts, events and audit entries only for changes, unknown ids, list order.
//! Concurrent follows are in [`concurrency`](super::concurrency).

use chrono::TimeDelta;

use super::fixtures::*;
use crate::domain::{AuditAction, AuditDetail, AuditTarget, EventData, Follow, FollowChange};
use crate::ids::{CreatorId, UserId};
use crate::pagination::PageRequest;
use crate::ports::Ports;

/// The `follow.*` audit actions about `user` and `creator`, whichever of the two targets the
/// backend files them under (under the creator, an entry counts when its actor or detail
/// names the user).
async fn follow_audit(ports: &Ports, user: UserId, creator: CreatorId) -> Vec<AuditAction> {
    let mut actions = Vec::new();
    for target in [AuditTarget::User(user), AuditTarget::Creator(creator)] {
        let entries = collect_pages(limit(50), |page| ports.audit.entries_for(target, page)).await;
        actions.extend(
            entries
                .into_iter()
                .filter(|e| {
                    target == AuditTarget::User(user)
                        || e.actor == Some(user)
                        || e.detail == AuditDetail::Follow { user_id: user }
                })
                .map(|e| e.action)
                .filter(|a| matches!(a, AuditAction::FollowCreated | AuditAction::FollowRemoved)),
        );
    }
    actions
}

/// Following twice leaves one follow (`changed: false` the second time); unfollowing twice
/// likewise; every answer carries the exact count.
pub async fn follow_and_unfollow_are_idempotent(ports: &Ports) {
    let seller = seller(&*ports.catalog).await;
    let fan = user(&*ports.catalog).await;
    let c = seller.creator.id;
    let t = now();
    let follows = &*ports.follows;

    assert_eq!(
        follows.follow(fan.id, c, t).await.unwrap(),
        FollowChange {
            changed: true,
            following: true,
            follower_count: 1
        }
    );
    assert_eq!(
        follows
            .follow(fan.id, c, t + TimeDelta::seconds(1))
            .await
            .unwrap(),
        FollowChange {
            changed: false,
            following: true,
            follower_count: 1
        }
    );
    assert!(follows.is_following(fan.id, c).await.unwrap());
    assert_eq!(follows.follower_count(c).await.unwrap(), 1);
    let listed = follows.followers(c, PageRequest::default()).await.unwrap();
    assert_eq!(
        listed.items,
        [Follow {
            user_id: fan.id,
            creator_id: c,
            created_at: t
        }],
        "the first follow is kept"
    );

    let removed = follows
        .unfollow(fan.id, c, t + TimeDelta::seconds(2))
        .await
        .unwrap();
    assert_eq!(
        removed,
        FollowChange {
            changed: true,
            following: false,
            follower_count: 0
        }
    );
    let again = follows
        .unfollow(fan.id, c, t + TimeDelta::seconds(3))
        .await
        .unwrap();
    assert_eq!(
        again,
        FollowChange {
            changed: false,
            following: false,
            follower_count: 0
        }
    );
    assert!(!follows.is_following(fan.id, c).await.unwrap());
    assert_eq!(follows.follower_count(c).await.unwrap(), 0);
    assert!(
        follows
            .followers(c, PageRequest::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        follows
            .following(fan.id, PageRequest::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

/// Unfollowing a creator one does not follow changes nothing and writes nothing.
pub async fn unfollow_without_follow_changes_nothing(ports: &Ports) {
    let seller = seller(&*ports.catalog).await;
    let (fan, stranger) = (user(&*ports.catalog).await, user(&*ports.catalog).await);
    let c = seller.creator.id;
    ports.follows.follow(fan.id, c, now()).await.unwrap();
    let change = ports.follows.unfollow(stranger.id, c, now()).await.unwrap();
    assert_eq!(
        change,
        FollowChange {
            changed: false,
            following: false,
            follower_count: 1
        }
    );
    assert_eq!(ports.follows.follower_count(c).await.unwrap(), 1);
    let events = outbox_events(&*ports.outbox, 0, |e| {
        e.data
            == EventData::FollowRemoved {
                user_id: stranger.id,
            }
    })
    .await;
    assert!(events.is_empty(), "{events:?}");
    assert!(follow_audit(ports, stranger.id, c).await.is_empty());
}

/// The count is the number of stored follows as users come and go, and every answer's
/// `follower_count` agrees with it.
pub async fn follower_count_is_exact(ports: &Ports) {
    let seller = seller(&*ports.catalog).await;
    let c = seller.creator.id;
    let fans = users(&*ports.catalog, 5).await;
    for (i, fan) in fans.iter().enumerate() {
        let change = ports.follows.follow(fan.id, c, now()).await.unwrap();
        assert_eq!(change.follower_count, i as u64 + 1);
    }
    for fan in &fans[..2] {
        ports.follows.unfollow(fan.id, c, now()).await.unwrap();
    }
    let change = ports.follows.follow(fans[0].id, c, now()).await.unwrap();
    assert_eq!(
        change,
        FollowChange {
            changed: true,
            following: true,
            follower_count: 4
        }
    );
    assert_eq!(ports.follows.follower_count(c).await.unwrap(), 4);
    let listed = collect_pages(limit(2), |page| ports.follows.followers(c, page)).await;
    assert_eq!(listed.len(), 4);
    assert!(!ports.follows.is_following(fans[1].id, c).await.unwrap());
    let other = super::fixtures::seller(&*ports.catalog).await;
    assert_eq!(
        ports
            .follows
            .follower_count(other.creator.id)
            .await
            .unwrap(),
        0,
        "counts are per creator"
    );
}

/// A change appends `follow.created` / `follow.removed` and one audit entry; repeating it
/// appends nothing.
pub async fn follow_changes_are_evented_and_audited_once(ports: &Ports) {
    let seller = seller(&*ports.catalog).await;
    let fan = user(&*ports.catalog).await;
    let c = seller.creator.id;
    for _ in 0..2 {
        ports.follows.follow(fan.id, c, now()).await.unwrap();
    }
    for _ in 0..2 {
        ports.follows.unfollow(fan.id, c, now()).await.unwrap();
    }
    let events = outbox_events(&*ports.outbox, 2, |e| {
        e.creator_id == c
            && matches!(e.data, EventData::FollowCreated { user_id } | EventData::FollowRemoved { user_id } if user_id == fan.id)
    })
    .await;
    assert_eq!(
        events.iter().map(|e| e.kind()).collect::<Vec<_>>(),
        ["follow.created", "follow.removed"],
        "{events:?}"
    );
    let audit = follow_audit(ports, fan.id, c).await;
    for action in [AuditAction::FollowCreated, AuditAction::FollowRemoved] {
        let n = audit.iter().filter(|a| **a == action).count();
        assert_eq!(n, 1, "{action:?} audited {n} times: {audit:?}");
    }
}

/// Following an unknown user or creator is `NotFound` and stores nothing.
pub async fn follow_of_unknown_user_or_creator_is_not_found(ports: &Ports) {
    let seller = seller(&*ports.catalog).await;
    let fan = user(&*ports.catalog).await;
    let ghost_user = UserId::new();
    let ghost_creator = CreatorId::new();
    assert_not_found(
        ports
            .follows
            .follow(ghost_user, seller.creator.id, now())
            .await,
        "unknown user",
    );
    assert_not_found(
        ports.follows.follow(fan.id, ghost_creator, now()).await,
        "unknown creator",
    );
    assert_eq!(
        ports
            .follows
            .follower_count(seller.creator.id)
            .await
            .unwrap(),
        0
    );
    assert!(
        !ports
            .follows
            .is_following(fan.id, ghost_creator)
            .await
            .unwrap_or(false)
    );
    assert!(
        ports
            .follows
            .following(fan.id, PageRequest::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

/// Followers of a creator and creators a user follows are newest first by
/// `(created_at, id)`, each once across pages.
pub async fn follow_lists_are_newest_first_and_paginated(ports: &Ports) {
    let star = seller(&*ports.catalog).await;
    let fans = users(&*ports.catalog, 6).await;
    let base = now() - TimeDelta::hours(1);
    let offsets = [4, 0, 2, 2, 5, 1];
    let mut expected = Vec::new();
    for (fan, offset) in fans.iter().zip(offsets) {
        let at = base + TimeDelta::seconds(offset);
        ports
            .follows
            .follow(fan.id, star.creator.id, at)
            .await
            .unwrap();
        expected.push(Follow {
            user_id: fan.id,
            creator_id: star.creator.id,
            created_at: at,
        });
    }
    expected.sort_by_key(|f| std::cmp::Reverse((f.created_at, f.user_id)));
    for size in [1, 4, 100] {
        let listed = collect_pages(limit(size), |page| {
            ports.follows.followers(star.creator.id, page)
        })
        .await;
        assert_eq!(listed, expected, "followers, page size {size}");
    }

    let fan = &fans[0];
    let mut followed = Vec::new();
    for offset in [3, 1, 1, 7, 0] {
        let creator = seller(&*ports.catalog).await.creator;
        let at = base + TimeDelta::seconds(offset);
        ports.follows.follow(fan.id, creator.id, at).await.unwrap();
        followed.push(Follow {
            user_id: fan.id,
            creator_id: creator.id,
            created_at: at,
        });
    }
    followed.push(Follow {
        user_id: fan.id,
        creator_id: star.creator.id,
        created_at: base + TimeDelta::seconds(4),
    });
    followed.sort_by_key(|f| std::cmp::Reverse((f.created_at, f.creator_id)));
    for size in [1, 2, 100] {
        let listed = collect_pages(limit(size), |page| ports.follows.following(fan.id, page)).await;
        assert_eq!(listed, followed, "following, page size {size}");
    }
}
