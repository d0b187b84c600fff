//! Loading a drop's book under its row lock, and writing it back.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use livedrop_core::domain::{
    AuditAction, AuditDetail, AuditEntry, AuditTarget, DropBook, DropStatus,
};
use livedrop_core::ids::DropId;
use livedrop_core::{Error, Result};
use sqlx::{AssertSqlSafe, PgConnection};
use uuid::Uuid;

pub(crate) use crate::postgres::codec::micros;
use crate::postgres::codec::{BookRow, STOCK_ROW_BOOK_COLUMNS, int, uint};
use crate::postgres::db_error;
use crate::postgres::writes::PgQuery;

/// A drop's book as its stock row holds it, read under that row's lock, and what its
/// allotments hold (see `super::allotment`).
pub(crate) struct LockedStock {
    /// `available` is the stock row's units alone.
    pub(crate) book: DropBook,
    /// Units in all the drop's allotments, this holder's included. While the lock is held
    /// none can be added (only allotting adds, under this lock); sales may take some.
    pub(crate) allotted: u32,
    /// Units in this holder's allotment.
    pub(crate) own: u32,
}

/// The drop's book with every allotment taken back into the stock row, which stays locked
/// until the transaction ends: its `available` is the drop's exact units left, so every
/// rule of the book (the last units, `stock.low`, a restock) can be applied. `None`: no
/// such drop.
pub(crate) async fn lock_book(
    conn: &mut PgConnection,
    drop_id: DropId,
) -> Result<Option<DropBook>> {
    match lock_stock(conn, drop_id, Uuid::nil()).await? {
        Some(locked) => reclaim(conn, locked).await.map(Some),
        None => Ok(None),
    }
}

/// Locks the drop's stock row until the transaction ends and reads its book and
/// allotments, `holder`'s apart. `None`: no such drop.
///
/// Two statements on purpose: a join locking only the stock row would, after waiting for
/// that lock, hand back the drop row as it was BEFORE the wait (Postgres re-reads only the
/// locked row), so an order queued behind `update_drop` would be decided with the old
/// window and plan. The second statement takes a fresh snapshot and sees the edit.
pub(crate) async fn lock_stock(
    conn: &mut PgConnection,
    drop_id: DropId,
    holder: Uuid,
) -> Result<Option<LockedStock>> {
    let locked: Option<Uuid> =
        sqlx::query_scalar("SELECT drop_id FROM drop_stock WHERE drop_id = $1 FOR UPDATE")
            .bind(drop_id.as_uuid())
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_error)?;
    if locked.is_none() {
        return Ok(None);
    }
    let row: Option<LockedRow> = sqlx::query_as(AssertSqlSafe(READ_BOOK.as_str()))
        .bind(drop_id.as_uuid())
        .bind(holder)
        .fetch_optional(conn)
        .await
        .map_err(db_error)?;
    row.map(|row| {
        Ok(LockedStock {
            book: row.book.into_book()?,
            allotted: uint("allotted stock", row.allotted)?,
            own: uint("allotted stock", row.own)?,
        })
    })
    .transpose()
}

#[derive(sqlx::FromRow)]
struct LockedRow {
    #[sqlx(flatten)]
    book: BookRow,
    allotted: i32,
    own: i32,
}

/// [`STOCK_ROW_BOOK_COLUMNS`] of one drop, then its allotted units and the holder's.
static READ_BOOK: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {STOCK_ROW_BOOK_COLUMNS}, \
         (SELECT coalesce(sum(a.units), 0)::int FROM drop_allotments a \
          WHERE a.drop_id = d.id) AS allotted, \
         coalesce((SELECT a.units FROM drop_allotments a \
                   WHERE a.drop_id = d.id AND a.holder = $2), 0) AS own \
         FROM drops d JOIN drop_stock s ON s.drop_id = d.id WHERE d.id = $1"
    )
});

