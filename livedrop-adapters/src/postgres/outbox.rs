//! The relay's side of the outbox in Postgres: partitions leased whole, records in `seq`
//! order, removed once sent.
//!
//! Why partitions and not rows: a key's records all live in one partition
//! ([`partition_of`](super::writes::partition_of)), so a relay holding the partition holds
//! the key, and a record committed after the claim cannot overtake the leased ones.
//! Partitions are taken with `FOR UPDATE SKIP LOCKED`, so concurrent relays never wait for
//! each other and never share a partition. Leases run on the database clock, so relays on
//! several servers agree on when one has expired. An idle relay waits on a `LISTEN` for the
//! notification every outbox insert sends (migration 0010), whichever server wrote it.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use livedrop_core::Result;
use livedrop_core::domain::{Event, TraceParent};
use livedrop_core::ports::{Outbox, OutboxBatch, OutboxLag, OutboxRecord};
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use uuid::Uuid;

use super::codec::{corrupt, interval_micros};
use super::db_error;
use super::outbox_vacuum::OutboxVacuum;

/// The channel the `outbox_appended` trigger notifies (migration 0010).
const APPENDED: &str = "livedrop_outbox";

/// The relay's view of the `outbox` table and its leases (`outbox_partitions`).
#[derive(Debug, Clone)]
pub struct PgOutbox {
    pool: PgPool,
    /// The connection LISTENing for appends, made on the first wait and kept (one of the
    /// pool's connections). `None` until then, or after it broke.
    listener: Arc<tokio::sync::Mutex<Option<PgListener>>>,
    /// Vacuums the table after this relay's deletes (autovacuum comes too seldom).
    vacuum: Arc<OutboxVacuum>,
}

/// An unsent record as claimed.
#[derive(sqlx::FromRow)]
struct RecordRow {
    seq: i64,
    partition: i16,
    event: String,
    traceparent: Option<String>,
}

/// The outbox's size and the age of its oldest record.
#[derive(sqlx::FromRow)]
struct LagRow {
    pending: i64,
    oldest_micros: Option<i64>,
}

impl PgOutbox {
    /// The outbox on `pool` (the primary: claims write).
    pub fn new(pool: PgPool) -> Self {
        Self {
            vacuum: Arc::new(OutboxVacuum::new(pool.clone())),
            pool,
            listener: Arc::default(),
        }
    }
}

/// A listener on [`APPENDED`].
async fn listen(pool: &PgPool) -> std::result::Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(APPENDED).await?;
    Ok(listener)
}

