//! The PostgreSQL backend: the durable home of the ledger, catalog, follows, audit log,
//! outbox, idempotency fallback and notification storage.
//!
//! # Layout
//! - [`PgConfig`] / [`PgBackend`]: pools (primary, optional read replica), timeouts,
//!   embedded migrations applied at start-up.
//! - `error`: sqlx errors to the core's typed errors (a lost database is a fast,
//!   retryable `Unavailable`, never a hang).
//! - `codec`: row values to domain values and back, and the microsecond rule for instants.
//! - `writes`: the outbox and audit appends every writer makes inside its own transaction.
//! - `keyset`: cursor positions and overfetched pages for every list query.
//! - One file per port: `ledger/` (the atomic unit, group commit, scheduler and cancel),
//!   `catalog` (+ `catalog_drops`, `catalog_rows`), `credentials`, `follows`, `audit_log`,
//!   `outbox`, `idempotency` (concurrent begins of one key coalesced by the crate's
//!   `single_flight`),
//!   `notifier` (+ `inbox_sql`, the inbox merge and its bounds).
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
mod idempotency;
mod inbox_sql;
mod keyset;
mod ledger;
mod notifier;
mod outbox;
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

use livedrop_core::Result;
use livedrop_core::ports::Ports;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

pub(crate) use error::db_error;

/// The schema migrations, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Connected pools and the ports built on them.
#[derive(Clone, Debug)]
pub struct PgBackend {
    primary: PgPool,
    /// Browse and read paths; the primary when no replica is configured.
    reads: PgPool,
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
        Ok(Self {
            primary,
            reads,
            config: Arc::new(config),
        })
    }

    /// The primary pool (writes and authoritative reads).
    pub fn pool(&self) -> &PgPool {
        &self.primary
    }

    /// `base` with the ports Postgres owns replaced by Postgres's: the ledger, catalog,
    /// credentials, follows, idempotency fallback, outbox, notifier and audit log.
    pub fn ports(&self, base: Ports) -> Ports {
        Ports {
            ledger: Arc::new(PgLedger::new(
                self.primary.clone(),
                self.reads.clone(),
                self.config.ledger,
            )),
            catalog: Arc::new(PgCatalog::new(self.primary.clone(), self.reads.clone())),
            credentials: Arc::new(PgCredentials::new(self.primary.clone())),
            follows: Arc::new(PgFollowStore::new(self.primary.clone(), self.reads.clone())),
            idempotency: Arc::new(PgIdempotencyStore::new(
                self.primary.clone(),
                self.config.idempotency,
            )),
            outbox: Arc::new(PgOutbox::new(self.primary.clone())),
            notifier: Arc::new(PgNotifier::new(self.primary.clone(), self.reads.clone())),
            audit: Arc::new(PgAuditLog::new(self.primary.clone(), self.reads.clone())),
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
