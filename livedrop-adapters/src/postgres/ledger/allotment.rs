//! Allotments: stock one ledger instance (or one lane of one: `super::lanes`) takes from a
//! drop's stock row to sell under a lock of its own (migration 0014).
//!
//! Why: a batch holds its drop's stock row through its commit, so with several server
//! instances on one database each instance's batch waited for the others' commits, and two
//! instances confirmed fewer orders per second than one. An instance that sells from its
//! own allotment locks only that row; the stock row is locked again only to top the
//! allotment up, a few times per thousand orders.
//!
//! What keeps the [`DropBook`]'s rules whole: an allotment only sells orders that change
//! nothing but the units left. It is granted, and sells, only while the drop is live inside
//! its window, has no per-buyer limit (the units a buyer holds would have to be counted
//! across instances), and keeps more than its low-stock threshold in the stock row. So no
//! sale from an allotment can cross `stock.low` or sell out, and every transition, every
//! cancellation and a drop's last units go through the stock row, which first takes every
//! allotment back ([`reclaim`](super::book::reclaim)) and then holds the exact stock.
//!
//! Lock order: the stock row, then allotments. A sale from an allotment never waits for the
//! stock row; one that finds its allotment short gives its lock up before taking the stock
//! row's.

use chrono::{DateTime, Utc};
use livedrop_core::domain::{DropBook, DropStatus, EventData};
use livedrop_core::ids::DropId;
use livedrop_core::ports::{OrderRequest, Placement};
use livedrop_core::{Error, Result};
use sqlx::{AssertSqlSafe, PgConnection};
use uuid::Uuid;

use super::batch_error::BatchError;
use super::batch_write::write_allotted_batch;
use super::book::LockedStock;
use super::decide::decide_batch;
use crate::postgres::codec::{BOOK_COLUMNS, BookRow, int, uint};
use crate::postgres::db_error;

/// An allotment holds about this many batches of the demand that topped it up: enough
/// that the stock row is locked for one batch in this many, few enough that a stopped
/// instance strands little until the next reclaim.
const GRANT_BATCHES: u32 = 8;

/// The least granted at a time, so a quiet drop's single orders do not each top up.
const MIN_GRANT: u32 = 64;

/// One ledger instance's allotment of one drop, as that instance knows it: exact, except
/// that a reclaim may have emptied it since (which the next sale finds out).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Allotment {
    pub(crate) holder: Uuid,
    pub(crate) units: u32,
}

/// How a sale from an allotment went.
pub(super) enum Sale {
    /// Decided and written; one answer per request.
    Sold(Vec<Result<Placement>>),
    /// Nothing written: the allotment is short, or the batch may change more than the
    /// units left. The stock row must decide it.
    Short,
}

/// Units `requests` may take at most.
pub(super) fn demand(requests: &[OrderRequest]) -> u32 {
    requests
        .iter()
        .fold(0, |sum: u32, r| sum.saturating_add(r.qty.get()))
}

/// The latest instant among `requests`.
pub(super) fn latest(requests: &[OrderRequest]) -> Option<DateTime<Utc>> {
    requests.iter().map(|r| r.now).max()
}

/// Whether orders up to `latest` can only take units from `book`'s drop (and be refused
/// for nothing but the instant they came at), while `central` units stay in its stock
/// row: live, inside the window, no per-buyer limit, and the stock row above the low-stock
/// threshold (so the units left cannot cross it or run out).
pub(super) fn sells_plainly(book: &DropBook, central: u32, latest: DateTime<Utc>) -> bool {
    book.drop.status == DropStatus::Live
        && book.drop.window.status_at(latest) == DropStatus::Live
        && book.drop.plan.max_per_user().is_none()
        && central > book.drop.plan.low_stock_threshold()
}

/// Units to allot to the holder of `locked` so it can sell a batch of `demand` units up to
/// `latest`: `Some(0)` when its allotment already can, `None` when the batch must be
/// decided on the stock row. Grants at most half the units above the threshold, so two
/// instances both get some of a small drop before it goes back to the stock row.
pub(super) fn grant_size(locked: &LockedStock, demand: u32, latest: DateTime<Utc>) -> Option<u32> {
    let book = &locked.book;
    let central = book.available;
    if !sells_plainly(book, central, latest) {
        return None;
    }
    if locked.own >= demand {
        return Some(0);
    }
    let headroom = central - book.drop.plan.low_stock_threshold() - 1;
    let units = demand
        .saturating_mul(GRANT_BATCHES)
        .max(MIN_GRANT)
        .min(headroom / 2);
    (locked.own.saturating_add(units) >= demand).then_some(units)
}

/// Moves `units` from the drop's stock row (locked by the caller) to `holder`'s allotment.
pub(super) async fn grant(
    conn: &mut PgConnection,
    drop_id: DropId,
    holder: Uuid,
    units: u32,
) -> Result<()> {
    let granted = sqlx::query(GRANT)
        .bind(drop_id.as_uuid())
        .bind(holder)
        .bind(int(units))
        .execute(conn)
        .await
        .map_err(db_error)?;
    if granted.rows_affected() == 1 {
        Ok(())
    } else {
        Err(Error::internal(
            "postgres",
            format!("the stock row of drop {drop_id} had not the {units} units to allot"),
        ))
    }
}

const GRANT: &str = "\
     WITH central AS (UPDATE drop_stock SET available = available - $3 \
                      WHERE drop_id = $1 AND available >= $3 RETURNING 1) \
     INSERT INTO drop_allotments (drop_id, holder, units) SELECT $1, $2, $3 FROM central \
     ON CONFLICT (drop_id, holder) DO UPDATE SET units = drop_allotments.units + EXCLUDED.units";

