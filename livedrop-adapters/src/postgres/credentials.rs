//! Credentials on PostgreSQL: `user_passwords`, `refresh_families` and `refresh_tokens`
//! (migrations 0008 and 0009), and `spent_tokens` (migration 0011).
//!
//! Every rotation and revocation of a family takes the family row's lock first
//! (`SELECT ... FOR UPDATE`, or the `UPDATE` itself), so they serialize per family. The
//! rotation reads its token only after holding that lock, in a statement of its own: under
//! READ COMMITTED each statement sees what committed before it started, so the second of
//! two concurrent rotations sees the token the first one spent (a single statement that
//! waited for the lock would re-check only the locked row and act on a stale token).
//!
//! A single-use token is spent by inserting its id into `spent_tokens` (primary key, `ON
//! CONFLICT DO NOTHING`): the one insert that lands answers `true`, on whichever node. The
//! same statement deletes up to [`PRUNE_PER_SPEND`] expired ids (skipping rows another
//! spend is deleting), so the table stays near the ids that could still be presented
//! without a sweeper of its own.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use livedrop_core::domain::User;
use livedrop_core::ids::{FamilyId, UserId, v7_at};
use livedrop_core::ports::{
    Credentials, PasswordHash, RefreshRefusal, RefreshTokenHash, Rotation, TokenId,
};
use livedrop_core::{Entity, Error, Result};
use uuid::Uuid;

use super::catalog::insert_user;
use super::db_error;
use crate::postgres::GuardedPool;

/// Expired spent ids each spend deletes at most: more than the one it adds, so the table
/// shrinks back after a burst.
const PRUNE_PER_SPEND: i64 = 16;

/// The credentials port; every query on the primary (a replica's lag would let a spent
/// token look live).
#[derive(Debug, Clone)]
pub struct PgCredentials {
    primary: GuardedPool,
}

impl PgCredentials {
    pub(crate) fn new(primary: GuardedPool) -> Self {
        Self { primary }
    }
}

/// A missing user is the contract's `NotFound`, whichever foreign key said so.
fn user_error(error: sqlx::Error, user_id: UserId) -> Error {
    match &error {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            Error::not_found(Entity::User, user_id)
        }
        _ => db_error(error),
    }
}

