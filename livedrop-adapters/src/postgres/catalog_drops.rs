//! The catalog's drops: a drop row (what it is) and its `drop_stock` row (where it is: the
//! ledger's hot row), always written together.
//!
//! `update_drop` locks the stock row `FOR UPDATE`, the lock every order of the drop takes,
//! so an edit and an order never interleave: an edit sees either no order (scheduled) or
//! refuses. A drop whose start has passed is moved on (`drop.started`/`drop.ended`, as the
//! scheduler would) before the edit is refused, so the status it reports is the one a
//! reader sees next.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use livedrop_core::domain::announcement;
use livedrop_core::domain::{Drop, DropBook, DropStatus, Event};
use livedrop_core::ids::{CreatorId, DropId, UserId};
use livedrop_core::pagination::{Page, PageRequest};
use livedrop_core::{Entity, Error, Result};
use sqlx::{AssertSqlSafe, PgConnection, Postgres};
use uuid::Uuid;

use super::codec::{BOOK_COLUMNS, BookRow, int};
use super::error::is_unique_violation;
use super::ledger::{lock_book, save_book, status_change};
use super::writes::{announce, append_audit, append_events};
use super::{db_error, keyset};
use crate::postgres::GuardedPool;

static BOOK_BY_ID: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {BOOK_COLUMNS} FROM drops d JOIN drop_stock s ON s.drop_id = d.id WHERE d.id = $1"
    )
});

static FIRST_BY_STATUS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {BOOK_COLUMNS} FROM drop_stock s JOIN drops d ON d.id = s.drop_id \
         WHERE s.status = $1 ORDER BY s.start_at, s.drop_id LIMIT $2"
    )
});

static NEXT_BY_STATUS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {BOOK_COLUMNS} FROM drop_stock s JOIN drops d ON d.id = s.drop_id \
         WHERE s.status = $1 AND (s.start_at, s.drop_id) > ($2, $3) \
         ORDER BY s.start_at, s.drop_id LIMIT $4"
    )
});

static FIRST_BY_CREATOR: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {BOOK_COLUMNS} FROM drops d JOIN drop_stock s ON s.drop_id = d.id \
         WHERE d.creator_id = $1 ORDER BY d.created_at DESC, d.id DESC LIMIT $2"
    )
});

static NEXT_BY_CREATOR: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {BOOK_COLUMNS} FROM drops d JOIN drop_stock s ON s.drop_id = d.id \
         WHERE d.creator_id = $1 AND (d.created_at, d.id) < ($2, $3) \
         ORDER BY d.created_at DESC, d.id DESC LIMIT $4"
    )
});

