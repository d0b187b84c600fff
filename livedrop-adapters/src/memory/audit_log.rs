//! In-memory audit trail: append-only vectors per target, plus the orders' own trails.

use std::sync::Arc;

use super::FastMap;
use super::books::Books;
use super::order_index::OrderIndexes;
use async_trait::async_trait;
use livedrop_core::Result;
use livedrop_core::domain::{AuditEntry, AuditTarget};
use livedrop_core::pagination::{Page, PageRequest};
use livedrop_core::ports::AuditLog;

/// Audit entries by target, in append order. There is no way to change or remove one.
///
/// The ledger's own order entries live with the orders in their drops' cells (see
/// `OrderRecord`) and are read from there.
#[derive(Debug, Default)]
pub struct MemoryAuditLog {
    by_target: FastMap<AuditTarget, Vec<AuditEntry>>,
    orders: Option<(Arc<Books>, Arc<OrderIndexes>)>,
}

impl MemoryAuditLog {
    /// An audit log that also reads the ledger's order trails.
    pub(crate) fn with_orders(books: Arc<Books>, orders: Arc<OrderIndexes>) -> Self {
        Self {
            by_target: FastMap::default(),
            orders: Some((books, orders)),
        }
    }

    /// Every entry about `target`, in no particular order.
    fn entries(&self, target: AuditTarget) -> Vec<AuditEntry> {
        let mut entries = match (&self.orders, target) {
            (Some((books, orders)), AuditTarget::Order(id)) => orders
                .read(books, id, |record| record.audit_trail())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        if let Some(appended) = self.by_target.get(&target) {
            entries.extend(appended.iter().cloned());
        }
        entries
    }

    /// Appends inside a caller's critical section (ledger, catalog, follows).
    pub(crate) fn record(&self, entry: AuditEntry) {
        // Most targets get one entry or two: `vec![entry]` allocates exactly one slot where
        // `or_default().push` would reserve four.
        match self.by_target.entry(entry.target) {
            dashmap::Entry::Occupied(mut entries) => entries.get_mut().push(entry),
            dashmap::Entry::Vacant(slot) => {
                slot.insert(vec![entry]);
            }
        }
    }
}

#[async_trait]
impl AuditLog for MemoryAuditLog {
    async fn append(&self, entry: &AuditEntry) -> Result<()> {
        self.record(entry.clone());
        Ok(())
    }

    async fn entries_for(
        &self,
        target: AuditTarget,
        page: PageRequest,
    ) -> Result<Page<AuditEntry>> {
        let position = |e: &AuditEntry| (e.at.timestamp_micros(), e.id.as_uuid());
        let mut items: Vec<AuditEntry> = self
            .entries(target)
            .into_iter()
            .filter(|e| page.cursor.is_none_or(|c| position(e) < (c.key, c.id)))
            .collect();
        items.sort_by_key(|e| std::cmp::Reverse(position(e)));
        items.truncate(page.limit.get() + 1);
        Ok(Page::from_overfetch(items, page.limit, |e| {
            livedrop_core::pagination::Cursor::after(e.at, e.id)
        }))
    }
}