/// Sells `requests` (all for one drop) from `allotment`, under its lock, if it can (see
/// [`Sale`]); updates `allotment` to what the database holds.
pub(super) async fn sell(
    conn: &mut PgConnection,
    allotment: &mut Allotment,
    requests: &[OrderRequest],
    check_keys: bool,
) -> std::result::Result<Sale, BatchError> {
    let (Some(first), Some(latest)) = (requests.first(), latest(requests)) else {
        return Ok(Sale::Sold(Vec::new()));
    };
    let row: Option<AllottedRow> = sqlx::query_as(AssertSqlSafe(LOCK_ALLOTMENT.as_str()))
        .bind(first.drop_id.as_uuid())
        .bind(allotment.holder)
        .fetch_optional(&mut *conn)
        .await
        .map_err(BatchError::Db)?;
    let Some(row) = row else {
        allotment.units = 0;
        return Ok(Sale::Short);
    };
    let own = uint("allotted stock", row.own).map_err(BatchError::Core)?;
    let central = uint("available stock", row.central).map_err(BatchError::Core)?;
    allotment.units = own;
    // The book counts every unit left (stock row and allotments), so the events carry the
    // drop's units left as this lane sees them: exact while it is the only seller (one
    // lane, one instance).
    let mut book = row.book.into_book().map_err(BatchError::Core)?;
    if own < demand(requests) || !sells_plainly(&book, central, latest) {
        return Ok(Sale::Short);
    }
    let (answers, decided) = decide_batch(conn, &mut book, requests, check_keys).await?;
    // What `sells_plainly` rules out, checked on what was decided: a last guard, since
    // anything else must be written to the stock row.
    let plain = decided.audit.is_empty()
        && decided
            .events
            .iter()
            .all(|e| matches!(e.data, EventData::OrderConfirmed { .. }));
    if !plain {
        return Ok(Sale::Short);
    }
    if !decided.is_empty() {
        write_allotted_batch(
            conn,
            first.drop_id,
            allotment.holder,
            decided.taken,
            book.updated_at,
            &decided.orders,
            &decided.events,
        )
        .await?;
        allotment.units = own - decided.taken;
    }
    Ok(Sale::Sold(answers))
}

#[derive(sqlx::FromRow)]
struct AllottedRow {
    #[sqlx(flatten)]
    book: BookRow,
    central: i32,
    own: i32,
}

/// Locks the holder's allotment of a drop and reads the drop as readers see it, with the
/// stock row's units and the allotment's apart. Only the allotment row is locked: the
/// stock row may move meanwhile, but only by allotting (units go from it to another
/// allotment, the drop's units left stay) or by a reclaim, which empties this allotment
/// first and so makes this sale [`Sale::Short`].
static LOCK_ALLOTMENT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {BOOK_COLUMNS}, s.available AS central, own.units AS own \
         FROM drop_allotments own JOIN drops d ON d.id = own.drop_id \
         JOIN drop_stock s ON s.drop_id = own.drop_id \
         WHERE own.drop_id = $1 AND own.holder = $2 FOR UPDATE OF own"
    )
});

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use livedrop_core::domain::{Drop, DropWindow, StockPlan};
    use livedrop_core::ids::{CreatorId, ProductId};

    fn book(stock: u32, threshold: u32, limit: Option<u32>) -> (DropBook, DateTime<Utc>) {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let drop = Drop {
            id: DropId::new(),
            product_id: ProductId::new(),
            creator_id: CreatorId::new(),
            window: DropWindow::new(now - Duration::hours(1), now + Duration::hours(1)).unwrap(),
            plan: StockPlan::new(i64::from(stock), i64::from(threshold), limit.map(i64::from))
                .unwrap(),
            status: DropStatus::Live,
            created_at: now - Duration::hours(2),
        };
        (DropBook::new(drop), now)
    }

    fn locked(book: DropBook, own: u32) -> LockedStock {
        LockedStock {
            book,
            allotted: own,
            own,
        }
    }

    #[test]
    fn a_live_drop_without_a_limit_sells_plainly_above_its_threshold() {
        let (book, now) = book(1_000, 100, None);
        assert!(sells_plainly(&book, 101, now));
        assert!(!sells_plainly(&book, 100, now), "at the threshold");
        let later = now + Duration::hours(2);
        assert!(!sells_plainly(&book, 1_000, later), "after the window");
        let (limited, now) = self::book(1_000, 100, Some(2));
        assert!(!sells_plainly(&limited, 1_000, now), "a per-buyer limit");
        let (mut sold_out, now) = self::book(1_000, 0, None);
        sold_out.drop.status = DropStatus::SoldOut;
        assert!(!sells_plainly(&sold_out, 1_000, now));
    }

    #[test]
    fn a_grant_covers_several_batches_and_at_most_half_the_headroom() {
        let (big, now) = book(1_000_000, 0, None);
        assert_eq!(grant_size(&locked(big.clone(), 0), 100, now), Some(800));
        assert_eq!(grant_size(&locked(big.clone(), 0), 1, now), Some(MIN_GRANT));
        assert_eq!(grant_size(&locked(big, 150), 100, now), Some(0));
        // 1,000 units, threshold 100: 899 above it, at most 449 of them.
        let (small, now) = book(1_000, 100, None);
        assert_eq!(grant_size(&locked(small, 0), 100, now), Some(449));
    }

    #[test]
    fn the_last_units_go_to_the_stock_row() {
        let (mut book, now) = book(1_000, 100, None);
        book.available = 150;
        // 49 above the threshold: 24 grantable, short of a batch of 30.
        assert_eq!(grant_size(&locked(book.clone(), 0), 30, now), None);
        assert_eq!(grant_size(&locked(book, 10), 30, now), Some(24));
    }
}
