//! A database that does not answer is a fast, retryable `Unavailable`, never a hang.
#![cfg(feature = "postgres")]

use std::time::{Duration, Instant};

use livedrop_adapters::postgres::{PgBackend, PgConfig};
use livedrop_core::Error;

#[tokio::test]
async fn connecting_to_a_missing_database_fails_fast_and_retryably() {
    // Nothing listens on port 1; the pool gives up after its acquire timeout.
    let mut config = PgConfig::new("postgres://postgres@127.0.0.1:1/test");
    config.acquire_timeout = Duration::from_millis(300);
    let started = Instant::now();
    let error = PgBackend::connect(config).await.unwrap_err();
    assert!(
        matches!(error, Error::Unavailable { .. }) && error.is_retryable(),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}
