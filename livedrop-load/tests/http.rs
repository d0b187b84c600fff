//! The HTTP modes end to end against the real server in process (memory backend, rate
//! limits off as a load-test server runs, the background loops running): small figures,
//! real checks, no timing assertions.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use std::time::Duration;

use indicatif::ProgressBar;
use livedrop_adapters::memory::{MemoryBackend, MemoryConfig};
use livedrop_client::Client;
use livedrop_core::wire::{CreateCreatorBody, CreateDropBody, CreateProductBody};
use livedrop_load::HttpConfig;
use livedrop_load::http::{self, HttpSummary, OpFigures, Percentiles};
use livedrop_load::sweep::SweepMode;
use livedrop_server::AppState;
use livedrop_server::auth::Passwords;
use livedrop_server::background::Background;

mod support;

/// A server without rate limits (as a load-test server runs): its base URL and loops.
async fn start_server() -> (String, Background) {
    let ports = MemoryBackend::new(MemoryConfig::default()).ports();
    let state = AppState::builder(ports)
        .mailer(support::mailer().await)
        .passwords(Passwords::for_tests())
        .without_rate_limits()
        .build();
    support::serve(state, None).await
}

/// 20 buyers, 8 connections, 2 seconds, the baseline after.
fn small(base_url: String) -> HttpConfig {
    HttpConfig {
        base_url,
        buyers: 20,
        connections: 8,
        duration: Duration::from_secs(2),
        stock: 1_000_000,
        baseline: true,
        // This process is the server: its figures exercise the reading.
        server_pid: Some(std::process::id()),
        ..HttpConfig::default()
    }
}

/// Sent = answered + errors; answered = the statuses; ok + 429 + refused = answered.
fn assert_adds_up(kind: &str, f: &OpFigures) {
    assert_eq!(f.requests, f.answered + f.errors, "{kind}: {f:?}");
    assert_eq!(
        f.answered,
        f.by_status.values().sum::<u64>(),
        "{kind}: {f:?}"
    );
    let refused: u64 = f.refused.values().sum();
    assert_eq!(f.ok + f.rate_limited + refused, f.answered, "{kind}: {f:?}");
    assert_eq!(
        f.errors,
        f.errors_by_kind.values().sum::<u64>(),
        "{kind}: {f:?}"
    );
    assert_eq!(f.latency_ms.count, f.ok, "{kind}: {f:?}");
    assert_ordered(&f.latency_ms);
}

fn assert_ordered(p: &Percentiles) {
    let (p50, p90, p99) = (p.p50_ms.unwrap(), p.p90_ms.unwrap(), p.p99_ms.unwrap());
    let (p999, max) = (p.p99_9_ms.unwrap(), p.max_ms.unwrap());
    assert!(
        p50 <= p90 && p90 <= p99 && p99 <= p999 && p999 <= max,
        "{p:?}"
    );
}

