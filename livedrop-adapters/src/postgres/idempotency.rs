//! Idempotency records in Postgres: the fast path's fallback when Redis is down.
//!
//! Expiry runs on the database clock (`now()`), not the process's, so every server sharing
//! the database agrees on when a lock or an answer lapses. An expired row is treated as
//! absent by every statement; [`PgIdempotencyStore::purge_expired`] deletes such rows, and
//! `begin` runs it in the background now and then so the table stays near the size the
//! retention window requires.

use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use livedrop_core::domain::IdempotencyKey;
use livedrop_core::ids::UserId;
use livedrop_core::ports::{
    Begin, Fingerprint, IdempotencyPolicy, IdempotencyRecord, IdempotencyStore, OrderAnswer,
};
use livedrop_core::{Error, Result};

use super::codec::{corrupt, interval_micros};
use super::db_error;
use crate::postgres::GuardedPool;
use crate::single_flight::{Flight, SingleFlight};
use sqlx::PgPool;

/// Started begins between two background purges.
const PURGE_EVERY: u64 = 1024;
/// Most rows one purge deletes, so it never holds locks for long.
const PURGE_BATCH: i64 = 10_000;
/// Rounds of insert, read, take over before giving up: each round fails only when the
/// key changes hands between its statements, which is rare even once.
const BEGIN_ATTEMPTS: usize = 4;

/// Idempotency records in the `idempotency_keys` table.
#[derive(Debug)]
pub struct PgIdempotencyStore {
    pool: GuardedPool,
    policy: IdempotencyPolicy,
    /// Started begins, to trigger a purge every [`PURGE_EVERY`].
    begins: AtomicU64,
    /// Begins under way in this process, so a burst of retries of one key costs one
    /// round trip (see [`SingleFlight`]).
    flights: SingleFlight<(UserId, IdempotencyKey), Claimed>,
}

/// The outcome of one `begin` against the database, shared with the begins it coalesced.
#[derive(Clone, Debug)]
struct Claimed {
    /// Whether this begin took the key.
    started: bool,
    /// The record under the key afterwards.
    record: IdempotencyRecord,
}

/// The live record under a key.
#[derive(sqlx::FromRow)]
struct RecordRow {
    fingerprint: Vec<u8>,
    answer: Option<serde_json::Value>,
}

impl RecordRow {
    fn into_record(self) -> Result<IdempotencyRecord> {
        let bytes: [u8; 32] = self
            .fingerprint
            .try_into()
            .map_err(|bytes: Vec<u8>| corrupt("fingerprint", format!("{} bytes", bytes.len())))?;
        let fingerprint = Fingerprint::from_bytes(bytes);
        Ok(match self.answer {
            None => IdempotencyRecord::InFlight { fingerprint },
            Some(answer) => IdempotencyRecord::Completed {
                fingerprint,
                answer: serde_json::from_value(answer)
                    .map_err(|e| corrupt("idempotent answer", e))?,
            },
        })
    }
}

/// What the first statement of `begin` found.
#[derive(sqlx::FromRow)]
struct BeginRow {
    started: bool,
    fingerprint: Option<Vec<u8>>,
    answer: Option<serde_json::Value>,
}

impl PgIdempotencyStore {
    /// A store on `pool` with the lifetimes of `policy`, and a circuit breaker of its own
    /// (a [`PgBackend`](super::PgBackend)'s ports share one).
    pub fn new(pool: PgPool, policy: IdempotencyPolicy) -> Self {
        Self::guarded(GuardedPool::standalone(pool), policy)
    }

    pub(crate) fn guarded(pool: GuardedPool, policy: IdempotencyPolicy) -> Self {
        Self {
            pool,
            policy,
            begins: AtomicU64::new(0),
            flights: SingleFlight::new(),
        }
    }

    /// Deletes up to `limit` expired records and returns how many went. `begin` calls it in
    /// the background every [`PURGE_EVERY`] started begins; a deployment with little
    /// traffic may also call it from a periodic task.
    ///
    /// # Errors
    /// `Unavailable` when the database does not answer.
    pub async fn purge_expired(&self, limit: i64) -> Result<u64> {
        purge(&self.pool, limit).await
    }

    fn maybe_purge(&self) {
        if !(self.begins.fetch_add(1, Ordering::Relaxed) + 1).is_multiple_of(PURGE_EVERY) {
            return;
        }
        let pool = self.pool.clone();
        // In the background: the begin that crosses the threshold must not pay for it.
        tokio::spawn(async move {
            if let Err(error) = purge(&pool, PURGE_BATCH).await {
                tracing::warn!(%error, "purging expired idempotency records failed");
            }
        });
    }

