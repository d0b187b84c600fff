//! The follow graph on PostgreSQL: `follows`, hash-partitioned by creator, with the exact
//! `creators.follower_count` beside it.
//!
//! A change locks the creator's row (`FOR NO KEY UPDATE`) before it looks at the follow:
//! changes of one creator serialize there, so of two concurrent identical follows exactly
//! one inserts, the count moves by exactly the rows inserted or deleted, and the creator's
//! `follow.*` events reach the outbox in commit order. A no-op writes nothing.
//!
//! The port carries no caller: who may read whose follow lists is the service layer's
//! decision, not this store's.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use livedrop_core::domain::announcement;
use livedrop_core::domain::{Follow, FollowChange};
use livedrop_core::ids::{CreatorId, UserId};
use livedrop_core::pagination::{Page, PageRequest};
use livedrop_core::ports::FollowStore;
use livedrop_core::{Entity, Error, Result};
use uuid::Uuid;

use super::codec::corrupt;
use super::writes::announce;
use super::{db_error, keyset};
use crate::postgres::GuardedPool;

/// The follow store port: changes and point reads on the primary, lists on the read pool.
#[derive(Debug, Clone)]
pub struct PgFollowStore {
    primary: GuardedPool,
    reads: GuardedPool,
}

impl PgFollowStore {
    pub(crate) fn new(primary: GuardedPool, reads: GuardedPool) -> Self {
        Self { primary, reads }
    }

    async fn change(
        &self,
        user_id: UserId,
        creator_id: CreatorId,
        follow: bool,
        now: DateTime<Utc>,
    ) -> Result<FollowChange> {
        let mut tx = self.primary.begin().await?;
        let user_exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM users WHERE id = $1")
            .bind(user_id.as_uuid())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?;
        if user_exists.is_none() {
            return Err(Error::not_found(Entity::User, user_id));
        }
        let count: i64 = sqlx::query_scalar(
            "SELECT follower_count FROM creators WHERE id = $1 FOR NO KEY UPDATE",
        )
        .bind(creator_id.as_uuid())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?
        .ok_or_else(|| Error::not_found(Entity::Creator, creator_id))?;
        let changed = if follow {
            sqlx::query(
                "INSERT INTO follows (creator_id, user_id, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(creator_id.as_uuid())
            .bind(user_id.as_uuid())
            .bind(now)
        } else {
            sqlx::query("DELETE FROM follows WHERE creator_id = $1 AND user_id = $2")
                .bind(creator_id.as_uuid())
                .bind(user_id.as_uuid())
        }
        .execute(&mut *tx)
        .await
        .map_err(db_error)?
        .rows_affected()
            == 1;
        if !changed {
            // Nothing to write; end now rather than when the pool next pings the
            // connection, so the creator's lock is not held a moment longer.
            tx.rollback().await.map_err(db_error)?;
            return Ok(FollowChange {
                changed,
                following: follow,
                follower_count: follower_count(count)?,
            });
        }
        let count: i64 = sqlx::query_scalar(
            "UPDATE creators SET follower_count = follower_count + $2 WHERE id = $1 \
             RETURNING follower_count",
        )
        .bind(creator_id.as_uuid())
        .bind(if follow { 1_i64 } else { -1 })
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error)?;
        let announcement = announcement::follow_changed(user_id, creator_id, follow, now);
        announce(&mut tx, announcement).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(FollowChange {
            changed,
            following: follow,
            follower_count: follower_count(count)?,
        })
    }
}

fn follower_count(stored: i64) -> Result<u64> {
    u64::try_from(stored).map_err(|e| corrupt("follower count", e))
}

/// One side of a follow list: the other party's id and since when.
#[derive(sqlx::FromRow)]
struct EdgeRow {
    id: Uuid,
    created_at: DateTime<Utc>,
}

fn page_of(
    rows: Vec<EdgeRow>,
    page: PageRequest,
    to_follow: impl Fn(Uuid, DateTime<Utc>) -> Follow,
) -> Page<Follow> {
    let page = keyset::page_of(rows, page, |row| (row.created_at, row.id));
    page.map(|row| to_follow(row.id, row.created_at))
}

#[async_trait]
impl FollowStore for PgFollowStore {
    async fn follow(
        &self,
        user_id: UserId,
        creator_id: CreatorId,
        now: DateTime<Utc>,
    ) -> Result<FollowChange> {
        self.change(user_id, creator_id, true, now).await
    }

    async fn unfollow(
        &self,
        user_id: UserId,
        creator_id: CreatorId,
        now: DateTime<Utc>,
    ) -> Result<FollowChange> {
        self.change(user_id, creator_id, false, now).await
    }

    async fn is_following(&self, user_id: UserId, creator_id: CreatorId) -> Result<bool> {
        let found: Option<i32> =
            sqlx::query_scalar("SELECT 1 FROM follows WHERE creator_id = $1 AND user_id = $2")
                .bind(creator_id.as_uuid())
                .bind(user_id.as_uuid())
                .fetch_optional(&mut *self.primary.acquire().await?)
                .await
                .map_err(db_error)?;
        Ok(found.is_some())
    }

    async fn follower_count(&self, creator_id: CreatorId) -> Result<u64> {
        let count: Option<i64> =
            sqlx::query_scalar("SELECT follower_count FROM creators WHERE id = $1")
                .bind(creator_id.as_uuid())
                .fetch_optional(&mut *self.primary.acquire().await?)
                .await
                .map_err(db_error)?;
        // An unknown creator has no followers, as in every backend.
        count.map_or(Ok(0), follower_count)
    }

    async fn followers(&self, creator_id: CreatorId, page: PageRequest) -> Result<Page<Follow>> {
        let rows: Vec<EdgeRow> = keyset::newest_first(
            &self.reads,
            (
                "SELECT user_id AS id, created_at FROM follows WHERE creator_id = $1 \
                 ORDER BY created_at DESC, user_id DESC LIMIT $2",
                "SELECT user_id AS id, created_at FROM follows \
                 WHERE creator_id = $1 AND (created_at, user_id) < ($2, $3) \
                 ORDER BY created_at DESC, user_id DESC LIMIT $4",
            ),
            creator_id.as_uuid(),
            page,
        )
        .await?;
        Ok(page_of(rows, page, |user, at| Follow {
            user_id: UserId::from_uuid(user),
            creator_id,
            created_at: at,
        }))
    }

    async fn following(&self, user_id: UserId, page: PageRequest) -> Result<Page<Follow>> {
        let rows: Vec<EdgeRow> = keyset::newest_first(
            &self.reads,
            (
                "SELECT creator_id AS id, created_at FROM follows WHERE user_id = $1 \
                 ORDER BY created_at DESC, creator_id DESC LIMIT $2",
                "SELECT creator_id AS id, created_at FROM follows \
                 WHERE user_id = $1 AND (created_at, creator_id) < ($2, $3) \
                 ORDER BY created_at DESC, creator_id DESC LIMIT $4",
            ),
            user_id.as_uuid(),
            page,
        )
        .await?;
        Ok(page_of(rows, page, |creator, at| Follow {
            user_id,
            creator_id: CreatorId::from_uuid(creator),
            created_at: at,
        }))
    }
}
