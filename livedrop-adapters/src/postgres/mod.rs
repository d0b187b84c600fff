//! The PostgreSQL backend: the durable home of the ledger, catalog, follows, audit log,
//! outbox, idempotency fallback and notification storage.
//!
//! # Layout
//! - [`PgConfig`] / [`PgBackend`]: pools (primary, optional read replica), timeouts,
//!   embedded migrations applied at start-up.
//! - `error`: sqlx errors to the core's typed errors (a lost database is a fast,
//!   retryable `Unavailable`, never a hang).
//! - `guarded_pool`: the pools the ports take connections from, behind one circuit breaker
//!   per backend, so an outage is answered at once instead of after the acquire timeout.
//! - `codec`: row values to domain values and back, and the microsecond rule for instants.
//! - `writes`: the outbox and audit appends every writer makes inside its own transaction.
//! - `keyset`: cursor positions and overfetched pages for every list query.
//! - One file per port: `ledger/` (the atomic unit, group commit, scheduler and cancel),
//!   `catalog` (+ `catalog_drops`, `catalog_rows`), `credentials`, `follows`, `audit_log`,
//!   `outbox` (+ `outbox_vacuum`, the relay vacuuming what it deleted), `idempotency`
//!   (concurrent begins of one key coalesced by the crate's `single_flight`), `notifier`
//!   (+ `inbox_sql`, the inbox merge and its bounds).
//!
//! [`PgBackend::ports`] overlays a base set of ports (the in-memory backend's, in the
//! server) with the ones Postgres owns; the rest (cache, rate limiter, media, event bus)
//! stay the base's until the Redis, Kafka and media overlays replace them.

mod audit_log;
mod catalog;
mod catalog_drops;
mod catalog_rows;
mod codec;
mod config;
mod credentials;
mod error;
mod follows;
mod guarded_pool;
mod idempotency;
mod inbox_sql;
mod keyset;
mod ledger;
mod notifier;
mod outbox;
mod outbox_vacuum;
mod writes;

pub use audit_log::PgAuditLog;
pub use catalog::PgCatalog;
pub use config::{LedgerMode, PgConfig};
pub use credentials::PgCredentials;
pub use follows::PgFollowStore;
pub use idempotency::PgIdempotencyStore;
pub use ledger::PgLedger;
pub use notifier::PgNotifier;
pub use outbox::PgOutbox;

use std::sync::Arc;

use crate::circuit::Circuit;
use livedrop_core::Result;
use livedrop_core::ports::Ports;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

pub(crate) use error::db_error;
pub(crate) use guarded_pool::GuardedPool;

/// The schema migrations, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Connected pools and the ports built on them.
#[derive(Clone, Debug)]
pub struct PgBackend {
    primary: PgPool,
    /// Browse and read paths; the primary when no replica is configured.
    reads: PgPool,
    /// Open while the primary is gone: calls on it are refused at once.
    circuit: Arc<Circuit>,
    /// The read pool's: the primary's without a replica; a replica's own, so a lost
    /// replica does not refuse writes (nor a lost primary the replica's reads).
    reads_circuit: Arc<Circuit>,
    config: Arc<PgConfig>,
}

impl PgBackend {
    /// Connects, and applies the migrations unless `config.skip_migrations`.
    ///
    /// # Errors
    /// [`Error::Unavailable`](livedrop_core::Error::Unavailable) when the database does not
    /// answer within `config.acquire_timeout`; `Internal` for a bad URL or a failed
    /// migration.
    pub async fn connect(config: PgConfig) -> Result<Self> {
        let primary = pool(&config, &config.url).await?;
        if !config.skip_migrations {
            MIGRATOR
                .run(&primary)
                .await
                .map_err(|e| livedrop_core::Error::internal("postgres", e))?;
        }
        let reads = match &config.read_url {
            Some(url) => pool(&config, url).await?,
            None => primary.clone(),
        };
        let circuit = Arc::new(postgres_circuit(config.retry_every));
        let reads_circuit = match &config.read_url {
            Some(_) => Arc::new(postgres_circuit(config.retry_every)),
            None => circuit.clone(),
        };
        Ok(Self {
            primary,
            reads,
            circuit,
            reads_circuit,
            config: Arc::new(config),
        })
    }

    /// The primary pool (writes and authoritative reads).
    pub fn pool(&self) -> &PgPool {
        &self.primary
    }

    /// Whether the primary answered the last call that reached it (false while the ports
    /// refuse calls on it at once).
    pub fn is_up(&self) -> bool {
        self.circuit.is_up()
    }

    /// `base` with the ports Postgres owns replaced by Postgres's: the ledger, catalog,
    /// credentials, follows, idempotency fallback, outbox, notifier and audit log.
    ///
    /// The ports that serve requests share the backend's circuit breaker; the outbox does
    /// not (its one caller, the relay, retries with its own backoff and answers no one).
    pub fn ports(&self, base: Ports) -> Ports {
        let primary = GuardedPool::new(self.primary.clone(), self.circuit.clone());
        let reads = GuardedPool::new(self.reads.clone(), self.reads_circuit.clone());
        Ports {
            ledger: Arc::new(PgLedger::new(
                primary.clone(),
                reads.clone(),
                self.config.ledger,
            )),
            catalog: Arc::new(PgCatalog::new(primary.clone(), reads.clone())),
            credentials: Arc::new(PgCredentials::new(primary.clone())),
            follows: Arc::new(PgFollowStore::new(primary.clone(), reads.clone())),
            idempotency: Arc::new(PgIdempotencyStore::guarded(
                primary.clone(),
                self.config.idempotency,
            )),
            outbox: Arc::new(PgOutbox::new(self.primary.clone())),
            notifier: Arc::new(PgNotifier::new(primary.clone(), reads.clone())),
            audit: Arc::new(PgAuditLog::new(primary, reads)),
            ..base
        }
    }

    /// Waits until the primary answers a query (readiness probes).
    ///
    /// # Errors
    /// `Unavailable` when it does not.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.primary)
            .await
            .map_err(db_error)?;
        Ok(())
    }
}

/// The breaker of one backend's pools.
pub(crate) fn postgres_circuit(retry_every: std::time::Duration) -> Circuit {
    Circuit::new(
        "postgres",
        "refusing requests until a probe connects",
        retry_every,
    )
}

async fn pool(config: &PgConfig, url: &str) -> Result<PgPool> {
    let mut options: PgConnectOptions = url
        .parse()
        .map_err(|e| livedrop_core::Error::internal("postgres", e))?;
    let statement_timeout = format!("{}ms", config.statement_timeout.as_millis());
    let mut params = vec![("statement_timeout", statement_timeout)];
    if let Some(schema) = &config.schema {
        params.push(("search_path", schema.clone()));
    }
    options = options.options(params);
    PgPoolOptions::new()
        .max_connections(config.max_connections)
        .acquire_timeout(config.acquire_timeout)
        .connect_with(options)
        .await
        .map_err(db_error)
}
