//! The pipeline mode end to end against the real server in process (memory backend, its
//! default rate limits, the background loops running): tiny figures, real checks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use indicatif::ProgressBar;
use livedrop_adapters::memory::{MemoryBackend, MemoryConfig};
use livedrop_load::PipelineConfig;
use livedrop_server::AppState;
use livedrop_server::auth::Passwords;
use livedrop_server::background::Background;

mod support;

/// A server with its default rate limits: its base URL and loops.
async fn start_server() -> (String, Background) {
    let ports = MemoryBackend::new(MemoryConfig::default()).ports();
    let state = AppState::builder(ports)
        .mailer(support::mailer().await)
        .passwords(Passwords::for_tests())
        .build();
    support::serve(state, Some(Duration::from_millis(100))).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipeline_confirms_orders_delivers_events_and_never_oversells() {
    let (base_url, _background) = start_server().await;
    // 12 buyers at 30 orders/s is 2.5 orders/s each: under the default order limit (5/s).
    let config = PipelineConfig {
        base_url,
        buyers: 12,
        rate: 30,
        duration: Duration::from_secs(2),
        listeners: 4,
        followers_stream: true,
        inbox_sample: 5,
        start_delay: Duration::from_millis(500),
        inbox_grace: Duration::from_secs(5),
        lag_timeout: Duration::from_secs(5),
        ..PipelineConfig::default()
    };
    assert_eq!(config.capacity_warning(), None);

    let summary = livedrop_load::pipeline::run(&config, &ProgressBar::hidden())
        .await
        .unwrap();
    println!("{summary}");

    let orders = &summary.orders;
    assert_eq!(orders.scheduled, 60, "{orders:?}");
    assert!(orders.confirmed > 0, "{orders:?}");
    assert_eq!(orders.rate_limited, 0, "{orders:?}");
    assert!(
        summary.stock.ok,
        "oversold or undercounted: {:?}",
        summary.stock
    );
    assert_eq!(summary.stock.sold, i64::try_from(orders.confirmed).unwrap());

    let stream = &summary.stream;
    assert!(stream.events > 0, "no event reached a stream: {stream:?}");
    assert!(stream.by_type.contains_key("order.confirmed"), "{stream:?}");
    assert!(stream.latency_ms.p99_ms.is_some());

    let inbox = &summary.inbox;
    assert!(inbox.found > 0, "no inbox sample found: {inbox:?}");
    assert_eq!(inbox.missing, 0, "{inbox:?}");

    assert!(
        summary.server_delivery.present,
        "{:?}",
        summary.server_delivery
    );
    assert!(summary.lag.metric_present, "{:?}", summary.lag);
    assert!(summary.passed, "{:?}", summary.failures);

    // The JSON the binary prints carries the same figures.
    let json = serde_json::to_value(&summary).unwrap();
    assert_eq!(json["orders"]["confirmed"], orders.confirmed);
    assert_eq!(json["stock"]["ok"], true);
}
