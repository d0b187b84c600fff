//! The drops' books: one lock per drop, plus the status and due-time indexes.

use std::{
    collections::BTreeSet,
    sync::{Arc, Mutex},
};

use super::FastMap;
use chrono::{DateTime, Utc};
use livedrop_core::domain::{DropBook, DropStatus, Event};
use livedrop_core::ids::{DropId, UserId};
use livedrop_core::pagination::{Page, PageRequest};

use super::FastHashMap;
use super::keyset::{self, Position};
use super::order_record::OrderRecord;

/// Orders a new drop's cell makes room for up front (one per unit, at most this many).
const PRESIZE_CAP: usize = 1 << 14;
use super::sync::lock;

/// The lock around a drop's cell: a `parking_lot` mutex, because the section is well under
/// a microsecond and adaptive spinning hands it between two cores far cheaper than parking
/// on a futex.
pub(crate) type CellLock = parking_lot::Mutex<DropCell>;

/// Everything the ledger changes atomically for one drop. Its lock IS the atomic unit:
/// orders of one drop serialize on it, orders of different drops never share it.
#[derive(Debug)]
pub(crate) struct DropCell {
    pub(crate) book: DropBook,
    /// Units each buyer holds in confirmed orders (for `maxPerUser`).
    pub(crate) held: FastHashMap<UserId, u32>,
    /// Every order ever placed on this drop, in placement order (an order's position never
    /// changes: the indexes point at it). Kept in the cell so that stock and orders change
    /// under the same lock: the invariant holds at every instant, not just between calls.
    pub(crate) orders: Vec<OrderRecord>,
    /// Scratch buffer for the events of one change, kept to reuse its allocation.
    pub(crate) events: Vec<Event>,
}

/// Where a book sits in the indexes; compared before and after a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IndexSlot {
    status: DropStatus,
    start: i64,
    due: Option<i64>,
}

impl IndexSlot {
    pub(crate) fn status(&self) -> DropStatus {
        self.status
    }

    pub(crate) fn of(book: &DropBook) -> Self {
        Self {
            status: book.drop.status,
            start: book.drop.window.start_at().timestamp_micros(),
            due: book.next_due().map(|t| t.timestamp_micros()),
        }
    }
}

#[derive(Debug, Default)]
struct Indexes {
    by_status: FastHashMap<DropStatus, BTreeSet<Position>>,
    due: BTreeSet<Position>,
}

/// All drops' cells and indexes.
#[derive(Debug, Default)]
pub(crate) struct Books {
    cells: FastMap<DropId, Arc<CellLock>>,
    indexes: Mutex<Indexes>,
}

impl Books {
    /// Adds a new drop's book. `announce` runs (to queue `drop.created` and its audit entry)
    /// while the id's slot is still held and before the drop is indexed, so no transition
    /// of the drop can be announced ahead of its creation. Returns false if the id exists.
    pub(crate) fn insert(&self, book: DropBook, announce: impl FnOnce()) -> bool {
        let id = book.drop.id;
        let placement = IndexSlot::of(&book);
        // Sized for a limited drop selling out, up to a cap, so the first sale's orders do
        // not pay for regrowing (and rehashing) the tables under the drop's lock.
        let expected = usize::try_from(book.drop.plan.initial_stock())
            .unwrap_or(usize::MAX)
            .min(PRESIZE_CAP);
        let cell = DropCell {
            book,
            held: FastHashMap::with_capacity_and_hasher(expected.min(4096), Default::default()),
            orders: Vec::with_capacity(expected),
            events: Vec::new(),
        };
        match self.cells.entry(id) {
            dashmap::Entry::Occupied(_) => false,
            dashmap::Entry::Vacant(slot) => {
                announce();
                slot.insert(Arc::new(CellLock::new(cell)));
                self.place(id, None, Some(placement));
                true
            }
        }
    }

    pub(crate) fn cell(&self, id: DropId) -> Option<Arc<CellLock>> {
        self.cells.get(&id).map(|c| Arc::clone(&c))
    }

    /// Re-files a book after a change; call while still holding its cell lock so index
    /// updates of one drop happen in the order of its changes.
    pub(crate) fn refile(&self, before: IndexSlot, book: &DropBook) {
        let after = IndexSlot::of(book);
        if before != after {
            self.place(book.drop.id, Some(before), Some(after));
        }
    }

    /// Ids of drops with a transition due at or before `now`.
    pub(crate) fn due(&self, now: DateTime<Utc>, limit: usize) -> Vec<DropId> {
        let now = now.timestamp_micros();
        let indexes = lock(&self.indexes);
        indexes
            .due
            .range(..=(now, uuid::Uuid::max()))
            .take(limit)
            .map(|&(_, id)| DropId::from_uuid(id))
            .collect()
    }

    /// The earliest instant a drop's transition falls due.
    pub(crate) fn next_due(&self) -> Option<DateTime<Utc>> {
        let indexes = lock(&self.indexes);
        let &(micros, _) = indexes.due.first()?;
        DateTime::from_timestamp_micros(micros)
    }

    /// A page of drops in `status` by `(start_at, id)`.
    pub(crate) fn page_by_status(&self, status: DropStatus, page: PageRequest) -> Page<Position> {
        let indexes = lock(&self.indexes);
        match indexes.by_status.get(&status) {
            Some(index) => keyset::oldest_first(index, page),
            None => Page {
                items: Vec::new(),
                next_cursor: None,
            },
        }
    }

    fn place(&self, id: DropId, before: Option<IndexSlot>, after: Option<IndexSlot>) {
        let id = id.as_uuid();
        let mut indexes = lock(&self.indexes);
        if let Some(old) = before {
            if let Some(set) = indexes.by_status.get_mut(&old.status) {
                set.remove(&(old.start, id));
            }
            if let Some(due) = old.due {
                indexes.due.remove(&(due, id));
            }
        }
        if let Some(new) = after {
            indexes
                .by_status
                .entry(new.status)
                .or_default()
                .insert((new.start, id));
            if let Some(due) = new.due {
                indexes.due.insert((due, id));
            }
        }
    }
}
