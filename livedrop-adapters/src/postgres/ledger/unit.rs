//! The ledger's atomic unit: a batch of orders for one drop in ONE transaction.
//!
//! Decide every order in arrival order with the same [`DropBook`] the memory backend uses
//! (`decide`), then write in one statement (`batch_write`): the units taken, the orders
//! (each order row is also its `order.placed` audit entry, see the `audit_trail` view) and
//! their events; then the audit entries of any status change. A batch of one is the
//! per-order mode.
//!
//! Where the units come from: the batcher's batches first try the instance's allotment of
//! the drop (`allotment`), locking only that; a batch it cannot sell locks the drop's stock
//! row, which either tops the allotment up or takes every allotment back and decides the
//! batch on the exact stock.

use livedrop_core::domain::OrderRejection;
use livedrop_core::ports::{OrderRequest, Placement};
use livedrop_core::{Error, Result};
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use super::allotment::{self, Allotment, Sale};
use super::batch_error::BatchError;
use super::batch_write::write_batch;
use super::book::{lock_stock, reclaim};
use super::decide::decide_batch;
use crate::postgres::writes::append_audit;

/// How often a batch is retried when one of its `(user, key)` pairs turned out to be
/// taken at insert time: always once when a batch that skipped the check meets a replay,
/// and again if a concurrent transaction on ANOTHER drop took a pair between check and
/// insert (each retry sees that order).
const KEY_RACE_RETRIES: usize = 3;

/// Applies `requests` (all for one drop) in one transaction on `conn`; one answer per
/// request, in order. With `allotment`, units come from it where they can, and it is left
/// as the database holds it. `Err`: the transaction failed, and nothing of the batch was
/// written (every request gets that error; see [`shared`]).
pub(crate) async fn place_batch(
    conn: &mut PgConnection,
    requests: &[OrderRequest],
    mut allotment: Option<&mut Allotment>,
) -> Result<Vec<Result<Placement>>> {
    // Optimistic first: most keys are new, so the batch skips reading which are taken and
    // lets the insert's unique index tell. A batch that meets a taken key is rolled back
    // and rerun with the check, which then answers those requests with their orders.
    let mut attempt = 0;
    loop {
        match try_batch(conn, requests, attempt > 0, allotment.as_deref_mut()).await {
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
    mut allotment: Option<&mut Allotment>,
) -> std::result::Result<Vec<Result<Placement>>, BatchError> {
    let (Some(first), Some(latest)) = (requests.first(), allotment::latest(requests)) else {
        return Ok(Vec::new());
    };
    let demand = allotment::demand(requests);
    if let Some(own) = allotment.as_deref_mut()
        && own.units >= demand
    {
        let mut tx = conn.begin().await.map_err(BatchError::Db)?;
        if let Sale::Sold(answers) = allotment::sell(&mut tx, own, requests, check_keys).await? {
            tx.commit().await.map_err(BatchError::Db)?;
            return Ok(answers);
        }
        // Nothing was written. The allotment's lock goes before the stock row's is taken:
        // every writer takes the stock row's first.
        tx.rollback().await.map_err(BatchError::Db)?;
    }

    let mut tx = conn.begin().await.map_err(BatchError::Db)?;
    let holder = allotment.as_ref().map_or(Uuid::nil(), |own| own.holder);
    let Some(mut locked) = lock_stock(&mut tx, first.drop_id, holder)
        .await
        .map_err(BatchError::Core)?
    else {
        return Ok(requests
            .iter()
            .map(|_| Err(OrderRejection::DropNotFound.into()))
            .collect());
    };
    if let Some(own) = allotment.as_deref_mut()
        && let Some(units) = allotment::grant_size(&locked, demand, latest)
    {
        if units > 0 {
            allotment::grant(&mut tx, first.drop_id, own.holder, units)
                .await
                .map_err(BatchError::Core)?;
            locked.allotted = locked.allotted.saturating_add(units);
        }
        if let Sale::Sold(answers) = allotment::sell(&mut tx, own, requests, check_keys).await? {
            tx.commit().await.map_err(BatchError::Db)?;
            return Ok(answers);
        }
        // Not expected after `grant_size` agreed; the reclaim below takes the grant back.
    }

    let mut book = reclaim(&mut tx, locked).await.map_err(BatchError::Core)?;
    if let Some(own) = allotment {
        own.units = 0;
    }
    let (answers, decided) = decide_batch(&mut tx, &mut book, requests, check_keys).await?;
    if decided.is_empty() {
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

/// The error each order of a failed batch gets: the same kind (retryable or not) and
/// message as the batch's.
pub(crate) fn shared(error: &Error) -> Error {
    if error.is_circuit_open() {
        // Kept a refusal, so the server does not log one error per order of the batch.
        Error::circuit_open("postgres")
    } else if error.is_retryable() {
        Error::unavailable("postgres", error.to_string())
    } else {
        Error::internal("postgres", error.to_string())
    }
}