fn print(summary: &HttpSummary) {
    println!("{summary}");
    println!("{}", serde_json::to_string(summary).unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_are_confirmed_counted_and_never_oversold_and_compared_to_the_floor() {
    let (base_url, _background) = start_server().await;
    let summary = http::orders(&small(base_url), &ProgressBar::hidden())
        .await
        .unwrap();
    print(&summary);

    assert_eq!(summary.mode, "orders");
    let orders = summary.orders.as_ref().unwrap();
    assert!(orders.ok > 0, "{orders:?}");
    assert_eq!(orders.by_status.get("201"), Some(&orders.ok));
    assert_adds_up("orders", orders);
    assert!(summary.reads.is_none());
    assert_eq!(summary.load.requests, orders.requests);

    let stock = summary.stock.as_ref().unwrap();
    let unanswered = summary.unanswered.as_ref().unwrap();
    assert!(stock.ok, "oversold or undercounted: {stock:?}");
    assert_eq!(stock.confirmed_seen, orders.ok + unanswered.confirmed);
    assert_eq!(stock.sold, i64::try_from(stock.confirmed_seen).unwrap());

    let server = summary.server.as_ref().unwrap();
    assert!(server.cpu_us_per_request.is_some() && server.rss_kib.is_some());
    // The CPU was read once the orders' events had been carried, not before.
    assert!(
        server
            .pipeline_drained_after_ms
            .is_some_and(|ms| ms >= 1_000.0),
        "{server:?}"
    );

    let baseline = summary.baseline.as_ref().unwrap();
    let floor = baseline.run.orders.as_ref().unwrap();
    assert!(floor.ok > 0, "{floor:?}");
    assert_adds_up("baseline orders", floor);
    let ratios = baseline.orders.unwrap();
    assert!(ratios.throughput.is_some_and(|r| r > 0.0), "{ratios:?}");
    assert!(ratios.p99.is_some_and(|r| r > 0.0), "{ratios:?}");
    assert!(summary.passed, "{:?}", summary.failures);

    let json = serde_json::to_value(&summary).unwrap();
    assert_eq!(json["orders"]["ok"], orders.ok);
    assert_eq!(json["stock"]["ok"], true);
    assert!(json["baseline"]["orders"]["throughput"].is_number());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_and_a_mix_are_answered() {
    let (base_url, _background) = start_server().await;
    let config = HttpConfig {
        baseline: false,
        ..small(base_url)
    };
    let reads = http::reads(&config, &ProgressBar::hidden()).await.unwrap();
    print(&reads);
    let figures = reads.reads.as_ref().unwrap();
    assert!(figures.ok > 0, "{figures:?}");
    assert_adds_up("reads", figures);
    assert!(reads.orders.is_none() && reads.stock.is_none());
    assert_eq!(reads.config.buyers, 0);
    assert!(reads.passed, "{:?}", reads.failures);

    let config = HttpConfig {
        read_share: 0.5,
        rate: Some(400),
        ..config
    };
    let mixed = http::mixed(&config, &ProgressBar::hidden()).await.unwrap();
    print(&mixed);
    let (orders, reads) = (
        mixed.orders.as_ref().unwrap(),
        mixed.reads.as_ref().unwrap(),
    );
    assert!(orders.ok > 0 && reads.ok > 0, "{orders:?} {reads:?}");
    assert_adds_up("mixed orders", orders);
    assert_adds_up("mixed reads", reads);
    // Each worker's mix holds the share to within one request.
    assert!(orders.requests.abs_diff(reads.requests) <= config.connections as u64);
    assert!(mixed.stock.as_ref().unwrap().ok, "{:?}", mixed.stock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_baseline_alone_serves_both_routes() {
    let config = HttpConfig {
        connections: 8,
        duration: Duration::from_secs(1),
        read_share: 0.5,
        ..HttpConfig::default()
    };
    let summary = http::baseline(&config, &ProgressBar::hidden())
        .await
        .unwrap();
    print(&summary);
    assert_eq!(summary.mode, "baseline");
    for figures in [&summary.orders, &summary.reads] {
        let figures = figures.as_ref().unwrap();
        assert!(figures.ok > 0, "{figures:?}");
        assert_adds_up("baseline", figures);
    }
    assert!(summary.stock.is_none() && summary.baseline.is_none());
    assert!(summary.passed, "{:?}", summary.failures);
}

/// The bare server's bodies are the size of the real answers (within 5 %): measured
/// here on the real server, byte for byte as the tool reads them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn baseline_bodies_weigh_what_real_answers_do() {
    let (base_url, _background) = start_server().await;
    let client = Client::builder()
        .base_url(base_url.as_str())
        .build()
        .unwrap();
    let email = format!("sizes-{}@example.com", std::process::id());
    client.auth().register(&email, "Sizes").await.unwrap();
    let link = livedrop_load::confirmations::shared()
        .take(&email)
        .await
        .unwrap();
    let registered = client
        .auth()
        .confirm_registration(&link, "sizes-password")
        .await
        .unwrap();
    let token = registered.tokens.access_token;
    let creator = client
        .creators()
        .create(&CreateCreatorBody {
            display_name: "Sizes Co".try_into().unwrap(),
            handle: "sizesco".try_into().unwrap(),
        })
        .await
        .unwrap();
    let product = client
        .products()
        .create(&CreateProductBody {
            creator_id: creator.id,
            title: "Load Test Sneaker".try_into().unwrap(),
            description: "Sold by livedrop-load".try_into().unwrap(),
            price_cents: 12_000.try_into().unwrap(),
            currency_code: "EUR".try_into().unwrap(),
        })
        .await
        .unwrap();
    let start_at = chrono::Utc::now();
    let drop = client
        .drops()
        .create(&CreateDropBody {
            product_id: product.id,
            start_at,
            end_at: start_at + chrono::TimeDelta::hours(1),
            initial_stock: 10_000_000,
            low_stock_threshold: 0,
            max_per_user: None,
        })
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let http = reqwest::Client::new();
    let order = http
        .post(format!("{base_url}/orders"))
        .bearer_auth(&token)
        .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
        .json(&serde_json::json!({"dropId": drop.id, "qty": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(order.status(), 201);
    let order = order.bytes().await.unwrap().len();
    let cached = http
        .get(format!("{base_url}/api/drops/{}", drop.id))
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), 200);
    let cached = cached.bytes().await.unwrap().len();
    println!(
        "order answer {order} bytes, cached drop {cached} bytes, access token {} bytes",
        token.len()
    );
    let near = |real: usize, constant: usize| real.abs_diff(constant) * 20 <= constant;
    assert!(
        near(order, http::ORDER_ANSWER_BYTES),
        "order answer: {order}"
    );
    assert!(
        near(cached, http::CACHED_DROP_ANSWER_BYTES),
        "cached drop: {cached}"
    );
    assert!(
        near(token.len(), http::ACCESS_TOKEN_BYTES),
        "token: {}",
        token.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sweep_measures_each_mode_at_each_connection_count_and_plots_them() {
    let (base_url, background) = start_server().await;
    let config = livedrop_load::sweep::SweepConfig {
        http: HttpConfig {
            duration: Duration::from_secs(1),
            ..small(base_url)
        },
        connections: vec![2, 6],
        label: Some("memory".to_owned()),
    };
    let sweep = livedrop_load::sweep::run(&config, &ProgressBar::hidden())
        .await
        .unwrap();
    println!("{sweep}");
    let measured: Vec<(SweepMode, usize)> = sweep
        .points
        .iter()
        .map(|p| (p.mode, p.connections))
        .collect();
    let (orders, reads) = (SweepMode::Orders, SweepMode::Reads);
    assert_eq!(measured, [(orders, 2), (reads, 2), (orders, 6), (reads, 6)]);
    for point in &sweep.points {
        assert!(point.passed, "{point:?}");
        assert!(point.ok_per_second > 0.0, "{point:?}");
        assert!(point.baseline_ok_per_second > 0.0, "{point:?}");
        assert!(
            point.p99_ms.is_some() && point.baseline_p99_ms.is_some(),
            "{point:?}"
        );
        assert!(point.server_cpu_us.is_some(), "{point:?}");
    }
    // The orders' events were carried before the CPU was read.
    assert!(
        sweep
            .of(SweepMode::Orders)
            .iter()
            .all(|p| p.pipeline_drained_after_ms.is_some())
    );

    // Saved and drawn again, as `plot` does.
    let json = serde_json::to_vec(&sweep).unwrap();
    let again: livedrop_load::sweep::Sweep = serde_json::from_slice(&json).unwrap();
    // Floats may come back an ulp apart; the rest exactly.
    assert_eq!(again.points.len(), sweep.points.len());
    for (read, written) in again.points.iter().zip(&sweep.points) {
        assert_eq!(
            (read.mode, read.connections),
            (written.mode, written.connections)
        );
        assert!((read.ok_per_second - written.ok_per_second).abs() < 1e-6 * written.ok_per_second);
    }
    let png = std::env::temp_dir().join(format!("{}-sweep.png", uuid::Uuid::new_v4().simple()));
    livedrop_load::sweep::plot::draw(&again, &png, None).unwrap();
    let bytes = std::fs::read(&png).unwrap();
    std::fs::remove_file(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    background.stop().await;
}
