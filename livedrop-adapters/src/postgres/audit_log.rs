//! The audit log on PostgreSQL: the `audit_log` table, which its triggers keep append-only
//! (an `UPDATE`, `DELETE` or `TRUNCATE` fails in the database, whoever sends it).
//!
//! Writers append their own entries inside their transactions (`writes::append_audit`);
//! this port appends the rest and reads a target's trail, newest first by `(at, id)`, from
//! the `audit_trail` view, which adds each order's `order.placed` entry read from the order
//! row itself (see `0004_audit_log.sql`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use livedrop_core::Result;
use livedrop_core::domain::{AuditAction, AuditDetail, AuditEntry, AuditTarget};
use livedrop_core::ids::{AuditId, UserId};
use livedrop_core::pagination::{Page, PageRequest};
use livedrop_core::ports::AuditLog;
use uuid::Uuid;

use super::codec::corrupt;
use super::writes::{append_audit, target_columns};
use super::{db_error, keyset};
use crate::postgres::GuardedPool;

/// The audit log port: appends on the primary, reads trails from the read pool.
#[derive(Debug, Clone)]
pub struct PgAuditLog {
    primary: GuardedPool,
    reads: GuardedPool,
}

impl PgAuditLog {
    pub(crate) fn new(primary: GuardedPool, reads: GuardedPool) -> Self {
        Self { primary, reads }
    }
}

/// An `audit_log` row, without its target (the caller asked for that one).
#[derive(sqlx::FromRow)]
struct EntryRow {
    id: Uuid,
    at: DateTime<Utc>,
    actor: Option<Uuid>,
    action: String,
    detail: serde_json::Value,
}

impl EntryRow {
    fn into_entry(self, target: AuditTarget) -> Result<AuditEntry> {
        Ok(AuditEntry {
            id: AuditId::from_uuid(self.id),
            at: self.at,
            actor: self.actor.map(UserId::from_uuid),
            action: serde_json::from_value::<AuditAction>(serde_json::Value::String(self.action))
                .map_err(|e| corrupt("audit action", e))?,
            target,
            detail: serde_json::from_value::<AuditDetail>(self.detail)
                .map_err(|e| corrupt("audit detail", e))?,
        })
    }
}

#[async_trait]
impl AuditLog for PgAuditLog {
    async fn append(&self, entry: &AuditEntry) -> Result<()> {
        let mut conn = self.primary.acquire().await?;
        append_audit(&mut conn, std::slice::from_ref(entry)).await
    }

    async fn entries_for(
        &self,
        target: AuditTarget,
        page: PageRequest,
    ) -> Result<Page<AuditEntry>> {
        let (kind, id) = target_columns(target);
        let rows = match page.cursor {
            None => sqlx::query_as::<_, EntryRow>(
                "SELECT id, at, actor, action, detail FROM audit_trail \
                 WHERE target_kind = $1 AND target_id = $2 \
                 ORDER BY at DESC, id DESC LIMIT $3",
            )
            .bind(kind)
            .bind(id)
            .bind(keyset::fetch_limit(page)),
            Some(cursor) => {
                let (at, after) = keyset::position(cursor);
                sqlx::query_as::<_, EntryRow>(
                    "SELECT id, at, actor, action, detail FROM audit_trail \
                     WHERE target_kind = $1 AND target_id = $2 AND (at, id) < ($3, $4) \
                     ORDER BY at DESC, id DESC LIMIT $5",
                )
                .bind(kind)
                .bind(id)
                .bind(at)
                .bind(after)
                .bind(keyset::fetch_limit(page))
            }
        }
        .fetch_all(&mut *self.reads.acquire().await?)
        .await
        .map_err(db_error)?;
        let entries = rows
            .into_iter()
            .map(|row| row.into_entry(target))
            .collect::<Result<Vec<_>>>()?;
        Ok(keyset::page_of(entries, page, |e| (e.at, e.id.as_uuid())))
    }
}
