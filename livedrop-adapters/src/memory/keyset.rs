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

/// [`newest_first`] over a sorted slice.
pub(crate) fn newest_first_sorted(index: &[Position], page: PageRequest) -> Page<Position> {
    let end = match page.cursor {
        Some(c) => index.partition_point(|p| *p < (c.key, c.id)),
        None => index.len(),
    };
    let take = page.limit.get() + 1;
    let items = index[..end].iter().rev().take(take).copied().collect();
    Page::from_overfetch(items, page.limit, cursor_of)
}

/// Inserts into a sorted, duplicate-free vector. Positions mostly arrive in order (ids
/// and times grow), so this is usually a push: cheaper than a tree node per buyer.
pub(crate) fn insert_sorted(index: &mut Vec<Position>, position: Position) {
    match index.last() {
        Some(last) if *last >= position => {
            if let Err(at) = index.binary_search(&position) {
                index.insert(at, position);
            }
        }
        _ => index.push(position),
    }
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

#[cfg(test)]
mod tests {
    use livedrop_core::pagination::Limit;

    use super::*;

    #[test]
    fn sorted_vectors_page_like_trees_whatever_the_insert_order() {
        let ids: Vec<Position> = (0..7)
            .map(|i| (i / 2, Uuid::from_u128(i as u128)))
            .collect();
        let mut vector = Vec::new();
        let mut tree = BTreeSet::new();
        for &at in &[3, 0, 6, 1, 5, 2, 4, 3] {
            insert_sorted(&mut vector, ids[at]);
            tree.insert(ids[at]);
        }
        assert_eq!(
            vector,
            tree.iter().copied().collect::<Vec<_>>(),
            "sorted, no duplicates"
        );
        let mut cursor = None;
        loop {
            let page = PageRequest {
                cursor,
                limit: Limit::try_from(3).unwrap(),
            };
            let (from_vector, from_tree) = (
                newest_first_sorted(&vector, page),
                newest_first(&tree, page),
            );
            assert_eq!(from_vector.items, from_tree.items);
            assert_eq!(from_vector.next_cursor, from_tree.next_cursor);
            match from_tree.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
    }
}
