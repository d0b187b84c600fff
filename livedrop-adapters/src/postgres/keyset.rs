//! Keyset pages in SQL: a cursor's `(micros, id)` as bind values, and the overfetched rows
//! back into a [`Page`]. Every list query fetches `limit + 1` rows ordered by
//! `(timestamp, id)` and compares the row value against the cursor, so a page costs one
//! index range scan at any depth (never an OFFSET).

use chrono::{DateTime, Utc};
use livedrop_core::Result;
use livedrop_core::pagination::{Cursor, Page, PageRequest};
use sqlx::FromRow;
use sqlx::postgres::PgRow;
use uuid::Uuid;

use super::db_error;
use crate::postgres::GuardedPool;

/// The earliest instant PostgreSQL stores (4714-11-24 BC), in Unix microseconds.
const PG_MIN_MICROS: i64 = -210_866_803_200_000_000;

/// A cursor's position as bind values. A client may send any key; one outside what a
/// `timestamptz` holds sorts before or after every stored row, so clamping it to the
/// storable range keeps the page it asks for instead of failing the query.
pub(crate) fn position(cursor: Cursor) -> (DateTime<Utc>, Uuid) {
    let at = DateTime::from_timestamp_micros(cursor.key.max(PG_MIN_MICROS))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    (at, cursor.id)
}

/// The bound of a list query: `limit + 1` rows, the extra one only proving a next page.
pub(crate) fn fetch_limit(page: PageRequest) -> i64 {
    i64::try_from(page.limit.get())
        .unwrap_or(i64::MAX)
        .saturating_add(1)
}

/// A page from rows already in list order; `at_id` gives an item's sort key and id.
pub(crate) fn page_of<T>(
    items: Vec<T>,
    page: PageRequest,
    at_id: impl Fn(&T) -> (DateTime<Utc>, Uuid),
) -> Page<T> {
    Page::from_overfetch(items, page.limit, |item| {
        let (at, id) = at_id(item);
        Cursor::after(at, id)
    })
}

/// One of an owner's lists, newest first: the rows of the page `page` asks for, plus one.
///
/// Every such list is two static statements, so each keeps its bound as an index
/// condition: `first` (`$1` owner, `$2` limit) for the first page, `after` (`$1` owner,
/// `$2`/`$3` the cursor's time and id, `$4` limit) for the next ones.
pub(crate) async fn newest_first<R>(
    pool: &GuardedPool,
    (first, after): (&'static str, &'static str),
    owner: Uuid,
    page: PageRequest,
) -> Result<Vec<R>>
where
    R: for<'r> FromRow<'r, PgRow> + Send + Unpin,
{
    let query = match page.cursor {
        None => sqlx::query_as::<_, R>(first)
            .bind(owner)
            .bind(fetch_limit(page)),
        Some(cursor) => {
            let (at, id) = position(cursor);
            sqlx::query_as::<_, R>(after)
                .bind(owner)
                .bind(at)
                .bind(id)
                .bind(fetch_limit(page))
        }
    };
    query
        .fetch_all(&mut *pool.acquire().await?)
        .await
        .map_err(db_error)
}
