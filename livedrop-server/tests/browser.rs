//! The web app in a real browser against the real binary: `tests/browser/flow.mjs` drives
//! headless Chromium (Playwright) through a creator's and a fan's whole drop (sign-up,
//! image upload, schedule, follow, countdown, live, the badge, stock ticking down under
//! other buyers' API orders, one purchase despite a dropped answer, my orders, sold out),
//! runs axe-core on every page and measures the first load and the stock's delay. This
//! test starts the server, runs the flow, and holds its figures to the bars. The server
//! writes its mail to a directory of the run's own (`LIVEDROP_MAIL_DIR`), where the flow
//! reads the links that confirm each sign-up.
//!
//! It needs Node.js, `npm ci` in `tests/browser` and Chromium (`/usr/bin/chromium`, or
//! `CHROMIUM`); `.ci/run` installs them. Without them it is skipped with the reason, or
//! fails under `LIVEDROP_REQUIRE_BACKENDS=1`. Screenshots of every page are left in
//! `target/tmp/web-app/<backend>/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(all(feature = "postgres", feature = "redis", feature = "kafka"))]
#[path = "../../livedrop-adapters/tests/support/mod.rs"]
mod backends;
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::binary::{ready, start, terminate};

/// The first load of the drops page, everything included, at most.
const FIRST_LOAD_BYTES: u64 = 150_000;
/// From an order's answer to its stock on a watching fan's page, at most.
const STOCK_DELAY_MS: u64 = 500;

fn flow_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// Why the browser flow cannot run here, if it cannot.
fn missing_tools() -> Option<String> {
    let node = Command::new("node").arg("--version").output();
    if !node.is_ok_and(|out| out.status.success()) {
        return Some("node is not installed".to_owned());
    }
    if !flow_dir().join("node_modules/playwright-core").is_dir() {
        return Some("tests/browser has no node_modules (run npm ci there)".to_owned());
    }
    if !chromium().exists() {
        return Some(format!("no Chromium at {}", chromium().display()));
    }
    None
}

/// `true` when the flow can run; otherwise says why and skips, or fails when required.
fn browser_available() -> bool {
    let Some(why) = missing_tools() else {
        return true;
    };
    let required = std::env::var("LIVEDROP_REQUIRE_BACKENDS").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "the browser test is required (LIVEDROP_REQUIRE_BACKENDS=1) but {why}"
    );
    eprintln!("skipped: {why}");
    false
}

/// A fresh, empty directory for the server's mail (`target/tmp/web-app-mail/<name>`): it
/// holds this run's messages only, and stays after it so that a failure's can be read.
fn mail_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("web-app-mail")
        .join(name);
    match std::fs::remove_dir_all(&dir) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
            panic!("cannot empty {}: {error}", dir.display())
        }
        _ => {}
    }
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The server's mail settings: `dir` as its `LIVEDROP_MAIL_DIR`.
fn mail_to(dir: &Path) -> (&'static str, String) {
    (
        "LIVEDROP_MAIL_DIR",
        dir.to_str().expect("a UTF-8 path").to_owned(),
    )
}

/// Runs the flow against `base_url` (whose mail goes to `mail`), leaving its screenshots in
/// `target/tmp/web-app/<name>`; its `result.json`.
fn run_flow(base_url: &str, mail: &Path, name: &str) -> Value {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("web-app")
        .join(name);
    std::fs::create_dir_all(&out).unwrap();
    let ran = Command::new("node")
        .arg(flow_dir().join("flow.mjs"))
        .args(["--base-url", base_url, "--out"])
        .arg(&out)
        .arg("--mail-dir")
        .arg(mail)
        .env("CHROMIUM", chromium())
        .output()
        .unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&ran.stdout),
        String::from_utf8_lossy(&ran.stderr)
    );
    assert!(
        ran.status.success(),
        "the browser flow failed ({}); screenshots in {}:\n{log}",
        ran.status,
        out.display()
    );
    eprintln!("{log}");
    let result = std::fs::read(out.join("result.json")).expect("the flow's result.json");
    serde_json::from_slice(&result).unwrap()
}

/// The bars every run is held to, on any backend.
fn assert_bars(result: &Value) {
    let first_load = result["firstLoadBytes"].as_u64().expect("firstLoadBytes");
    assert!(
        first_load > 0 && first_load <= FIRST_LOAD_BYTES,
        "first load {first_load} bytes"
    );
    let delays = result["stockLatencyMs"].as_array().expect("stockLatencyMs");
    assert!(!delays.is_empty(), "no stock change was measured");
    for delay in delays {
        let delay = delay.as_f64().expect("a delay in ms");
        assert!(
            delay <= STOCK_DELAY_MS as f64,
            "a stock change took {delay} ms to show"
        );
    }
    assert_eq!(result["ordersOfFan"], 1, "{result}");
    for (page, violations) in result["axe"].as_object().expect("axe results per page") {
        assert_eq!(
            violations.as_array().map(Vec::len),
            Some(0),
            "serious or critical accessibility violations on {page}: {violations}"
        );
    }
}

#[tokio::test]
async fn a_creator_and_a_fan_run_a_whole_drop_in_chromium_on_memory() {
    if !browser_available() {
        return;
    }
    let mail = mail_dir("memory");
    let (running, base_url) = start(&[mail_to(&mail)]);
    ready(&base_url).await;
    let result = run_flow(&base_url, &mail, "memory");
    terminate(running);
    assert_bars(&result);
}

#[cfg(all(feature = "postgres", feature = "redis", feature = "kafka"))]
#[tokio::test]
async fn a_creator_and_a_fan_run_a_whole_drop_in_chromium_on_postgres_redis_and_kafka() {
    let urls = [
        "LIVEDROP_TEST_DATABASE_URL",
        "LIVEDROP_TEST_REDIS_URL",
        "LIVEDROP_TEST_KAFKA_BROKERS",
    ]
    .map(|name| std::env::var(name).ok());
    let [Some(db), Some(redis), Some(_)] = urls else {
        backends::missing("PostgreSQL, Redis and Kafka", "a LIVEDROP_TEST_* is unset");
        return;
    };
    if !browser_available() {
        return;
    }
    // A schema and a broker of its own: the outbox relay and the consumer groups would
    // otherwise share their leases and groups with other tests' servers, which relay to
    // other brokers.
    let Some(kafka) = backends::tansu::Tansu::start() else {
        backends::missing(
            "a Kafka broker of the test's own",
            "no tansu binary was found",
        );
        return;
    };
    let mail = mail_dir("postgres-redis-kafka");
    let (running, base_url) = start(&[
        ("LIVEDROP_DATABASE_URL", schema_of_its_own(&db).await),
        ("LIVEDROP_REDIS_URL", redis),
        ("LIVEDROP_KAFKA_BROKERS", kafka.brokers()),
        mail_to(&mail),
    ]);
    ready(&base_url).await;
    let result = run_flow(&base_url, &mail, "postgres-redis-kafka");
    terminate(running);
    assert_bars(&result);
}

/// `url` on a new, empty schema (the server migrates it): the database's `search_path`
/// travels in the URL's `options`.
#[cfg(all(feature = "postgres", feature = "redis", feature = "kafka"))]
async fn schema_of_its_own(url: &str) -> String {
    let schema = format!("web_{}", uuid::Uuid::new_v4().simple());
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}options=-c%20search_path%3D{schema}")
}
