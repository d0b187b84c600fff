//! A decided batch's writes as ONE statement: the stock row (or the allotment it was sold
//! from), the orders, their events.
//!
//! Why one: a batch runs under its drop's stock-row (or allotment) lock, so every round trip of it is
//! time the drop's next batch waits, and each costs two process wake-ups (client and
//! server) on a busy machine. As three statements the writes were three round trips; as
//! data-modifying CTEs they are one, all-or-nothing like any statement. The audit entries
//! of a status change (a few per drop, ever) still go on their own.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use livedrop_core::Error;
use livedrop_core::domain::{DropBook, Event, Order};
use livedrop_core::ids::DropId;
use sqlx::{AssertSqlSafe, PgConnection, Row};
use uuid::Uuid;

use super::batch_error::BatchError;
use super::book::{bind_stock, stock_saved, update_stock_sql};
use crate::postgres::codec::int;
use crate::postgres::error::is_unique_violation;
use crate::postgres::writes::{EventRows, PgQuery, insert_events_sql};

/// The stock update ($1-$7), the orders ($8-$14) and the events ($15-$19); answers how
/// many stock rows changed. Unnesting empty arrays writes nothing, so one statement (one
/// prepared plan) serves batches with or without orders or events.
static WRITE_BATCH: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH stock AS ({} RETURNING 1), placed AS ({}), events AS ({}) \
         SELECT count(*) FROM stock",
        update_stock_sql(1),
        insert_orders_sql(8),
        insert_events_sql(15)
    )
});

/// The allotment's update ($1-$4), the orders ($5-$11) and the events ($12-$16); answers
/// how many allotment rows changed (see [`super::allotment`]).
static WRITE_ALLOTTED_BATCH: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH own AS (UPDATE drop_allotments SET units = units - $3, updated_at = $4 \
                      WHERE drop_id = $1 AND holder = $2 AND units >= $3 RETURNING 1), \
              placed AS ({}), events AS ({}) \
         SELECT count(*) FROM own",
        insert_orders_sql(5),
        insert_events_sql(12)
    )
});

/// The orders' insert, its seven arrays ([`OrderRows`]) numbered from `$first`.
///
/// A plain insert, not `ON CONFLICT DO NOTHING`: that clause probes the unique index once
/// more per row before inserting (and takes a speculative-insertion lock), a sixth of the
/// insert's time, to cover a case that is rare and already costs a rerun. A taken key fails
/// the statement instead; the transaction is dropped (rolled back) and the batch reruns with
/// the check. Without the clause every row goes in or the statement fails.
fn insert_orders_sql(first: usize) -> String {
    let [ids, users, drops, qtys, statuses, keys, times] = [0, 1, 2, 3, 4, 5, 6].map(|i| first + i);
    format!(
        "INSERT INTO orders (id, user_id, drop_id, qty, status, idempotency_key, created_at) \
         SELECT * FROM unnest(${ids}::uuid[], ${users}::uuid[], ${drops}::uuid[], \
                              ${qtys}::int[], ${statuses}::text[], ${keys}::text[], \
                              ${times}::timestamptz[])"
    )
}

/// Writes the book back (`taken` units left since it was loaded, see
/// [`save_book`](super::book::save_book)), the batch's confirmed orders and its events.
pub(super) async fn write_batch(
    conn: &mut PgConnection,
    book: &DropBook,
    taken: i64,
    orders: &[Order],
    events: &[Event],
) -> Result<(), BatchError> {
    let query = bind_stock(
        sqlx::query(AssertSqlSafe(WRITE_BATCH.as_str())),
        book,
        taken,
    );
    let saved = write_rows(conn, query, orders, events).await?;
    stock_saved(book, u64::try_from(saved).unwrap_or(0)).map_err(BatchError::Core)
}

