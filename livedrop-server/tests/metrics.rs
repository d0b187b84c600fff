//! What `/metrics` reports after real traffic: per-route latency and counts, orders by
//! outcome and reason, the cache's hit ratio and open SSE connections.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use chrono::{TimeDelta, Utc};
use livedrop_adapters::memory::MemoryBackend;
use livedrop_core::domain::StockPlan;
use livedrop_server::AppState;
use serde_json::json;

use support::sse::Reader;
use support::{
    access_token, realtime_token, register_user, scrape, seed_drop, send, serve, window_from,
};

#[tokio::test]
async fn metrics_cover_routes_orders_cache_and_streams() {
    let state = AppState::new(MemoryBackend::default().ports());
    let (_, drop) = seed_drop(
        &state,
        window_from(Utc::now() - TimeDelta::minutes(1)),
        StockPlan::new(5, 1, Some(1)).unwrap(),
    )
    .await;
    state.scheduler().tick().await.unwrap();
    let buyer = register_user(&state).await;
    let token = access_token(&state, buyer);
    let base = serve(state.clone()).await;
    let http = reqwest::Client::new();

    assert_eq!(
        send(http.get(format!("{base}/drops/{}", drop.id)))
            .await
            .status,
        200
    );
    for _ in 0..2 {
        // A miss, then a hit.
        assert_eq!(
            send(http.get(format!("{base}/api/drops/{}", drop.id)))
                .await
                .status,
            200
        );
    }
    for (key, qty) in [("m-1", 1), ("m-2", 1)] {
        // The second is over the per-buyer limit of 1.
        send(
            http.post(format!("{base}/orders"))
                .bearer_auth(&token)
                .header("idempotency-key", key)
                .json(&json!({ "dropId": drop.id, "qty": qty })),
        )
        .await;
    }
    let realtime = realtime_token(&state, buyer).await;
    let _stream = Reader::open(&format!("{base}/api/realtime/events?token={realtime}")).await;

    let body = scrape(&base).await;
    for wanted in [
        r#"livedrop_http_request_duration_seconds_bucket{method="GET",route="/drops/{id}",le="0.001"}"#,
        r#"livedrop_http_requests_total{method="GET",route="/api/drops/{id}",status="200"} 2"#,
        r#"livedrop_http_requests_total{method="POST",route="/orders",status="201"} 1"#,
        r#"livedrop_orders_total{outcome="confirmed",reason="none"} 1"#,
        r#"livedrop_orders_total{outcome="rejected",reason="limit_reached"} 1"#,
        "livedrop_cache_hit_ratio ",
        "livedrop_sse_connections 1",
    ] {
        assert!(body.contains(wanted), "missing {wanted}:\n{body}");
    }
    let ratio: f64 = body
        .lines()
        .find_map(|line| line.strip_prefix("livedrop_cache_hit_ratio "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(ratio > 0.0 && ratio < 1.0, "{ratio}");
}

/// Every metric a scrape shows says what it is (`# HELP`), the process is described the way
/// every Prometheus client describes one, the build says its version, the cache's hits and
/// misses are counters, and follow store reads are timed by query.
#[tokio::test]
async fn every_metric_has_help_and_the_process_and_build_are_described() {
    let state = AppState::new(MemoryBackend::default().ports());
    let (_, drop) = seed_drop(
        &state,
        window_from(Utc::now() - TimeDelta::minutes(1)),
        StockPlan::new(5, 1, None).unwrap(),
    )
    .await;
    let base = serve(state.clone()).await;
    let http = reqwest::Client::new();
    send(http.get(format!("{base}/api/drops/{}", drop.id))).await;
    let count = format!("{base}/api/creators/{}/follower-count", drop.creator_id);
    let followers = send(http.get(count)).await;
    assert_eq!(followers.status, 200, "{followers:?}");

    let body = scrape(&base).await;
    let typed: Vec<&str> = body
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE "))
        .map(|rest| rest.split(' ').next().unwrap())
        .collect();
    assert!(typed.len() > 10, "{body}");
    for name in typed {
        assert!(
            body.contains(&format!("# HELP {name} ")),
            "{name} has no HELP:\n{body}"
        );
    }
    for wanted in [
        "# TYPE livedrop_cache_hits_total counter",
        "# TYPE livedrop_cache_misses_total counter",
        concat!(
            "livedrop_build_info{version=\"",
            env!("CARGO_PKG_VERSION"),
            "\"} 1"
        ),
        r#"livedrop_follower_query_seconds_count{query="count"}"#,
    ] {
        assert!(body.contains(wanted), "missing {wanted}:\n{body}");
    }
    let value = |name: &str| -> f64 {
        body.lines()
            .find_map(|line| line.strip_prefix(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no {name}:\n{body}"))
            .parse()
            .unwrap()
    };
    assert!(value("process_resident_memory_bytes") > 1_000_000.0);
    assert!(value("process_open_fds") >= 3.0);
    assert!(value("process_max_fds") >= value("process_open_fds"));
    assert!(value("process_start_time_seconds") > 1.6e9);
    assert!(value("process_cpu_seconds_total") > 0.0);
}
