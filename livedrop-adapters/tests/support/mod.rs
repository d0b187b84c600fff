//! Where the backend tests find their services, shared by every adapter test.
//!
//! A backend comes from its `LIVEDROP_TEST_*` variable first. Otherwise, built with the
//! `containers` feature and with a Docker engine answering, testcontainers starts one (how
//! users with Docker run the suite). Otherwise the test is skipped with a printed reason,
//! or fails when `LIVEDROP_REQUIRE_BACKENDS=1` (what `.ci/run` sets).
//!
//! The server's tests include this module too (by path), for the same backends.
//!
//! # Layout
//! One file per backend, behind the feature that builds its adapter (media's local
//! directory needs none), so a test binary compiles only the services it can run against:
//! - `postgres`: a fresh schema per test, in either ledger mode.
//! - `redis`: a backend per test under a key prefix of its own; `redis_cluster`, the same
//!   on a six-node Redis Cluster (`.ci/run`'s, or one the test process starts).
//! - `kafka`: a bus per test on a topic of its own.
//! - `media`: a local directory (always) and an S3 bucket (feature `s3`).
//! - `smtp` (feature `smtp`): the SMTP relay and reading back what it stored (a Maildir).
//! - `redis_server`, `tansu`: a Redis server (stopped and restarted, or serving TLS) or a
//!   Kafka broker (paused and resumed) the test starts itself, for outage and TLS tests;
//!   apart from `redis` and `kafka`, which reach a service other tests share and no test
//!   may stop. `postgres_tls_server`: a PostgreSQL cluster of the test's own serving TLS.
//! - `outage_proxy`: a relay in front of a shared service that a test can take away and
//!   bring back (the shared PostgreSQL, which no test may stop).
//! - `certificates`: an authority and a server certificate for those TLS servers;
//!   `tls_front`: TLS in front of a server that cannot serve it itself (the test broker).
//! - This file: what they share: the memory ports with the testkit's idempotency
//!   lifetimes, the skip-or-fail rule, starting a container once per binary, and for the
//!   servers a test starts, a spare port and waiting for them.

#![allow(dead_code)]
// Each test binary uses the part it needs.
// Test support: a broken set-up must stop the test loudly.
#![allow(clippy::expect_used, clippy::panic)]

pub mod certificates;
#[cfg(feature = "kafka")]
pub mod kafka;
pub mod media;
pub mod outage_proxy;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "postgres")]
pub mod postgres_tls_server;
#[cfg(feature = "redis")]
pub mod redis;
#[cfg(feature = "redis")]
pub mod redis_cluster;
#[cfg(feature = "redis")]
pub mod redis_server;
#[cfg(feature = "smtp")]
pub mod smtp;
#[cfg(feature = "kafka")]
pub mod tansu;
#[cfg(feature = "kafka")]
pub mod tls_front;

use livedrop_adapters::memory::{MemoryBackend, MemoryConfig};
use livedrop_core::ports::{IdempotencyPolicy, Ports};

/// The ports of a fresh memory backend with the testkit's short idempotency lifetimes: the
/// base a backend that provides only some ports replaces its own into.
pub fn memory_ports() -> Ports {
    MemoryBackend::new(MemoryConfig {
        idempotency: IdempotencyPolicy::for_tests(),
        ..MemoryConfig::default()
    })
    .ports()
}

/// A port nothing listens on now (the system's pick, released at once), for a server the
/// test starts.
pub fn spare_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// Polls `ready` until it holds, for up to `within`; `Err` naming `what` if it never does.
pub fn wait_until(
    what: &str,
    within: std::time::Duration,
    mut ready: impl FnMut() -> bool,
) -> Result<(), String> {
    let deadline = std::time::Instant::now() + within;
    while !ready() {
        if std::time::Instant::now() > deadline {
            return Err(format!("gave up after {within:?} waiting for {what}"));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Ok(())
}

/// Whether something accepts connections on `127.0.0.1:port`.
pub fn listening(port: u16) -> bool {
    std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
}

/// Says why a backend is missing: a failure under `LIVEDROP_REQUIRE_BACKENDS=1`, else a
/// skip.
pub fn missing(what: &str, why: &str) {
    let required = std::env::var("LIVEDROP_REQUIRE_BACKENDS").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "{what} is required (LIVEDROP_REQUIRE_BACKENDS=1) but {why}"
    );
    eprintln!("skipped: {what} not available: {why}");
}

/// A service container started once per test binary (testcontainers removes it when the
/// process ends): the URL `url` makes from the host port mapped to `port`.
#[cfg(feature = "containers")]
pub async fn container_url<I: testcontainers::Image>(
    started: &'static tokio::sync::OnceCell<
        Result<(testcontainers::ContainerAsync<I>, String), String>,
    >,
    image: impl FnOnce() -> I,
    port: u16,
    url: impl FnOnce(u16) -> String,
) -> Result<String, String> {
    use testcontainers::runners::AsyncRunner;
    let started = started
        .get_or_init(|| async {
            let container = image()
                .start()
                .await
                .map_err(|e| format!("no LIVEDROP_TEST_* variable and Docker failed: {e}"))?;
            let host_port = container
                .get_host_port_ipv4(port)
                .await
                .map_err(|e| e.to_string())?;
            Ok((container, url(host_port)))
        })
        .await;
    started
        .as_ref()
        .map(|(_, url)| url.clone())
        .map_err(Clone::clone)
}