/// Writes a batch sold from `holder`'s allotment of `drop_id`: the allotment (`taken`
/// units fewer, last sale at `updated_at`), the batch's confirmed orders and its events.
pub(super) async fn write_allotted_batch(
    conn: &mut PgConnection,
    drop_id: DropId,
    holder: Uuid,
    taken: u32,
    updated_at: DateTime<Utc>,
    orders: &[Order],
    events: &[Event],
) -> Result<(), BatchError> {
    let query = sqlx::query(AssertSqlSafe(WRITE_ALLOTTED_BATCH.as_str()))
        .bind(drop_id.as_uuid())
        .bind(holder)
        .bind(int(taken))
        .bind(updated_at);
    if write_rows(conn, query, orders, events).await? == 1 {
        Ok(())
    } else {
        Err(BatchError::Core(Error::internal(
            "postgres",
            format!("the allotment of drop {drop_id} moved under its lock"),
        )))
    }
}

/// Binds `orders` and `events` after `query`'s own parameters and runs it; the count it
/// selects (the rows its first CTE changed).
async fn write_rows<'q>(
    conn: &mut PgConnection,
    query: PgQuery<'q>,
    orders: &'q [Order],
    events: &[Event],
) -> Result<i64, BatchError> {
    let events = EventRows::new(events).map_err(BatchError::Core)?;
    let row = events
        .bind(OrderRows::new(orders).bind(query))
        .fetch_one(conn)
        .await
        .map_err(write_error)?;
    row.try_get(0).map_err(BatchError::Db)
}

/// A taken key is [`BatchError::KeyTaken`], for the rerun with the check.
fn write_error(error: sqlx::Error) -> BatchError {
    if is_unique_violation(&error, "orders_user_key") {
        BatchError::KeyTaken
    } else {
        BatchError::Db(error)
    }
}

/// Orders as the seven arrays [`insert_orders_sql`] unnests.
struct OrderRows<'a> {
    ids: Vec<Uuid>,
    users: Vec<Uuid>,
    drops: Vec<Uuid>,
    qtys: Vec<i32>,
    statuses: Vec<&'static str>,
    keys: Vec<&'a str>,
    times: Vec<DateTime<Utc>>,
}

impl<'a> OrderRows<'a> {
    fn new(orders: &'a [Order]) -> Self {
        let n = orders.len();
        let mut rows = Self {
            ids: Vec::with_capacity(n),
            users: Vec::with_capacity(n),
            drops: Vec::with_capacity(n),
            qtys: Vec::with_capacity(n),
            statuses: Vec::with_capacity(n),
            keys: Vec::with_capacity(n),
            times: Vec::with_capacity(n),
        };
        // Inserted in `(user, key)` order: two batches (on two drops) that share keys then
        // wait on the unique index in the same order, and never deadlock.
        let mut sorted: Vec<&Order> = orders.iter().collect();
        sorted.sort_by(|a, b| {
            (a.user_id, a.idempotency_key.as_str()).cmp(&(b.user_id, b.idempotency_key.as_str()))
        });
        for order in sorted {
            rows.ids.push(order.id.as_uuid());
            rows.users.push(order.user_id.as_uuid());
            rows.drops.push(order.drop_id.as_uuid());
            rows.qtys.push(int(order.qty.get()));
            rows.statuses.push(order.status.as_str());
            rows.keys.push(order.idempotency_key.as_str());
            rows.times.push(order.created_at);
        }
        rows
    }

    /// Binds the arrays as the query's next seven parameters.
    fn bind<'q>(self, query: PgQuery<'q>) -> PgQuery<'q>
    where
        'a: 'q,
    {
        query
            .bind(self.ids)
            .bind(self.users)
            .bind(self.drops)
            .bind(self.qtys)
            .bind(self.statuses)
            .bind(self.keys)
            .bind(self.times)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statements_number_their_parameters_once_each_in_order() {
        for (statement, last) in [(&*WRITE_BATCH, 19), (&*WRITE_ALLOTTED_BATCH, 16)] {
            for n in 1..=last {
                assert!(statement.contains(&format!("${n}")), "${n} missing");
            }
            assert!(!statement.contains(&format!("${}", last + 1)));
        }
    }
}
