//! The ledger's atomic unit: a batch of orders for one drop in ONE transaction.
//!
//! Lock the drop's stock row, read the batch's existing keys and its buyers' held units,
//! decide every order in arrival order with the same [`DropBook`] the memory backend uses,
//! then write in one statement (`batch_write`): the conditional stock update, the orders
//! (each order row is also its `order.placed` audit entry, see the `audit_trail` view) and
//! their events; then the audit entries of any status change. A batch of one is the
//! per-order mode.

use std::collections::HashMap;

use livedrop_core::domain::{AuditEntry, DropBook, IdempotencyKey, Order, OrderRejection};
use livedrop_core::ids::UserId;
use livedrop_core::ports::{OrderRequest, Placement};
use livedrop_core::{Error, Result};
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use super::batch_error::BatchError;
use super::batch_write::write_batch;
use super::book::{lock_book, micros, status_change};
use crate::postgres::codec::OrderRow;
use crate::postgres::db_error;
use crate::postgres::writes::append_audit;

/// How often a batch is retried when one of its `(user, key)` pairs turned out to be
/// taken at insert time: always once when a batch that skipped the check meets a replay,
/// and again if a concurrent transaction on ANOTHER drop took a pair between check and
/// insert (each retry sees that order).
const KEY_RACE_RETRIES: usize = 3;

/// Applies `requests` (all for one drop) in one transaction on `conn`; one answer per
/// request, in order. `Err`: the transaction failed, and nothing of the batch was written
/// (every request gets that error; see [`shared`]).
pub(crate) async fn place_batch(
    conn: &mut PgConnection,
    requests: &[OrderRequest],
) -> Result<Vec<Result<Placement>>> {
    // Optimistic first: most keys are new, so the batch skips reading which are taken and
    // lets the insert's unique index tell. A batch that meets a taken key is rolled back
    // and rerun with the check, which then answers those requests with their orders.
    let mut attempt = 0;
    loop {
        match try_batch(conn, requests, attempt > 0).await {
            Err(BatchError::KeyTaken) if attempt < KEY_RACE_RETRIES => attempt += 1,
            Err(error) => return Err(error.into_core()),
            Ok(answers) => return Ok(answers),
        }
    }
}

async fn try_batch(
    conn: &mut PgConnection,
    requests: &[OrderRequest],
    check_keys: bool,
) -> std::result::Result<Vec<Result<Placement>>, BatchError> {
    let Some(first) = requests.first() else {
        return Ok(Vec::new());
    };
    let mut tx = conn.begin().await.map_err(BatchError::Db)?;
    let Some(mut book) = lock_book(&mut tx, first.drop_id)
        .await
        .map_err(BatchError::Core)?
    else {
        return Ok(requests
            .iter()
            .map(|_| Err(OrderRejection::DropNotFound.into()))
            .collect());
    };
    let mut existing = if check_keys {
        existing_orders(&mut tx, requests)
            .await
            .map_err(BatchError::Core)?
    } else {
        HashMap::new()
    };
    // Held units only matter under a per-user limit; without one, skip summing a hot
    // drop's orders per buyer.
    let mut held = if book.drop.plan.max_per_user().is_some() {
        held_units(&mut tx, requests)
            .await
            .map_err(BatchError::Core)?
    } else {
        HashMap::new()
    };

    let mut decided = Decided::default();
    let mut answers = Vec::with_capacity(requests.len());
    for request in requests {
        let request = OrderRequest {
            now: micros(request.now),
            ..request.clone()
        };
        answers.push(decide(
            &mut book,
            &request,
            &mut existing,
            &mut held,
            &mut decided,
        ));
    }

    // A refused request may be the replay of an order placed earlier: its key's order
    // answers it, not the refusal. Only batches with a refusal pay for finding out.
    if !check_keys && answers.iter().any(Result::is_err) {
        let taken = existing_orders(&mut tx, requests)
            .await
            .map_err(BatchError::Core)?;
        if !taken.is_empty() {
            return Err(BatchError::KeyTaken);
        }
    }
    if decided.orders.is_empty() && decided.events.is_empty() && decided.audit.is_empty() {
        // Only refusals (a sold-out storm): nothing to write, so no commit to wait for.
        return Ok(answers);
    }
    write_batch(
        &mut tx,
        &book,
        i64::from(decided.taken),
        &decided.orders,
        &decided.events,
    )
    .await?;
    append_audit(&mut tx, &decided.audit)
        .await
        .map_err(BatchError::Core)?;
    tx.commit().await.map_err(BatchError::Db)?;
    Ok(answers)
}

/// What a batch writes.
#[derive(Default)]
struct Decided {
    orders: Vec<Order>,
    events: Vec<livedrop_core::domain::Event>,
    audit: Vec<AuditEntry>,
    taken: u32,
}