    /// `begin` against the database: insert, else read the live record, else take over
    /// the expired one.
    async fn begin_in_db(
        &self,
        user: UserId,
        key: &IdempotencyKey,
        fingerprint: &Fingerprint,
    ) -> Result<Claimed> {
        let started = || Claimed {
            started: true,
            record: IdempotencyRecord::InFlight {
                fingerprint: *fingerprint,
            },
        };
        let existing = |record| Claimed {
            started: false,
            record,
        };
        let mut conn = self.pool.acquire().await?;
        let (user_id, fp) = (user.as_uuid(), fingerprint.as_bytes().as_slice());
        let lock_ttl = interval_micros(self.policy.lock_ttl);
        for _ in 0..BEGIN_ATTEMPTS {
            // One statement for the two common cases, a fresh key and a retry. DO NOTHING
            // rather than a conditional DO UPDATE: a losing begin then neither locks nor
            // writes the row, so a burst of retries does not queue on it (and outlast the
            // lock it queues for). The read shares the insert's snapshot: it sees the
            // winner's row unless that committed during this statement.
            let first: BeginRow = sqlx::query_as(
                "WITH inserted AS ( \
                     INSERT INTO idempotency_keys (user_id, key, fingerprint, answer, expires_at) \
                     VALUES ($1, $2, $3, NULL, now() + $4 * interval '1 microsecond') \
                     ON CONFLICT (user_id, key) DO NOTHING \
                     RETURNING 1) \
                 SELECT EXISTS (SELECT 1 FROM inserted) AS started, k.fingerprint, k.answer \
                 FROM (SELECT 1) AS one \
                 LEFT JOIN idempotency_keys k \
                        ON k.user_id = $1 AND k.key = $2 AND k.expires_at > now()",
            )
            .bind(user_id)
            .bind(key.as_str())
            .bind(fp)
            .bind(lock_ttl)
            .fetch_one(&mut *conn)
            .await
            .map_err(db_error)?;
            if first.started {
                return Ok(started());
            }
            if let Some(fingerprint) = first.fingerprint {
                let row = RecordRow {
                    fingerprint,
                    answer: first.answer,
                };
                return Ok(existing(row.into_record()?));
            }
            // The row that won was committed before the insert returned, so a new statement
            // sees it, unless it has expired or been abandoned since.
            if let Some(record) = Self::live_record(&mut conn, user, key).await? {
                return Ok(existing(record));
            }
            // An expired row is as if absent: take it over. Of concurrent takeovers the
            // first wins; the others re-check `expires_at` on its new row and change nothing.
            let taken = sqlx::query(
                "UPDATE idempotency_keys \
                 SET fingerprint = $3, answer = NULL, \
                     expires_at = now() + $4 * interval '1 microsecond' \
                 WHERE user_id = $1 AND key = $2 AND expires_at <= now()",
            )
            .bind(user_id)
            .bind(key.as_str())
            .bind(fp)
            .bind(lock_ttl)
            .execute(&mut *conn)
            .await
            .map_err(db_error)?
            .rows_affected();
            if taken == 1 {
                return Ok(started());
            }
        }
        Err(Error::unavailable(
            "postgres",
            "idempotency key kept changing hands",
        ))
    }

    async fn live_record(
        conn: &mut sqlx::PgConnection,
        user: UserId,
        key: &IdempotencyKey,
    ) -> Result<Option<IdempotencyRecord>> {
        let row: Option<RecordRow> = sqlx::query_as(
            "SELECT fingerprint, answer FROM idempotency_keys \
             WHERE user_id = $1 AND key = $2 AND expires_at > now()",
        )
        .bind(user.as_uuid())
        .bind(key.as_str())
        .fetch_optional(conn)
        .await
        .map_err(db_error)?;
        row.map(RecordRow::into_record).transpose()
    }
}

async fn purge(pool: &GuardedPool, limit: i64) -> Result<u64> {
    let done = sqlx::query(
        "DELETE FROM idempotency_keys \
         WHERE ctid = ANY(ARRAY( \
                   SELECT ctid FROM idempotency_keys WHERE expires_at <= now() LIMIT $1)) \
           AND expires_at <= now()",
    )
    .bind(limit)
    .execute(&mut *pool.acquire().await?)
    .await
    .map_err(db_error)?;
    Ok(done.rows_affected())
}

#[async_trait]
impl IdempotencyStore for PgIdempotencyStore {
    async fn begin(
        &self,
        user: UserId,
        key: &IdempotencyKey,
        fingerprint: &Fingerprint,
    ) -> Result<Begin> {
        let flight = self
            .flights
            .run((user, key.clone()), || {
                self.begin_in_db(user, key, fingerprint)
            })
            .await?;
        Ok(match flight {
            Flight::Led(Claimed { started: true, .. }) => {
                self.maybe_purge();
                Begin::Started
            }
            // A joiner's begin overlapped the leader's: it lost to the leader, or to
            // whoever the leader lost to.
            Flight::Led(claimed) | Flight::Joined(claimed) => Begin::Existing(claimed.record),
        })
    }

    async fn complete(
        &self,
        user: UserId,
        key: &IdempotencyKey,
        fingerprint: &Fingerprint,
        answer: &OrderAnswer,
    ) -> Result<()> {
        let answer = serde_json::to_value(answer).map_err(|e| corrupt("idempotent answer", e))?;
        // Not checked against the lock's expiry, like the memory store: an owner that
        // outlived its lock still holds the real answer, and an in-flight record with this
        // fingerprint is its own or a retry's of the same request, whose answer it is too.
        sqlx::query(
            "UPDATE idempotency_keys \
             SET answer = $4, expires_at = now() + $5 * interval '1 microsecond' \
             WHERE user_id = $1 AND key = $2 AND fingerprint = $3 AND answer IS NULL",
        )
        .bind(user.as_uuid())
        .bind(key.as_str())
        .bind(fingerprint.as_bytes().as_slice())
        .bind(answer)
        .bind(interval_micros(self.policy.retention))
        .execute(&mut *self.pool.acquire().await?)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn abandon(
        &self,
        user: UserId,
        key: &IdempotencyKey,
        fingerprint: &Fingerprint,
    ) -> Result<()> {
        sqlx::query(
            "DELETE FROM idempotency_keys \
             WHERE user_id = $1 AND key = $2 AND fingerprint = $3 AND answer IS NULL",
        )
        .bind(user.as_uuid())
        .bind(key.as_str())
        .bind(fingerprint.as_bytes().as_slice())
        .execute(&mut *self.pool.acquire().await?)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn lookup(
        &self,
        user: UserId,
        key: &IdempotencyKey,
    ) -> Result<Option<IdempotencyRecord>> {
        let mut conn = self.pool.acquire().await?;
        Self::live_record(&mut conn, user, key).await
    }
}
