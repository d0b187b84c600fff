//! The ledger's other atomic units: cancelling an order and applying due transitions.

use chrono::{DateTime, Utc};
use livedrop_core::domain::{
    AuditAction, AuditDetail, AuditEntry, AuditTarget, Cancellation, Order, OrderStatus,
};
use livedrop_core::ids::{DropId, OrderId, UserId};
use livedrop_core::ports::DropTransition;
use livedrop_core::{Entity, Error, Result};
use sqlx::PgConnection;

use super::book::{lock_book, micros, save_book, status_change};
use crate::postgres::GuardedPool;
use crate::postgres::codec::OrderRow;
use crate::postgres::db_error;
use crate::postgres::writes::{append_audit, append_events};

/// Cancels `user_id`'s order: its units go back exactly once (the order row is read under
/// the drop's stock-row lock, so concurrent cancels serialize and only the first changes it).
pub(crate) async fn cancel(
    pool: &GuardedPool,
    order_id: OrderId,
    user_id: UserId,
    now: DateTime<Utc>,
) -> Result<Cancellation> {
    let now = micros(now);
    let not_found = || Error::not_found(Entity::Order, order_id);
    let mut tx = pool.begin().await?;
    // Someone else's order is "not found" before any lock is taken, so probing ids never
    // queues on a hot drop. Then the drop, then the order: the lock order of placing.
    let owner: Option<(uuid::Uuid, uuid::Uuid)> =
        sqlx::query_as("SELECT drop_id, user_id FROM orders WHERE id = $1")
            .bind(order_id.as_uuid())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?;
    let drop_id = match owner {
        Some((drop_id, owner)) if owner == user_id.as_uuid() => DropId::from_uuid(drop_id),
        _ => return Err(not_found()),
    };
    let mut book = lock_book(&mut tx, drop_id).await?.ok_or_else(not_found)?;
    let order = match read_order(&mut tx, order_id).await? {
        Some(order) if order.user_id == user_id => order,
        _ => return Err(not_found()),
    };
    if order.status == OrderStatus::Cancelled {
        return Ok(Cancellation {
            order,
            changed: false,
        });
    }
    let before = book.drop.status;
    let mut events = book.advance(now);
    let cancelled = Order {
        status: OrderStatus::Cancelled,
        cancelled_at: Some(now),
        ..order
    };
    events.extend(book.give_back(&cancelled, now));
    sqlx::query("UPDATE orders SET status = 'cancelled', cancelled_at = $2 WHERE id = $1")
        .bind(order_id.as_uuid())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
    save_book(&mut tx, &book, -i64::from(cancelled.qty.get())).await?;
    let mut audit = vec![AuditEntry::new(
        Some(user_id),
        AuditAction::OrderCancelled,
        AuditTarget::Order(order_id),
        AuditDetail::Order {
            drop_id,
            qty: cancelled.qty,
        },
        now,
    )];
    audit.extend(status_change(before, &book, now));
    append_events(&mut tx, &events).await?;
    append_audit(&mut tx, &audit).await?;
    tx.commit().await.map_err(db_error)?;
    Ok(Cancellation {
        order: cancelled,
        changed: true,
    })
}

pub(crate) async fn read_order(
    conn: &mut PgConnection,
    order_id: OrderId,
) -> Result<Option<Order>> {
    let row: Option<OrderRow> = sqlx::query_as(
        "SELECT id, user_id, drop_id, qty, status, idempotency_key, created_at, cancelled_at \
         FROM orders WHERE id = $1",
    )
    .bind(order_id.as_uuid())
    .fetch_optional(conn)
    .await
    .map_err(db_error)?;
    row.map(OrderRow::into_order).transpose()
}

/// Applies the transitions due at `now` to at most `limit` drops, one transaction each.
/// Each claims its drop with `SKIP LOCKED`, so several schedulers split the due drops
/// between them instead of queueing on the same rows (a hot drop's row, busy with order
/// batches, is skipped: those batches apply its due transitions themselves).
pub(crate) async fn advance(
    pool: &GuardedPool,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<DropTransition>> {
    let now = micros(now);
    let mut applied = Vec::new();
    let mut visited: Vec<uuid::Uuid> = Vec::new();
    while applied.len() < limit {
        match advance_one(pool, now, &visited).await {
            Ok(Some((drop_id, transition))) => {
                visited.push(drop_id);
                applied.extend(transition);
            }
            Ok(None) => break,
            // What was applied is committed, events and all: report it, and let the next
            // tick meet the error again if it lasts.
            Err(error) if !applied.is_empty() => {
                tracing::warn!(%error, "scheduler tick stopped early");
                break;
            }
            Err(error) => return Err(error),
        }
    }
    Ok(applied)
}

/// Claims one due drop not yet `visited` and applies what is due. `None`: nothing left.
async fn advance_one(
    pool: &GuardedPool,
    now: DateTime<Utc>,
    visited: &[uuid::Uuid],
) -> Result<Option<(uuid::Uuid, Option<DropTransition>)>> {
    let mut tx = pool.begin().await?;
    let due: Option<uuid::Uuid> = sqlx::query_scalar(
        "SELECT drop_id FROM drop_stock WHERE next_due <= $1 AND drop_id <> ALL($2) \
         ORDER BY next_due, drop_id LIMIT 1 FOR UPDATE SKIP LOCKED",
    )
    .bind(now)
    .bind(visited)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_error)?;
    let Some(drop_id) = due else {
        return Ok(None);
    };
    let Some(mut book) = lock_book(&mut tx, DropId::from_uuid(drop_id)).await? else {
        return Ok(Some((drop_id, None)));
    };
    let from = book.drop.status;
    let events = book.advance(now);
    if events.is_empty() {
        return Ok(Some((drop_id, None)));
    }
    save_book(&mut tx, &book, 0).await?;
    append_events(&mut tx, &events).await?;
    append_audit(&mut tx, &Vec::from_iter(status_change(from, &book, now))).await?;
    tx.commit().await.map_err(db_error)?;
    Ok(Some((
        drop_id,
        Some(DropTransition {
            drop_id: book.drop.id,
            from,
            to: book.drop.status,
        }),
    )))
}