/// One order's decision, against the book and what the batch decided before it.
fn decide(
    book: &mut DropBook,
    request: &OrderRequest,
    existing: &mut HashMap<(UserId, IdempotencyKey), Order>,
    held: &mut HashMap<UserId, u32>,
    decided: &mut Decided,
) -> Result<Placement> {
    let before = book.drop.status;
    decided.events.extend(book.advance(request.now));
    let answer = match existing.get(&(request.user_id, request.idempotency_key.clone())) {
        Some(order) if order.drop_id == request.drop_id && order.qty == request.qty => {
            Ok(Placement::Existing(order.clone()))
        }
        Some(_) => Err(Error::IdempotencyMismatch),
        None => {
            let order = request.confirmed_order();
            let already = held.get(&order.user_id).copied().unwrap_or(0);
            match book.take_into(&order, already, &mut decided.events) {
                Ok(()) => {
                    let units = held.entry(order.user_id).or_insert(0);
                    *units = units.saturating_add(order.qty.get());
                    decided.taken = decided.taken.saturating_add(order.qty.get());
                    existing.insert(
                        (order.user_id, order.idempotency_key.clone()),
                        order.clone(),
                    );
                    decided.orders.push(order.clone());
                    Ok(Placement::Confirmed(order))
                }
                Err(rejection) => Err(Error::Rejected(rejection)),
            }
        }
    };
    // Due transitions happen (and are audited) even when the order is refused.
    decided
        .audit
        .extend(status_change(before, book, request.now));
    answer
}

/// Orders already holding one of the batch's `(user, key)` pairs, on any drop.
async fn existing_orders(
    conn: &mut PgConnection,
    requests: &[OrderRequest],
) -> Result<HashMap<(UserId, IdempotencyKey), Order>> {
    let users: Vec<Uuid> = requests.iter().map(|r| r.user_id.as_uuid()).collect();
    let keys: Vec<&str> = requests
        .iter()
        .map(|r| r.idempotency_key.as_str())
        .collect();
    // Planned per call, not cached: a plan cached while the table was small kept
    // scanning it whole once it had grown.
    let rows: Vec<OrderRow> = sqlx::query_as(EXISTING_ORDERS)
        .persistent(false)
        .bind(&users)
        .bind(&keys)
        .fetch_all(conn)
        .await
        .map_err(db_error)?;
    rows.into_iter()
        .map(|row| {
            let order = row.into_order()?;
            Ok(((order.user_id, order.idempotency_key.clone()), order))
        })
        .collect()
}

/// A lateral join, so each pair is one probe of the `(user_id, idempotency_key)` index
/// however large the table grows; an `IN (unnest ..)` let the planner switch to a
/// sequential scan once statistics caught up with a hot drop.
const EXISTING_ORDERS: &str = "SELECT o.id, o.user_id, o.drop_id, o.qty, o.status, \
     o.idempotency_key, o.created_at, o.cancelled_at \
     FROM unnest($1::uuid[], $2::text[]) AS k(user_id, idempotency_key) \
     CROSS JOIN LATERAL (SELECT * FROM orders WHERE orders.user_id = k.user_id \
         AND orders.idempotency_key = k.idempotency_key) AS o";

/// Units the batch's buyers hold in confirmed orders of the drop (for `maxPerUser`).
async fn held_units(
    conn: &mut PgConnection,
    requests: &[OrderRequest],
) -> Result<HashMap<UserId, u32>> {
    let Some(first) = requests.first() else {
        return Ok(HashMap::new());
    };
    let users: Vec<Uuid> = requests.iter().map(|r| r.user_id.as_uuid()).collect();
    let rows: Vec<(Uuid, i64)> = sqlx::query_as(
        "SELECT user_id, sum(qty)::bigint FROM orders \
         WHERE drop_id = $1 AND status = 'confirmed' AND user_id = ANY($2) GROUP BY user_id",
    )
    .bind(first.drop_id.as_uuid())
    .bind(&users)
    .fetch_all(conn)
    .await
    .map_err(db_error)?;
    Ok(rows
        .into_iter()
        .map(|(user, units)| {
            (
                UserId::from_uuid(user),
                u32::try_from(units).unwrap_or(u32::MAX),
            )
        })
        .collect())
}

/// The error each order of a failed batch gets: the same kind (retryable or not) and
/// message as the batch's.
pub(crate) fn shared(error: &Error) -> Error {
    if error.is_retryable() {
        Error::unavailable("postgres", error.to_string())
    } else {
        Error::internal("postgres", error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postgres::codec::ORDER_COLUMNS;

    #[test]
    fn existing_orders_selects_the_order_columns() {
        let columns = ORDER_COLUMNS.split(", ").map(|c| format!("o.{c}"));
        assert!(EXISTING_ORDERS.contains(&columns.collect::<Vec<_>>().join(", ")));
    }
}
