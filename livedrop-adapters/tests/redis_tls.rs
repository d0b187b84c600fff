//! TLS to Redis (`rediss://`), as managed Redis requires: against a redis-server of the
//! test's own serving TLS only, with a certificate made for it. The adapters run over it
//! when the server's certificate chains to the configured root, and never connect when
//! it does not.
#![cfg(feature = "redis")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use livedrop_adapters::redis::RedisBackend;
use support::redis_server::RedisServer;

#[tokio::test]
async fn rediss_with_the_servers_root_runs_the_adapters_over_tls() {
    let Some(server) = RedisServer::start_tls() else {
        return;
    };
    let mut config = support::redis::config(server.url());
    config.tls_root_cert = server.certificate();
    let backend = RedisBackend::new(config).unwrap();
    backend.ping().await.expect("answers over TLS");
    let cache = backend.ports(support::memory_ports()).cache;
    cache
        .put("over-tls", b"sealed".to_vec(), Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(
        cache.get("over-tls").await.unwrap().as_deref(),
        Some(&b"sealed"[..])
    );
}

#[tokio::test]
async fn a_server_whose_certificate_does_not_chain_to_the_roots_is_never_used() {
    let Some(server) = RedisServer::start_tls() else {
        return;
    };
    // The operating system's roots: the test's authority is not among them.
    let config = support::redis::config(server.url());
    let backend = RedisBackend::new(config).unwrap();
    assert!(
        backend.ping().await.is_err(),
        "an unverified server is not used"
    );
    // Nor does plain text reach a TLS-only server.
    let plain = server.url().replacen("rediss://", "redis://", 1);
    let backend = RedisBackend::new(support::redis::config(plain)).unwrap();
    assert!(backend.ping().await.is_err());
}
