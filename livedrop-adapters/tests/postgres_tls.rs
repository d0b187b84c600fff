//! TLS to PostgreSQL, as managed databases require it: the URL's `sslmode` (and
//! `sslrootcert`) choose it, and the whole backend (pool, migrations, ledger) runs over it.
//! Against a cluster of the test's own serving TLS with a certificate the test support
//! made for 127.0.0.1.
#![cfg(feature = "postgres")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use livedrop_adapters::postgres::{LedgerMode, PgBackend, PgConfig};
use support::postgres_tls_server::PgTlsServer;

/// Whether the pool's sessions are encrypted, as the server sees them.
async fn encrypted(backend: &PgBackend) -> bool {
    sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(backend.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn verify_full_with_the_servers_authority_runs_the_backend_over_tls() {
    let Some(server) = PgTlsServer::start() else {
        return;
    };
    let ca = server.ca();
    let url = server.url(&format!("sslmode=verify-full&sslrootcert={}", ca.display()));
    let backend = support::postgres::backend_at(url, LedgerMode::default()).await;
    assert!(encrypted(&backend).await, "the session is encrypted");
    backend.ping().await.unwrap();

    let plain =
        support::postgres::backend_at(server.url("sslmode=disable"), LedgerMode::default()).await;
    assert!(
        !encrypted(&plain).await,
        "the same server, in plain text when asked"
    );
}

#[tokio::test]
async fn a_server_whose_certificate_does_not_chain_to_the_root_is_refused() {
    let Some(server) = PgTlsServer::start() else {
        return;
    };
    // The Mozilla roots built in (no sslrootcert): the test's authority is not among them.
    for params in ["sslmode=verify-full", "sslmode=verify-ca"] {
        let mut config = PgConfig::new(server.url(params));
        config.acquire_timeout = Duration::from_secs(2);
        let refused = format!("{:?}", PgBackend::connect(config).await.unwrap_err());
        assert!(
            refused.to_lowercase().contains("certificate") || refused.contains("UnknownIssuer"),
            "{params}: refused for its certificate: {refused}"
        );
    }
}
