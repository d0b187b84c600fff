//! The `sse` mode end to end against real servers in process (memory backend, the
//! background loops running): two nodes sharing one backend and one JWT secret, so orders
//! and storm resumes cross nodes; tiny figures, real checks, and runs that must fail.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use std::time::Duration;

use indicatif::ProgressBar;
use livedrop_adapters::memory::{MemoryBackend, MemoryConfig};
use livedrop_load::{SseConfig, SseSummary};
use livedrop_server::AppState;
use livedrop_server::auth::{JwtSecret, Passwords};
use livedrop_server::background::Background;

mod support;
use livedrop_server::realtime::HubConfig;

/// Starts `nodes` servers on free ports of 127.0.0.1 over one memory backend (as nodes
/// over one database and bus), each with `hub`; returns their base URLs and the
/// background loops (they stop when dropped).
async fn start_nodes(nodes: usize, hub: HubConfig) -> (Vec<String>, Vec<Background>) {
    let ports = MemoryBackend::new(MemoryConfig::default()).ports();
    let secret: JwtSecret = "sse-test-secret-shared-by-every-node".parse().unwrap();
    let (mut urls, mut loops) = (Vec::new(), Vec::new());
    for _ in 0..nodes {
        let state = AppState::builder(ports.clone())
            .mailer(support::mailer().await)
            .passwords(Passwords::for_tests())
            .jwt_secret(secret.clone())
            .hub(hub)
            .build();
        let (url, background) = support::serve(state, None).await;
        urls.push(url);
        loops.push(background);
    }
    (urls, loops)
}

/// Small figures: 20 streams, 5 buyers, a storm of 5 with 3 orders each while away.
fn small(base_urls: Vec<String>) -> SseConfig {
    SseConfig {
        base_urls,
        streams: 20,
        buyers: 5,
        storm: 5,
        away_events: 3,
        start_in: Duration::from_millis(500),
        idle: Duration::from_secs(1),
        event_timeout: Duration::from_secs(10),
        // This process is the servers and the tool: its figures exercise the reading.
        server_pids: vec![std::process::id()],
        ..SseConfig::default()
    }
}

/// One run at a time: the servers' metrics registry is the process's, shared by every
/// test here, and the stuck phase and the encode counts read it.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn run(config: &SseConfig) -> SseSummary {
    let summary = livedrop_load::sse::run(config, &ProgressBar::hidden())
        .await
        .unwrap();
    println!("{summary}");
    summary
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_stream_gets_its_events_once_in_order_across_nodes_and_a_storm() {
    let _serial = SERIAL.lock().await;
    let (urls, _loops) = start_nodes(2, HubConfig::default()).await;
    let summary = run(&small(urls)).await;

    assert_eq!(summary.open.opened, 20, "{:?}", summary.open);
    let d = &summary.delivery;
    assert_eq!((d.streams, d.streams_ok), (20, 20), "{d:?}");
    // 20 drop.started, 5 buyers' orders, 5 x 3 storm orders.
    assert_eq!(d.expected, 40, "{d:?}");
    assert_eq!(
        (d.missed, d.repeated, d.out_of_order, d.unexpected),
        (0, 0, 0, 0),
        "{d:?}"
    );
    assert_eq!((d.extra_resets, d.missing_resets), (0, 0), "{d:?}");
    assert_eq!(summary.latency.drop_started_ms.count, 20);
    assert_eq!(summary.latency.orders_ms.count, 5);
    assert!(summary.latency.orders_cross_node);

    let storm = summary.storm.as_ref().unwrap();
    assert_eq!(
        (storm.away_orders, storm.replayed, storm.missed),
        (15, 15, 0),
        "{storm:?}"
    );
    assert!(storm.cross_node);

    let server = &summary.servers[0];
    assert_eq!(server.streams, 10);
    assert!(
        server.encodes_per_event.is_some_and(|r| r <= 1.0),
        "{server:?}"
    );
    assert!(server.rss_after_kib.is_some() && server.idle_cpu_percent.is_some());
    assert!(summary.passed, "{:?}", summary.failures);

    let json = serde_json::to_value(&summary).unwrap();
    assert_eq!(json["delivery"]["missed"], 0);
    assert_eq!(json["passed"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resumes_from_before_the_window_get_one_reset_and_stuck_clients_are_cut() {
    let _serial = SERIAL.lock().await;
    // A window shorter than the idle period, so the gap's zero position is outside it
    // (the storm resumes well within it). Stuck clients: 200 events fill their sockets
    // (tens of frames) and a queue of 128, and a short patience cuts them within seconds.
    let hub = HubConfig {
        history: Duration::from_secs(3),
        queue_frames: 128,
        stuck_for: Duration::from_secs(1),
        ..HubConfig::default()
    };
    let (urls, _loops) = start_nodes(1, hub).await;
    let config = SseConfig {
        storm_gap: true,
        idle: Duration::from_secs(5),
        stuck: 2,
        stuck_events: 400,
        stuck_timeout: Duration::from_secs(20),
        ..small(urls)
    };
    let summary = run(&config).await;

    let gap = summary.gap.as_ref().unwrap();
    assert_eq!(
        (gap.streams, gap.resets, gap.replayed_instead),
        (5, 5, 0),
        "{gap:?}"
    );
    assert_eq!(gap.reasons.get("outside_window"), Some(&5), "{gap:?}");
    let d = &summary.delivery;
    assert_eq!(
        (d.extra_resets, d.missing_resets, d.missed),
        (0, 0, 0),
        "{d:?}"
    );

    // Each stuck stream's queue overflows; the server then ends it either way the hub
    // may: cut when its queue stays full, or with a `reconnect` when what was queued still
    // fit in the socket (which one depends on how the burst and the socket raced).
    let stuck = summary.stuck.as_ref().unwrap();
    assert!(stuck.all_closed, "{stuck:?}");
    assert!(stuck.queue_overflows >= 2.0, "{stuck:?}");
    assert!(
        stuck.slow_closes + stuck.ended_with_reconnect as f64 >= 2.0,
        "{stuck:?}"
    );
    assert!(summary.passed, "{:?}", summary.failures);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_too_small_for_the_storm_fails_the_check() {
    let _serial = SERIAL.lock().await;
    // The server replays at most one missed event: each storm stream, 3 events behind,
    // gets a `reset` instead, so its away orders are missed and the run fails.
    let hub = HubConfig {
        max_replay: 1,
        ..HubConfig::default()
    };
    let (urls, _loops) = start_nodes(1, hub).await;
    let config = SseConfig {
        event_timeout: Duration::from_secs(3),
        ..small(urls)
    };
    let summary = run(&config).await;

    let d = &summary.delivery;
    assert_eq!(d.extra_resets, 5, "{d:?}");
    assert_eq!(d.missed, 15, "{d:?}");
    assert_eq!(summary.storm.as_ref().unwrap().missed, 15);
    assert!(!summary.passed);
    assert!(
        summary.failures.iter().any(|f| f.contains("never arrived")),
        "{:?}",
        summary.failures
    );
}
