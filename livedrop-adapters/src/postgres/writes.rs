//! The appends every writer makes inside its own transaction: events to the outbox and
//! entries to the audit log. One statement each, however many rows (arrays unnested), so a
//! batch of orders costs two round trips here, not two per order. Bodies are sent as JSON
//! text, stored as text in the outbox and as `json` in the audit log (see the migrations):
//! nothing queries inside them, and parsing each into `jsonb` was a third of a hot drop's
//! insert time.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use livedrop_core::Result;
use livedrop_core::domain::announcement::Announcement;
use livedrop_core::domain::{AuditEntry, AuditTarget, Event};
use sqlx::postgres::PgArguments;
use sqlx::{AssertSqlSafe, PgConnection, Postgres};
use uuid::Uuid;

use super::codec::corrupt;
use super::db_error;

/// A statement being bound.
pub(crate) type PgQuery<'q> = sqlx::query::Query<'q, Postgres, PgArguments>;

/// Outbox partitions (rows of `outbox_partitions`); see `0003_outbox.sql`.
pub(crate) const OUTBOX_PARTITIONS: u128 = 16;

/// The outbox partition of an event key. v7 ids end in random bits, so the remainder
/// spreads keys evenly, and it is the same in every process (unlike a seeded hash).
pub(crate) fn partition_of(key: Uuid) -> i16 {
    i16::try_from(key.as_u128() % OUTBOX_PARTITIONS).unwrap_or(0)
}

/// Appends `events` to the outbox, in order.
pub(crate) async fn append_events(conn: &mut PgConnection, events: &[Event]) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    static INSERT: LazyLock<String> = LazyLock::new(|| insert_events_sql(1));
    EventRows::new(events)?
        .bind(sqlx::query(AssertSqlSafe(INSERT.as_str())))
        .execute(conn)
        .await
        .map_err(db_error)?;
    Ok(())
}

/// The outbox insert, its [`EventRows`] parameters numbered from `$first` (so a statement
/// may carry it beside other writes; see the ledger's batch write).
pub(crate) fn insert_events_sql(first: usize) -> String {
    let [ids, partitions, bodies, times, traces] = [0, 1, 2, 3, 4].map(|i| first + i);
    // WITH ORDINALITY keeps the given order in `seq`.
    format!(
        "INSERT INTO outbox (event_id, partition, event, occurred_at, traceparent) \
         SELECT id, partition, event, occurred_at, traceparent \
         FROM unnest(${ids}::uuid[], ${partitions}::smallint[], ${bodies}::text[], \
                     ${times}::timestamptz[], ${traces}::text[]) \
              WITH ORDINALITY AS e(id, partition, event, occurred_at, traceparent, n) \
         ORDER BY n"
    )
}

/// Events as the five arrays [`insert_events_sql`] unnests (none: empty arrays).
pub(crate) struct EventRows {
    ids: Vec<Uuid>,
    partitions: Vec<i16>,
    bodies: Vec<String>,
    times: Vec<DateTime<Utc>>,
    traces: Vec<Option<String>>,
}

impl EventRows {
    pub(crate) fn new(events: &[Event]) -> Result<Self> {
        let mut rows = Self {
            ids: Vec::with_capacity(events.len()),
            partitions: Vec::with_capacity(events.len()),
            bodies: Vec::with_capacity(events.len()),
            times: Vec::with_capacity(events.len()),
            traces: Vec::with_capacity(events.len()),
        };
        for event in events {
            rows.ids.push(event.id.as_uuid());
            rows.partitions.push(partition_of(event.key()));
            rows.bodies.push(event.to_json_string());
            rows.times.push(event.occurred_at);
            rows.traces
                .push(event.trace.as_ref().map(|t| t.as_str().to_owned()));
        }
        Ok(rows)
    }

    /// Binds the arrays as the query's next five parameters.
    pub(crate) fn bind(self, query: PgQuery<'_>) -> PgQuery<'_> {
        query
            .bind(self.ids)
            .bind(self.partitions)
            .bind(self.bodies)
            .bind(self.times)
            .bind(self.traces)
    }
}

/// The `(target_kind, target_id)` columns of a target.
pub(crate) fn target_columns(target: AuditTarget) -> (&'static str, Uuid) {
    match target {
        AuditTarget::User(id) => ("user", id.as_uuid()),
        AuditTarget::Creator(id) => ("creator", id.as_uuid()),
        AuditTarget::Product(id) => ("product", id.as_uuid()),
        AuditTarget::Drop(id) => ("drop", id.as_uuid()),
        AuditTarget::Order(id) => ("order", id.as_uuid()),
    }
}

/// Appends audit entries.
pub(crate) async fn append_audit(conn: &mut PgConnection, entries: &[AuditEntry]) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let n = entries.len();
    let (mut ids, mut ats, mut actors, mut actions) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut kinds, mut targets, mut details) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for entry in entries {
        let (kind, target) = target_columns(entry.target);
        ids.push(entry.id.as_uuid());
        ats.push(entry.at);
        actors.push(entry.actor.map(|a| a.as_uuid()));
        actions.push(action_text(entry)?);
        kinds.push(kind);
        targets.push(target);
        details.push(serde_json::to_string(&entry.detail).map_err(|e| corrupt("audit detail", e))?);
    }
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor, action, target_kind, target_id, detail) \
         SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::uuid[], $4::text[], \
                              $5::text[], $6::uuid[], $7::text[]::json[])",
    )
    .bind(&ids)
    .bind(&ats)
    .bind(&actors)
    .bind(&actions)
    .bind(&kinds)
    .bind(&targets)
    .bind(&details)
    .execute(conn)
    .await
    .map_err(db_error)?;
    Ok(())
}

/// The action's wire name (`order.placed`, ...).
fn action_text(entry: &AuditEntry) -> Result<String> {
    match serde_json::to_value(entry.action).map_err(|e| corrupt("audit action", e))? {
        serde_json::Value::String(text) => Ok(text),
        other => Err(corrupt("audit action", other)),
    }
}

/// Appends a catalog write's event and audit entry on its transaction.
pub(crate) async fn announce(conn: &mut PgConnection, announcement: Announcement) -> Result<()> {
    append_events(conn, &[announcement.event]).await?;
    append_audit(conn, &[announcement.audit]).await
}
