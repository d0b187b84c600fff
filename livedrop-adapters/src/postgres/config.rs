//! Settings of the PostgreSQL backend.

use std::time::Duration;

use crate::redacted_url::redacted;
use livedrop_core::ports::IdempotencyPolicy;

/// The default of [`PgConfig::retry_every`].
pub(crate) const RETRY_EVERY: Duration = Duration::from_secs(1);

/// How the ledger writes orders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LedgerMode {
    /// One transaction per order.
    PerOrder,
    /// Group commit: concurrent orders for one drop are gathered while the drop's previous
    /// batch commits (so for at most one transaction's time, a few ms; a quiet drop's order
    /// goes at once) and applied, up to `max_orders` at a time, in one transaction with one
    /// stock update. Each order still gets its own answer.
    Batched {
        /// Most orders in one transaction.
        max_orders: usize,
        /// Batches of one drop in flight at once. Each lane gathers and commits batches of
        /// its own, selling from an allotment of its own as a second server instance would
        /// (a buyer's orders always take the same lane). With one lane a drop's next batch
        /// waits for the previous commit, so a hot drop is bound by one transaction at a
        /// time (on the bench, 29,400 orders/s with one lane and 46,300 with two: see
        /// BENCHMARKS.md). Each lane holds a connection while its drop is busy.
        lanes: usize,
    },
}

impl LedgerMode {
    /// This mode with `lanes` lanes when it batches (one transaction per order has none).
    #[must_use]
    pub fn with_lanes(self, lanes: usize) -> Self {
        match self {
            Self::Batched { max_orders, .. } => Self::Batched { max_orders, lanes },
            Self::PerOrder => Self::PerOrder,
        }
    }
}

impl Default for LedgerMode {
    fn default() -> Self {
        Self::Batched {
            max_orders: 1024,
            lanes: 2,
        }
    }
}

/// Settings of [`PgBackend`](super::PgBackend). Its `Debug` hides the URLs' passwords.
#[derive(Clone)]
pub struct PgConfig {
    /// Primary database URL.
    pub url: String,
    /// Optional read replica for browse and read paths.
    pub read_url: Option<String>,
    /// Schema to use (`search_path`); the tests give each case its own.
    pub schema: Option<String>,
    /// Pool size per pool.
    pub max_connections: u32,
    /// Longest wait for a connection before failing with `Unavailable`.
    pub acquire_timeout: Duration,
    /// Longest a statement may run before the server cancels it.
    pub statement_timeout: Duration,
    /// While the database is gone (every port's calls refused at once with
    /// `Unavailable`), how often a probe in the background tries it.
    pub retry_every: Duration,
    /// Do not apply the embedded migrations at start-up.
    pub skip_migrations: bool,
    /// How the ledger writes orders.
    pub ledger: LedgerMode,
    /// Lifetimes of the idempotency records the database keeps as the fallback.
    pub idempotency: IdempotencyPolicy,
}

impl PgConfig {
    /// Defaults for a database at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            read_url: None,
            schema: None,
            max_connections: 16,
            acquire_timeout: Duration::from_secs(3),
            statement_timeout: Duration::from_secs(5),
            retry_every: RETRY_EVERY,
            skip_migrations: false,
            ledger: LedgerMode::default(),
            idempotency: IdempotencyPolicy::default(),
        }
    }
}

impl std::fmt::Debug for PgConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgConfig")
            .field("url", &redacted(&self.url))
            .field("read_url", &self.read_url.as_deref().map(redacted))
            .field("schema", &self.schema)
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("statement_timeout", &self.statement_timeout)
            .field("retry_every", &self.retry_every)
            .field("skip_migrations", &self.skip_migrations)
            .field("ledger", &self.ledger)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_a_password() {
        let mut config = PgConfig::new("postgres://app:s3cret@db:5432/live");
        config.read_url = Some("postgres://ro:hunter2@replica/live".to_owned());
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("s3cret") && !shown.contains("hunter2"),
            "{shown}"
        );
        assert!(shown.contains("postgres://app:***@db:5432/live"), "{shown}");
    }
}
