//! Settings of the PostgreSQL backend.

use std::time::Duration;

use crate::memory::MemoryConfig;

/// How the ledger writes orders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LedgerMode {
    /// One transaction per order.
    PerOrder,
    /// Concurrent orders for one drop are gathered (for at most `max_wait`, or up to
    /// `max_orders`) and applied in one transaction with one stock update; each order still
    /// gets its own answer.
    Batched {
        /// Most orders in one transaction.
        max_orders: usize,
        /// Longest an order waits for company.
        max_wait: Duration,
    },
}

impl Default for LedgerMode {
    fn default() -> Self {
        Self::Batched {
            max_orders: 256,
            max_wait: Duration::from_millis(2),
        }
    }
}

/// Settings of [`PgBackend`](super::PgBackend).
#[derive(Clone, Debug)]
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
    /// Do not apply the embedded migrations at start-up.
    pub skip_migrations: bool,
    /// How the ledger writes orders.
    pub ledger: LedgerMode,
    /// Settings of the in-memory ports used beside Postgres.
    pub memory: MemoryConfig,
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
            skip_migrations: false,
            ledger: LedgerMode::default(),
            memory: MemoryConfig::default(),
        }
    }
}
