//! In-memory audit trail: append-only vectors per target.

use super::FastMap;
use async_trait::async_trait;
use livedrop_core::Result;
use livedrop_core::domain::{AuditEntry, AuditTarget};
use livedrop_core::pagination::{Page, PageRequest};
use livedrop_core::ports::AuditLog;

/// Audit entries by target, in append order. There is no way to change or remove one.
#[derive(Debug, Default)]
pub struct MemoryAuditLog {
    by_target: FastMap<AuditTarget, Vec<AuditEntry>>,
}

impl MemoryAuditLog {
    /// Appends inside a caller's critical section (ledger, catalog, follows).
    pub(crate) fn record(&self, entry: AuditEntry) {
        // Most targets (orders) get one entry or two: `vec![entry]` allocates exactly one
        // slot where `or_default().push` would reserve four.
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
        let Some(entries) = self.by_target.get(&target) else {
            return Ok(Page {
                items: Vec::new(),
                next_cursor: None,
            });
        };
        let position = |e: &AuditEntry| (e.at.timestamp_micros(), e.id.as_uuid());
        let mut sorted: Vec<&AuditEntry> = entries
            .iter()
            .filter(|e| page.cursor.is_none_or(|c| position(e) < (c.key, c.id)))
            .collect();
        sorted.sort_by_key(|e| std::cmp::Reverse(position(e)));
        sorted.truncate(page.limit.get() + 1);
        let items = sorted.into_iter().cloned().collect();
        Ok(Page::from_overfetch(items, page.limit, |e| {
            livedrop_core::pagination::Cursor::after(e.at, e.id)
        }))
    }
}
