//! Loading a drop's book under its row lock, and writing it back.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use livedrop_core::domain::{
    AuditAction, AuditDetail, AuditEntry, AuditTarget, DropBook, DropStatus,
};
use livedrop_core::ids::DropId;
use livedrop_core::{Error, Result};
use sqlx::{AssertSqlSafe, PgConnection};

pub(crate) use crate::postgres::codec::micros;
use crate::postgres::codec::{BookRow, int};
use crate::postgres::db_error;
use crate::postgres::writes::PgQuery;

/// The drop's book, its stock row locked until the transaction ends. `None`: no such drop.
///
/// Two statements on purpose: a join locking only the stock row would, after waiting for
/// that lock, hand back the drop row as it was BEFORE the wait (Postgres re-reads only the
/// locked row), so an order queued behind `update_drop` would be decided with the old
/// window and plan. The second statement takes a fresh snapshot and sees the edit.
pub(crate) async fn lock_book(
    conn: &mut PgConnection,
    drop_id: DropId,
) -> Result<Option<DropBook>> {
    let locked: Option<uuid::Uuid> =
        sqlx::query_scalar("SELECT drop_id FROM drop_stock WHERE drop_id = $1 FOR UPDATE")
            .bind(drop_id.as_uuid())
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_error)?;
    if locked.is_none() {
        return Ok(None);
    }
    let row: Option<BookRow> = sqlx::query_as(READ_BOOK)
        .bind(drop_id.as_uuid())
        .fetch_optional(conn)
        .await
        .map_err(db_error)?;
    row.map(BookRow::into_book).transpose()
}

/// `SELECT` [`BOOK_COLUMNS`](crate::postgres::codec::BOOK_COLUMNS) of one drop.
const READ_BOOK: &str = "SELECT d.id, d.product_id, d.creator_id, d.start_at, d.end_at, \
     d.initial_stock, d.low_stock_threshold, d.max_per_user, d.created_at, \
     s.status, s.available, s.low_stock_notified, s.updated_at \
     FROM drops d JOIN drop_stock s ON s.drop_id = d.id WHERE d.id = $1";

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
    use crate::postgres::codec::BOOK_COLUMNS;

    #[test]
    fn the_lock_statement_selects_the_book_columns() {
        let squeezed = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(squeezed(READ_BOOK).contains(&squeezed(BOOK_COLUMNS)));
    }
}