#[async_trait]
impl Outbox for PgOutbox {
    async fn claim(&self, max: usize, lease_for: Duration) -> Result<OutboxBatch> {
        // A lease id only has to be unique: random, no clock involved.
        let lease = Uuid::new_v4();
        let empty = OutboxBatch {
            lease,
            records: Vec::new(),
        };
        if max == 0 {
            return Ok(empty);
        }
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        // Free partitions with something to send, oldest record first so none starves. The
        // row locks last until commit; partitions that end up unused are simply unlocked.
        // Each partition's front is read once: the join keeps the partitions that have a
        // record (an `EXISTS` and a `min(seq)` walked the front twice, and the front is
        // where the records the relay just deleted lie until the next vacuum).
        let partitions: Vec<i16> = sqlx::query_scalar(
            "SELECT p.partition FROM outbox_partitions p \
             CROSS JOIN LATERAL ( \
                 SELECT o.seq FROM outbox o WHERE o.partition = p.partition \
                 ORDER BY o.seq LIMIT 1) front \
             WHERE p.lease_until IS NULL OR p.lease_until <= now() \
             ORDER BY front.seq \
             FOR UPDATE OF p SKIP LOCKED",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?;
        if partitions.is_empty() {
            tx.rollback().await.map_err(db_error)?;
            return Ok(empty);
        }
        let limit = i64::try_from(max).unwrap_or(i64::MAX);
        // Each partition's records from its front, partitions in the order above, until
        // `max`: a partition is only ever leased with a prefix of its queue.
        let rows: Vec<RecordRow> = sqlx::query_as(
            "SELECT r.seq, r.partition, r.event, r.traceparent \
             FROM unnest($1::smallint[]) WITH ORDINALITY AS p(partition, n) \
             CROSS JOIN LATERAL ( \
                 SELECT o.seq, o.partition, o.event, o.traceparent FROM outbox o \
                 WHERE o.partition = p.partition ORDER BY o.seq LIMIT $2) r \
             ORDER BY p.n, r.seq \
             LIMIT $2",
        )
        .bind(&partitions)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?;
        let (leased_partitions, leased_seqs): (Vec<i16>, Vec<i64>) =
            rows.iter().map(|row| (row.partition, row.seq)).unzip();
        sqlx::query(
            "UPDATE outbox_partitions p \
             SET lease_id = $1, lease_until = now() + $2 * interval '1 microsecond', \
                 leased_seqs = t.seqs \
             FROM (SELECT partition, array_agg(seq ORDER BY seq) AS seqs \
                   FROM unnest($3::smallint[], $4::bigint[]) AS r(partition, seq) \
                   GROUP BY partition) t \
             WHERE p.partition = t.partition",
        )
        .bind(lease)
        .bind(interval_micros(lease_for))
        .bind(&leased_partitions)
        .bind(&leased_seqs)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;

        let mut records = rows
            .into_iter()
            .map(|row| {
                Ok(OutboxRecord {
                    seq: u64::try_from(row.seq).map_err(|e| corrupt("outbox seq", e))?,
                    event: serde_json::from_str::<Event>(&row.event)
                        .map_err(|e| corrupt("outbox event", e))?
                        .traced(
                            row.traceparent
                                .as_deref()
                                .and_then(TraceParent::parse)
                                .as_ref(),
                        ),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        // Per-key order holds either way; across keys, commit order is the relay's best guess.
        records.sort_unstable_by_key(|record| record.seq);
        Ok(OutboxBatch { lease, records })
    }

    async fn mark_sent(&self, batch: &OutboxBatch) -> Result<()> {
        // One statement, so freeing the partitions and deleting their records cannot be
        // split. The seqs are read before the update (RETURNING would show them cleared).
        // A lease that expired and was claimed again no longer matches: its records
        // go out again, which at-least-once allows; deleting them could lose the new
        // holder's delivery.
        let deleted = sqlx::query(
            "WITH leased AS ( \
                 SELECT partition, leased_seqs FROM outbox_partitions \
                 WHERE lease_id = $1 \
                 FOR UPDATE), \
             freed AS ( \
                 UPDATE outbox_partitions p \
                 SET lease_id = NULL, lease_until = NULL, leased_seqs = NULL \
                 FROM leased WHERE p.partition = leased.partition) \
             DELETE FROM outbox WHERE (partition, seq) IN \
                 (SELECT partition, unnest(leased_seqs) FROM leased)",
        )
        .bind(batch.lease)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        self.vacuum.deleted(deleted.rows_affected());
        Ok(())
    }

    async fn release(&self, batch: &OutboxBatch) -> Result<()> {
        // The records stay at the front of their partitions: the next claim takes them
        // first.
        sqlx::query(
            "UPDATE outbox_partitions \
             SET lease_id = NULL, lease_until = NULL, leased_seqs = NULL \
             WHERE lease_id = $1",
        )
        .bind(batch.lease)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn wait_for_events(&self, at_most: Duration) -> Result<()> {
        let mut slot = self.listener.lock().await;
        if slot.is_none() {
            match listen(&self.pool).await {
                Ok(listener) => {
                    // An append that committed before the LISTEN took effect sent nothing
                    // this listener will see: let the caller look now, then wait.
                    *slot = Some(listener);
                    return Ok(());
                }
                Err(error) => {
                    // No listener (the database is away, say): fall back to polling.
                    tracing::debug!(%error, "outbox: cannot LISTEN; polling");
                    drop(slot);
                    tokio::time::sleep(at_most).await;
                    return Ok(());
                }
            }
        }
        let Some(listener) = slot.as_mut() else {
            return Ok(());
        };
        match tokio::time::timeout(at_most, listener.try_recv()).await {
            // Woken: take every notification already here too. They are for appends
            // committed before the caller's next claim starts, which will find them; left
            // in place, each would wake a later wait for nothing.
            Ok(Ok(Some(_))) => {
                while let Ok(Ok(Some(_))) =
                    tokio::time::timeout(Duration::ZERO, listener.try_recv()).await
                {
                }
            }
            // The connection was lost (and is being remade): what was notified meanwhile
            // is lost too, so the caller should look now.
            Ok(Ok(None)) | Err(_) => {}
            Ok(Err(error)) => {
                tracing::debug!(%error, "outbox: listener failed; it is made again next wait");
                *slot = None;
            }
        }
        Ok(())
    }

    async fn lag(&self) -> Result<OutboxLag> {
        // `created_at` is on the database clock, like `now()`: the age does not depend on
        // the writers' clocks.
        let row: LagRow = sqlx::query_as(
            "SELECT count(*) AS pending, \
                    (extract(epoch FROM now() - min(created_at)) * 1000000)::bigint \
                        AS oldest_micros \
             FROM outbox",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(OutboxLag {
            pending: u64::try_from(row.pending).map_err(|e| corrupt("outbox count", e))?,
            oldest: row
                .oldest_micros
                .map(|age| Duration::from_micros(u64::try_from(age).unwrap_or(0))),
        })
    }
}
