//! Keyset pages over ordered `(sort key, id)` indexes.

use std::{collections::BTreeSet, ops::Bound};

use livedrop_core::pagination::{Cursor, Page, PageRequest};
use uuid::Uuid;

/// An index entry: sort key (microseconds) and id.
pub(crate) type Position = (i64, Uuid);

fn cursor_of(position: &Position) -> Cursor {
    Cursor {
        key: position.0,
        id: position.1,
    }
}

/// Newest first: positions strictly before the cursor, descending.
pub(crate) fn newest_first(index: &BTreeSet<Position>, page: PageRequest) -> Page<Position> {
    let take = page.limit.get() + 1;
    let items: Vec<Position> = match page.cursor {
        Some(c) => index
            .range(..(c.key, c.id))
            .rev()
            .take(take)
            .copied()
            .collect(),
        None => index.iter().rev().take(take).copied().collect(),
    };
    Page::from_overfetch(items, page.limit, cursor_of)
}

/// Oldest first: positions strictly after the cursor, ascending.
pub(crate) fn oldest_first(index: &BTreeSet<Position>, page: PageRequest) -> Page<Position> {
    let take = page.limit.get() + 1;
    let items: Vec<Position> = match page.cursor {
        Some(c) => index
            .range((Bound::Excluded((c.key, c.id)), Bound::Unbounded))
            .take(take)
            .copied()
            .collect(),
        None => index.iter().take(take).copied().collect(),
    };
    Page::from_overfetch(items, page.limit, cursor_of)
}