#[async_trait]
impl Credentials for PgCredentials {
    async fn register(&self, user: &User, hash: &PasswordHash) -> Result<()> {
        let mut tx = self.primary.begin().await?;
        insert_user(&mut tx, user).await?;
        sqlx::query("INSERT INTO user_passwords (user_id, password_hash) VALUES ($1, $2)")
            .bind(user.id.as_uuid())
            .bind(hash.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        tx.commit().await.map_err(db_error)
    }

    async fn set_password(&self, user_id: UserId, hash: &PasswordHash) -> Result<()> {
        sqlx::query(
            "INSERT INTO user_passwords (user_id, password_hash) VALUES ($1, $2) \
             ON CONFLICT (user_id) DO UPDATE SET password_hash = EXCLUDED.password_hash",
        )
        .bind(user_id.as_uuid())
        .bind(hash.as_str())
        .execute(&mut *self.primary.acquire().await?)
        .await
        .map_err(|e| user_error(e, user_id))?;
        Ok(())
    }

    async fn password(&self, user_id: UserId) -> Result<Option<PasswordHash>> {
        let hash: Option<String> =
            sqlx::query_scalar("SELECT password_hash FROM user_passwords WHERE user_id = $1")
                .bind(user_id.as_uuid())
                .fetch_optional(&mut *self.primary.acquire().await?)
                .await
                .map_err(db_error)?;
        Ok(hash.map(PasswordHash::new))
    }

    async fn issue_refresh(
        &self,
        user_id: UserId,
        hash: &RefreshTokenHash,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<FamilyId> {
        let family_id = FamilyId::at(now);
        // One statement: the family and its first token exist together or not at all.
        sqlx::query(
            "WITH family AS ( \
                 INSERT INTO refresh_families (id, user_id, created_at) VALUES ($1, $2, $3) \
                 RETURNING id \
             ) \
             INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, created_at, expires_at) \
             SELECT $4, $2, id, $5, $3, $6 FROM family",
        )
        .bind(family_id.as_uuid())
        .bind(user_id.as_uuid())
        .bind(now)
        .bind(v7_at(now))
        .bind(hash.as_bytes().as_slice())
        .bind(expires_at)
        .execute(&mut *self.primary.acquire().await?)
        .await
        .map_err(|e| user_error(e, user_id))?;
        Ok(family_id)
    }

    async fn rotate(
        &self,
        old: &RefreshTokenHash,
        new: &RefreshTokenHash,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Rotation> {
        let mut tx = self.primary.begin().await?;
        let family: Option<Uuid> =
            sqlx::query_scalar("SELECT family_id FROM refresh_tokens WHERE token_hash = $1")
                .bind(old.as_bytes().as_slice())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error)?;
        let Some(family) = family else {
            return Ok(Rotation::Refused(RefreshRefusal::Unknown));
        };
        let family_id = FamilyId::from_uuid(family);
        let (user, revoked_at): (Uuid, Option<DateTime<Utc>>) = sqlx::query_as(
            "SELECT user_id, revoked_at FROM refresh_families WHERE id = $1 FOR UPDATE",
        )
        .bind(family)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error)?;
        let user_id = UserId::from_uuid(user);
        if revoked_at.is_some() {
            return Ok(Rotation::Refused(RefreshRefusal::Revoked));
        }
        // After the lock, in a new statement: sees a spend committed while we waited.
        let (used_at, token_expires_at): (Option<DateTime<Utc>>, DateTime<Utc>) =
            sqlx::query_as("SELECT used_at, expires_at FROM refresh_tokens WHERE token_hash = $1")
                .bind(old.as_bytes().as_slice())
                .fetch_one(&mut *tx)
                .await
                .map_err(db_error)?;
        let answer = if used_at.is_some() {
            sqlx::query("UPDATE refresh_families SET revoked_at = $2 WHERE id = $1")
                .bind(family)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
            Rotation::Reused { user_id, family_id }
        } else if now >= token_expires_at {
            return Ok(Rotation::Refused(RefreshRefusal::Expired));
        } else {
            sqlx::query(
                "WITH spent AS ( \
                     UPDATE refresh_tokens SET used_at = $3 WHERE token_hash = $1 \
                 ) \
                 INSERT INTO refresh_tokens \
                     (id, user_id, family_id, token_hash, created_at, expires_at) \
                 VALUES ($4, $5, $6, $2, $3, $7)",
            )
            .bind(old.as_bytes().as_slice())
            .bind(new.as_bytes().as_slice())
            .bind(now)
            .bind(v7_at(now))
            .bind(user)
            .bind(family)
            .bind(expires_at)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
            Rotation::Rotated { user_id, family_id }
        };
        tx.commit().await.map_err(db_error)?;
        Ok(answer)
    }

    async fn revoke_family(
        &self,
        token: &RefreshTokenHash,
        now: DateTime<Utc>,
    ) -> Result<Option<FamilyId>> {
        // The UPDATE takes the family row's lock, so it waits for a rotation in progress
        // and the rotation after it sees the family revoked.
        let family: Option<Uuid> = sqlx::query_scalar(
            "UPDATE refresh_families SET revoked_at = coalesce(revoked_at, $2) \
             WHERE id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1) \
             RETURNING id",
        )
        .bind(token.as_bytes().as_slice())
        .bind(now)
        .fetch_optional(&mut *self.primary.acquire().await?)
        .await
        .map_err(db_error)?;
        Ok(family.map(FamilyId::from_uuid))
    }

    async fn family_live(&self, family: FamilyId, now: DateTime<Utc>) -> Result<bool> {
        // One statement, on the primary: a revocation committed before it is seen.
        let live: Option<bool> = sqlx::query_scalar(
            "SELECT f.revoked_at IS NULL AND EXISTS ( \
                 SELECT 1 FROM refresh_tokens t \
                 WHERE t.family_id = f.id AND t.used_at IS NULL AND t.expires_at > $2 \
             ) \
             FROM refresh_families f WHERE f.id = $1",
        )
        .bind(family.as_uuid())
        .bind(now)
        .fetch_optional(&mut *self.primary.acquire().await?)
        .await
        .map_err(db_error)?;
        Ok(live.unwrap_or(false))
    }

    async fn revoked_since(&self, since: DateTime<Utc>) -> Result<Vec<(FamilyId, DateTime<Utc>)>> {
        // On the primary, like `family_live`: a revocation must be seen as soon as it
        // committed. The partial index holds revoked families only (0016).
        let rows: Vec<(Uuid, DateTime<Utc>)> = sqlx::query_as(
            "SELECT id, revoked_at FROM refresh_families \
             WHERE revoked_at IS NOT NULL AND revoked_at >= $1",
        )
        .bind(since)
        .fetch_all(&mut *self.primary.acquire().await?)
        .await
        .map_err(db_error)?;
        Ok(rows
            .into_iter()
            .map(|(id, at)| (FamilyId::from_uuid(id), at))
            .collect())
    }

    async fn spend_once(
        &self,
        id: TokenId,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        // The expired ids as an array: the delete then goes by primary key, whatever the
        // planner thinks of the table's size.
        let inserted: Option<Uuid> = sqlx::query_scalar(
            "WITH pruned AS ( \
                 DELETE FROM spent_tokens WHERE id = ANY(ARRAY( \
                     SELECT id FROM spent_tokens WHERE expires_at <= $3 \
                     ORDER BY expires_at LIMIT $4 FOR UPDATE SKIP LOCKED \
                 )) \
             ) \
             INSERT INTO spent_tokens (id, expires_at) SELECT $1, $2 WHERE $2 > $3 \
             ON CONFLICT (id) DO NOTHING \
             RETURNING id",
        )
        .bind(id.as_uuid())
        .bind(expires_at)
        .bind(now)
        .bind(PRUNE_PER_SPEND)
        .fetch_optional(&mut *self.primary.acquire().await?)
        .await
        .map_err(db_error)?;
        Ok(inserted.is_some())
    }
}
