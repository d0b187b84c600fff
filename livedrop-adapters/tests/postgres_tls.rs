//! TLS to PostgreSQL, as managed databases require it: the URL's `sslmode` (and
//! `sslrootcert`) choose it, and the whole backend (pool, migrations, ledger) runs over it.
//! Against the test database's own TLS (Debian's server ships with a self-signed
//! certificate); a server without TLS fails these tests.
#![cfg(feature = "postgres")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use livedrop_adapters::postgres::{LedgerMode, PgBackend};

/// The test database's URL with `params` added.
async fn url_with(params: &str) -> Option<String> {
    match support::postgres::database_url().await {
        Ok(url) => {
            let joiner = if url.contains('?') { '&' } else { '?' };
            Some(format!("{url}{joiner}{params}"))
        }
        Err(why) => {
            support::missing("PostgreSQL", &why);
            None
        }
    }
}

/// Whether the pool's sessions are encrypted, as the server sees them.
async fn encrypted(backend: &PgBackend) -> bool {
    sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(backend.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn sslmode_require_runs_the_backend_over_tls() {
    let Some(url) = url_with("sslmode=require").await else {
        return;
    };
    let backend = support::postgres::backend_at(url, LedgerMode::default()).await;
    assert!(encrypted(&backend).await, "the session is encrypted");
    backend.ping().await.unwrap();
}

#[tokio::test]
async fn verify_ca_trusts_the_given_root_and_refuses_another() {
    let Some(plain) = url_with("sslmode=disable").await else {
        return;
    };
    let plain = support::postgres::backend_at(plain, LedgerMode::default()).await;
    assert!(!encrypted(&plain).await);
    // The server's own (self-signed) certificate is its root.
    let certificate: String = sqlx::query_scalar("SHOW ssl_cert_file")
        .fetch_one(plain.pool())
        .await
        .unwrap();
    let Some(trusted) = url_with(&format!("sslmode=verify-ca&sslrootcert={certificate}")).await
    else {
        return;
    };
    let backend = support::postgres::backend_at(trusted, LedgerMode::default()).await;
    assert!(encrypted(&backend).await);

    // Any other root: the server's certificate does not chain to it, so no connection.
    let other = "/etc/ssl/certs/ISRG_Root_X1.pem";
    let Some(untrusted) = url_with(&format!("sslmode=verify-ca&sslrootcert={other}")).await else {
        return;
    };
    let mut config = livedrop_adapters::postgres::PgConfig::new(untrusted);
    config.acquire_timeout = std::time::Duration::from_secs(2);
    let refused = format!("{:?}", PgBackend::connect(config).await.unwrap_err());
    assert!(
        refused.to_lowercase().contains("certificate") || refused.contains("UnknownIssuer"),
        "refused for its certificate: {refused}"
    );
}
