//! The appends every writer makes inside its own transaction: events to the outbox and
//! entries to the audit log. One statement each, however many rows (arrays unnested), so a
//! batch of orders costs two round trips here, not two per order. Bodies are sent as JSON
//! text, stored as text in the outbox and as `json` in the audit log (see the migrations):
//! nothing queries inside them, and parsing each into `jsonb` was a third of a hot drop's
//! insert time.

use livedrop_core::Result;
use livedrop_core::domain::{AuditEntry, AuditTarget, Event};
use sqlx::PgConnection;
use uuid::Uuid;

use super::codec::corrupt;
use super::db_error;

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
    let mut ids = Vec::with_capacity(events.len());
    let mut partitions = Vec::with_capacity(events.len());
    let mut bodies = Vec::with_capacity(events.len());
    let mut times = Vec::with_capacity(events.len());
    for event in events {
        ids.push(event.id.as_uuid());
        partitions.push(partition_of(event.key()));
        bodies.push(serde_json::to_string(event).map_err(|e| corrupt("event", e))?);
        times.push(event.occurred_at);
    }
    // WITH ORDINALITY keeps the given order in `seq`.
    sqlx::query(
        "INSERT INTO outbox (event_id, partition, event, occurred_at) \
         SELECT id, partition, event, occurred_at \
         FROM unnest($1::uuid[], $2::smallint[], $3::text[], $4::timestamptz[]) \
              WITH ORDINALITY AS e(id, partition, event, occurred_at, n) \
         ORDER BY n",
    )
    .bind(&ids)
    .bind(&partitions)
    .bind(&bodies)
    .bind(&times)
    .execute(conn)
    .await
    .map_err(db_error)?;
    Ok(())
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