/// `locked`'s book with every allotment's units moved back into the stock row (which must
/// be locked, as [`lock_stock`] leaves it). Waits for the sales under way from an
/// allotment; costs nothing when the drop has none.
pub(crate) async fn reclaim(conn: &mut PgConnection, locked: LockedStock) -> Result<DropBook> {
    let mut book = locked.book;
    if locked.allotted == 0 {
        return Ok(book);
    }
    let (available, updated_at): (i32, DateTime<Utc>) = sqlx::query_as(RECLAIM)
        .bind(book.drop.id.as_uuid())
        .fetch_one(conn)
        .await
        .map_err(db_error)?;
    book.available = uint("available stock", available)?;
    book.updated_at = updated_at;
    Ok(book)
}

/// Zeroes the drop's allotments and adds their units to its stock row. `FOR UPDATE` waits
/// for a sale holding an allotment's lock and then reads what that sale left (a plain read
/// would see the units from before it), so the units moved are exactly those unsold.
const RECLAIM: &str = "\
     WITH held AS (SELECT holder, units, updated_at FROM drop_allotments \
                   WHERE drop_id = $1 AND units > 0 FOR UPDATE), \
          zeroed AS (UPDATE drop_allotments a SET units = 0 FROM held \
                     WHERE a.drop_id = $1 AND a.holder = held.holder) \
     UPDATE drop_stock s SET available = s.available + r.units, \
                             updated_at = greatest(s.updated_at, r.updated_at) \
     FROM (SELECT coalesce(sum(units), 0)::int AS units, max(updated_at) AS updated_at \
           FROM held) r \
     WHERE s.drop_id = $1 RETURNING s.available, s.updated_at";

/// Writes the book back. `taken` units left since it was loaded (negative: came back).
/// The update is conditional on the stored stock being exactly the loaded one: a last
/// guard (with the `available >= 0` check) against an oversell whatever the code above
/// it does.
pub(crate) async fn save_book(conn: &mut PgConnection, book: &DropBook, taken: i64) -> Result<()> {
    static UPDATE: LazyLock<String> = LazyLock::new(|| update_stock_sql(1));
    let updated = bind_stock(sqlx::query(AssertSqlSafe(UPDATE.as_str())), book, taken)
        .execute(conn)
        .await
        .map_err(db_error)?;
    stock_saved(book, updated.rows_affected())
}

/// The conditional stock update of [`save_book`], its seven parameters ([`bind_stock`])
/// numbered from `$first`.
pub(crate) fn update_stock_sql(first: usize) -> String {
    let [
        drop,
        status,
        available,
        notified,
        updated_at,
        next_due,
        taken,
    ] = [0, 1, 2, 3, 4, 5, 6].map(|i| first + i);
    format!(
        "UPDATE drop_stock SET status = ${status}, available = ${available}, \
         low_stock_notified = ${notified}, updated_at = ${updated_at}, next_due = ${next_due} \
         WHERE drop_id = ${drop} AND available::bigint - ${taken} = ${available}::bigint"
    )
}

/// Binds the book and `taken` as the query's next seven parameters.
pub(crate) fn bind_stock<'q>(query: PgQuery<'q>, book: &DropBook, taken: i64) -> PgQuery<'q> {
    query
        .bind(book.drop.id.as_uuid())
        .bind(book.drop.status.as_str())
        .bind(int(book.available))
        .bind(book.low_stock_notified)
        .bind(book.updated_at)
        .bind(book.next_due())
        .bind(taken)
}

/// The stock update changed `rows` rows: one, or the row moved under its lock.
pub(crate) fn stock_saved(book: &DropBook, rows: u64) -> Result<()> {
    if rows == 1 {
        Ok(())
    } else {
        Err(Error::internal(
            "postgres",
            format!("stock row of drop {} moved under its lock", book.drop.id),
        ))
    }
}

/// The audit entry of a status change, if `from` and the book's status differ.
pub(crate) fn status_change(
    from: DropStatus,
    book: &DropBook,
    at: DateTime<Utc>,
) -> Option<AuditEntry> {
    let to = book.drop.status;
    (from != to).then(|| {
        AuditEntry::new(
            None,
            AuditAction::DropStatusChanged,
            AuditTarget::Drop(book.drop.id),
            AuditDetail::StatusChange { from, to },
            at,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_statement_selects_the_stock_rows_book_columns() {
        let squeezed = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(squeezed(&READ_BOOK).contains(&squeezed(STOCK_ROW_BOOK_COLUMNS)));
    }
}
