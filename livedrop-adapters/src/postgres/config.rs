//! Settings of the PostgreSQL backend.

use std::time::Duration;

use crate::memory::MemoryConfig;

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
    },
}

impl Default for LedgerMode {
    fn default() -> Self {
        Self::Batched { max_orders: 1024 }
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
