//! A fresh PostgreSQL schema per test.

use livedrop_adapters::memory::{MemoryBackend, MemoryConfig};
use livedrop_adapters::postgres::{LedgerMode, PgBackend, PgConfig};
use livedrop_core::ports::{IdempotencyPolicy, Ports};
use sqlx::Connection;

const URL_VARIABLE: &str = "LIVEDROP_TEST_DATABASE_URL";

/// The database URL: the variable, else a container (feature `containers`), else `None`
/// with the reason.
pub async fn database_url() -> Result<String, String> {
    if let Ok(url) = std::env::var(URL_VARIABLE) {
        return Ok(url);
    }
    #[cfg(feature = "containers")]
    {
        return container::url().await;
    }
    #[allow(unreachable_code)]
    Err(format!(
        "{URL_VARIABLE} is not set (or build with --features containers and run Docker)"
    ))
}

/// A backend on a schema of its own (so tests never see each other's rows), migrated,
/// with the testkit's short idempotency lifetimes. `None` (after saying why) when no
/// database is configured.
pub async fn backend(ledger: LedgerMode) -> Option<PgBackend> {
    let url = match database_url().await {
        Ok(url) => url,
        Err(why) => {
            super::missing("PostgreSQL", &why);
            return None;
        }
    };
    Some(backend_at(url, ledger).await)
}

/// A backend reached at `url` (the test database's, perhaps with connection parameters
/// added), on a schema of its own, migrated.
pub async fn backend_at(url: String, ledger: LedgerMode) -> PgBackend {
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut admin)
        .await
        .expect("create the test's schema");
    let mut config = PgConfig::new(url);
    config.schema = Some(schema);
    config.max_connections = 8;
    config.ledger = ledger;
    config.idempotency = IdempotencyPolicy::for_tests();
    PgBackend::connect(config)
        .await
        .expect("connect and migrate")
}

/// The in-memory ports Postgres's overlay replaces its own in (cache, rate limiter, bus
/// and media stay these), with test-length idempotency lifetimes.
pub fn base() -> Ports {
    MemoryBackend::new(MemoryConfig {
        idempotency: IdempotencyPolicy::for_tests(),
        ..MemoryConfig::default()
    })
    .ports()
}

/// The ports of a fresh batched-ledger backend, for the conformance suite.
pub async fn batched_ports() -> Option<Ports> {
    Some(backend(LedgerMode::default()).await?.ports(base()))
}

/// The ports of a fresh one-transaction-per-order backend.
pub async fn per_order_ports() -> Option<Ports> {
    Some(backend(LedgerMode::PerOrder).await?.ports(base()))
}

#[cfg(feature = "containers")]
mod container {
    use testcontainers::ContainerAsync;
    use testcontainers_modules::postgres::Postgres;
    use tokio::sync::OnceCell;

    static CONTAINER: OnceCell<Result<(ContainerAsync<Postgres>, String), String>> =
        OnceCell::const_new();

    pub(super) async fn url() -> Result<String, String> {
        super::super::container_url(&CONTAINER, Postgres::default, 5432, |port| {
            format!("postgres://postgres:postgres@127.0.0.1:{port}/postgres")
        })
        .await
    }
}