/// Stores a drop and its stock (full, scheduled) in one transaction.
pub(crate) async fn create(pool: &GuardedPool, drop: &Drop, actor: UserId) -> Result<()> {
    let mut tx = pool.begin().await?;
    let owner: Option<Uuid> = sqlx::query_scalar("SELECT creator_id FROM products WHERE id = $1")
        .bind(drop.product_id.as_uuid())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?;
    // Another creator's product is as unknown to this creator as a missing one.
    if owner != Some(drop.creator_id.as_uuid()) {
        return Err(Error::not_found(Entity::Product, drop.product_id));
    }
    sqlx::query(
        "INSERT INTO drops (id, product_id, creator_id, start_at, end_at, initial_stock, \
                            low_stock_threshold, max_per_user, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(drop.id.as_uuid())
    .bind(drop.product_id.as_uuid())
    .bind(drop.creator_id.as_uuid())
    .bind(drop.window.start_at())
    .bind(drop.window.end_at())
    .bind(int(drop.plan.initial_stock()))
    .bind(int(drop.plan.low_stock_threshold()))
    .bind(drop.plan.max_per_user().map(int))
    .bind(drop.created_at)
    .execute(&mut *tx)
    .await
    .map_err(|e| {
        if is_unique_violation(&e, "drops_pkey") {
            Error::already_exists(Entity::Drop, drop.id)
        } else {
            db_error(e)
        }
    })?;
    // Whatever status the caller filled in, a new drop starts scheduled; the scheduler or
    // the first order moves it on.
    let mut book = DropBook::new(drop.clone());
    book.drop.status = DropStatus::Scheduled;
    sqlx::query(
        "INSERT INTO drop_stock (drop_id, status, available, low_stock_notified, updated_at, \
                                 start_at, next_due) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(drop.id.as_uuid())
    .bind(book.drop.status.as_str())
    .bind(int(book.available))
    .bind(book.low_stock_notified)
    .bind(book.updated_at)
    .bind(drop.window.start_at())
    .bind(book.next_due())
    .execute(&mut *tx)
    .await
    .map_err(db_error)?;
    announce(&mut tx, announcement::drop_created(drop, actor)).await?;
    tx.commit().await.map_err(db_error)
}

/// A drop with its current status.
pub(crate) async fn get(pool: &GuardedPool, id: DropId) -> Result<Drop> {
    sqlx::query_as::<_, BookRow>(AssertSqlSafe(BOOK_BY_ID.as_str()))
        .bind(id.as_uuid())
        .fetch_optional(&mut *pool.acquire().await?)
        .await
        .map_err(db_error)?
        .ok_or_else(|| Error::not_found(Entity::Drop, id))?
        .into_book()
        .map(|book| book.drop)
}

/// Writes a time transition `DropBook::advance` made: the stock row, its events and the
/// status-change audit entry, with the ledger's own writers.
async fn save_transition(
    conn: &mut PgConnection,
    book: &DropBook,
    from: DropStatus,
    events: &[Event],
    at: DateTime<Utc>,
) -> Result<()> {
    save_book(conn, book, 0).await?;
    append_events(conn, events).await?;
    append_audit(conn, &Vec::from_iter(status_change(from, book, at))).await
}

/// Replaces a scheduled drop's window and plan, resetting its stock.
/// `at` is the edit's instant, at the precision Postgres stores (what the edit announces
/// equals what a later read decodes).
pub(crate) async fn update(
    pool: &GuardedPool,
    drop: &Drop,
    actor: UserId,
    at: DateTime<Utc>,
) -> Result<()> {
    let mut tx = pool.begin().await?;
    // The ledger's own lock: the stock row, then a fresh read of the drop.
    let mut book = lock_book(&mut tx, drop.id)
        .await?
        .ok_or_else(|| Error::not_found(Entity::Drop, drop.id))?;
    let from = book.drop.status;
    let due = book.advance(at);
    if !due.is_empty() {
        save_transition(&mut tx, &book, from, &due, at).await?;
        tx.commit().await.map_err(db_error)?;
        return Err(Error::DropNotEditable {
            status: book.drop.status,
        });
    }
    if book.drop.status != DropStatus::Scheduled {
        // Release the stock row's lock now: orders of a live drop queue on it.
        tx.rollback().await.map_err(db_error)?;
        return Err(Error::DropNotEditable {
            status: book.drop.status,
        });
    }
    sqlx::query(
        "UPDATE drops SET start_at = $2, end_at = $3, initial_stock = $4, \
                          low_stock_threshold = $5, max_per_user = $6 \
         WHERE id = $1",
    )
    .bind(drop.id.as_uuid())
    .bind(drop.window.start_at())
    .bind(drop.window.end_at())
    .bind(int(drop.plan.initial_stock()))
    .bind(int(drop.plan.low_stock_threshold()))
    .bind(drop.plan.max_per_user().map(int))
    .execute(&mut *tx)
    .await
    .map_err(db_error)?;
    // No order can exist on a scheduled drop, so its stock is simply the new plan's, and
    // the next transition is the new start.
    sqlx::query(
        "UPDATE drop_stock SET available = $2, low_stock_notified = false, updated_at = $3, \
                               start_at = $4, next_due = $4 \
         WHERE drop_id = $1",
    )
    .bind(drop.id.as_uuid())
    .bind(int(drop.plan.initial_stock()))
    .bind(at)
    .bind(drop.window.start_at())
    .execute(&mut *tx)
    .await
    .map_err(db_error)?;
    book.drop.window = drop.window;
    book.drop.plan = drop.plan;
    announce(&mut tx, announcement::drop_updated(&book.drop, actor, at)).await?;
    tx.commit().await.map_err(db_error)
}

/// Drops in `status` by `(start_at, id)` ascending.
pub(crate) async fn by_status(
    pool: &GuardedPool,
    status: DropStatus,
    page: PageRequest,
) -> Result<Page<Drop>> {
    let queries = (FIRST_BY_STATUS.as_str(), NEXT_BY_STATUS.as_str());
    books_page(pool, queries, status.as_str(), page, |d| {
        (d.window.start_at(), d.id.as_uuid())
    })
    .await
}

/// A creator's drops, any status, newest first by `(created_at, id)`.
pub(crate) async fn by_creator(
    pool: &GuardedPool,
    creator: CreatorId,
    page: PageRequest,
) -> Result<Page<Drop>> {
    let queries = (FIRST_BY_CREATOR.as_str(), NEXT_BY_CREATOR.as_str());
    books_page(pool, queries, creator.as_uuid(), page, |d| {
        (d.created_at, d.id.as_uuid())
    })
    .await
}

/// One keyset page of drops: `first` (`$1` the key, `$2` the limit) without a cursor,
/// `next` (`$1` the key, `$2`/`$3` the cursor's position, `$4` the limit) after one;
/// `position` is the order both sort by.
async fn books_page<K>(
    pool: &GuardedPool,
    (first, next): (&'static str, &'static str),
    key: K,
    page: PageRequest,
    position: impl Fn(&Drop) -> (DateTime<Utc>, Uuid),
) -> Result<Page<Drop>>
where
    K: for<'q> sqlx::Encode<'q, Postgres> + sqlx::Type<Postgres> + Send + 'static,
{
    let rows = match page.cursor {
        None => sqlx::query_as::<_, BookRow>(AssertSqlSafe(first))
            .bind(key)
            .bind(keyset::fetch_limit(page)),
        Some(cursor) => {
            let (at, id) = keyset::position(cursor);
            sqlx::query_as::<_, BookRow>(AssertSqlSafe(next))
                .bind(key)
                .bind(at)
                .bind(id)
                .bind(keyset::fetch_limit(page))
        }
    }
    .fetch_all(&mut *pool.acquire().await?)
    .await
    .map_err(db_error)?;
    let items = rows
        .into_iter()
        .map(|row| row.into_book().map(|book| book.drop))
        .collect::<Result<Vec<_>>>()?;
    Ok(keyset::page_of(items, page, position))
}
