//! Deciding a batch: each order in arrival order against the drop's [`DropBook`], the
//! batch's replays answered with their stored orders. Reads only; the caller writes what
//! was decided, to the stock row or to an allotment.

use std::collections::HashMap;

use livedrop_core::domain::{AuditEntry, DropBook, Event, IdempotencyKey, Order, join_trace};
use livedrop_core::ids::UserId;
use livedrop_core::ports::{OrderRequest, Placement};
use livedrop_core::{Error, Result};
use sqlx::PgConnection;
use uuid::Uuid;

use super::batch_error::BatchError;
use super::book::{micros, status_change};
use crate::postgres::codec::OrderRow;
use crate::postgres::db_error;

/// Decides `requests` (all for `book`'s drop) in order; one answer per request, and what
/// the batch must write. `check_keys`: read which `(user, key)` pairs are taken first;
/// without it, a batch whose refusal may be a replay fails with [`BatchError::KeyTaken`]
/// (to be rerun with the check) rather than refuse a replay.
pub(super) async fn decide_batch(
    conn: &mut PgConnection,
    book: &mut DropBook,
    requests: &[OrderRequest],
    check_keys: bool,
) -> std::result::Result<(Vec<Result<Placement>>, Decided), BatchError> {
    let mut existing = if check_keys {
        existing_orders(conn, requests)
            .await
            .map_err(BatchError::Core)?
    } else {
        HashMap::new()
    };
    // Held units only matter under a per-user limit; without one, skip summing a hot
    // drop's orders per buyer.
    let mut held = if book.drop.plan.max_per_user().is_some() {
        held_units(conn, requests).await.map_err(BatchError::Core)?
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
            book,
            &request,
            &mut existing,
            &mut held,
            &mut decided,
        ));
    }

    // A refused request may be the replay of an order placed earlier: its key's order
    // answers it, not the refusal. Only batches with a refusal pay for finding out.
    if !check_keys && answers.iter().any(Result::is_err) {
        let taken = existing_orders(conn, requests)
            .await
            .map_err(BatchError::Core)?;
        if !taken.is_empty() {
            return Err(BatchError::KeyTaken);
        }
    }
    Ok((answers, decided))
}

/// What a batch writes.
#[derive(Default)]
pub(super) struct Decided {
    pub(super) orders: Vec<Order>,
    pub(super) events: Vec<Event>,
    pub(super) audit: Vec<AuditEntry>,
    /// Units the confirmed orders took.
    pub(super) taken: u32,
}

impl Decided {
    /// Nothing to write: only refusals and replays.
    pub(super) fn is_empty(&self) -> bool {
        self.orders.is_empty() && self.events.is_empty() && self.audit.is_empty()
    }
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
    let first_event = decided.events.len();
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
    join_trace(&mut decided.events[first_event..], request.trace.as_ref());
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
