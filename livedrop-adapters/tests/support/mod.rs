//! Where the backend tests find their services, shared by every adapter test.
//!
//! A backend comes from its `LIVEDROP_TEST_*` variable first. Otherwise, built with the
//! `containers` feature and with a Docker engine answering, testcontainers starts one (how
//! users with Docker run the suite). Otherwise the test is skipped with a printed reason,
//! or fails when `LIVEDROP_REQUIRE_BACKENDS=1` (what `.ci/run` sets).

#![allow(dead_code)]
// Each test binary uses the part it needs.
// Test support: a broken set-up must stop the test loudly.
#![allow(clippy::expect_used, clippy::panic)]

#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "redis")]
pub mod redis;
#[cfg(feature = "redis")]
pub mod redis_server;

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
