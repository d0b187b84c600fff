//! The audit log port.

use std::fmt::Debug;

use async_trait::async_trait;

use crate::Result;
use crate::domain::{AuditEntry, AuditTarget};
use crate::pagination::{Page, PageRequest};

/// The append-only audit trail.
///
/// # Contract
/// - Entries are only ever appended: the port has no update or delete, and durable backends
///   MUST reject them at the storage level too.
/// - The ledger, catalog and follow store append their own entries inside their atomic
///   units; [`append`](AuditLog::append) is for everything else (logins, admin actions).
/// - [`entries_for`](AuditLog::entries_for) lists a target's entries newest first by
///   `(at, id)`, keyset-paginated.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AuditLog: Send + Sync + Debug + 'static {
    /// Appends one entry.
    async fn append(&self, entry: &AuditEntry) -> Result<()>;
    /// A target's entries, newest first.
    async fn entries_for(&self, target: AuditTarget, page: PageRequest)
    -> Result<Page<AuditEntry>>;
}
