//! The binary's HTTP manners: answers compressed for clients that ask (never an event
//! stream), CORS only for the configured origins, metrics on a listener of their own when
//! asked.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use chrono::{TimeDelta, Utc};
use livedrop_adapters::memory::MemoryBackend;
use livedrop_core::domain::StockPlan;
use livedrop_server::AppState;
use support::binary::{ready, start, terminate};
use support::{seed_drop, window_from};

#[tokio::test]
async fn large_answers_are_compressed_for_clients_that_ask_and_small_ones_are_not() {
    let (running, base_url) = start(&[]);
    ready(&base_url).await;
    let client = reqwest::Client::new();
    let document = |encoding: &'static str| {
        client
            .get(format!("{base_url}/openapi.json"))
            .header("accept-encoding", encoding)
            .send()
    };
    for (asked, expected) in [
        ("br", Some("br")),
        ("gzip", Some("gzip")),
        ("identity", None),
    ] {
        let response = document(asked).await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response
                .headers()
                .get("content-encoding")
                .map(|v| v.to_str().unwrap()),
            expected,
            "asked for {asked}"
        );
    }
    // A client that names no encoding (this one) gets the answer as it is, marked like
    // the compressed ones as varying by encoding, so a cache in front keeps them apart.
    for asked in [None, Some("gzip")] {
        let mut request = client.get(format!("{base_url}/openapi.json"));
        if let Some(encoding) = asked {
            request = request.header("accept-encoding", encoding);
        }
        let response = request.send().await.unwrap();
        let vary: Vec<_> = response.headers().get_all("vary").iter().collect();
        assert_eq!(vary, ["accept-encoding"], "asked for {asked:?}");
        if asked.is_none() {
            assert!(response.headers().get("content-encoding").is_none());
            let document: serde_json::Value = response.json().await.unwrap();
            assert!(document["paths"]["/orders"].is_object());
        }
    }
    // A small answer is not worth it.
    let small = client
        .get(format!("{base_url}/healthz"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert!(small.headers().get("content-encoding").is_none());
    terminate(running);
}

#[tokio::test]
async fn an_event_stream_goes_out_uncompressed_whatever_the_client_accepts() {
    let state = AppState::new(MemoryBackend::default().ports());
    let (_, drop) = seed_drop(
        &state,
        window_from(Utc::now() - TimeDelta::minutes(1)),
        StockPlan::new(10, 1, None).unwrap(),
    )
    .await;
    let base_url = support::serve(state).await;
    // No length is known for a stream, so only its type keeps it from the compressor,
    // which would hold each event until a block filled.
    let stream = reqwest::Client::new()
        .get(format!("{base_url}/api/drops/{}/events", drop.id))
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    assert!(stream.headers().get("content-encoding").is_none());
}

#[tokio::test]
async fn cors_answers_the_configured_origins_only() {
    let (running, base_url) =
        start(&[("LIVEDROP_CORS_ORIGINS", "https://shop.example".to_owned())]);
    ready(&base_url).await;
    let client = reqwest::Client::new();
    let preflight = |origin: &'static str| {
        client
            .request(reqwest::Method::OPTIONS, format!("{base_url}/orders"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type, idempotency-key",
            )
            .send()
    };
    let allowed = preflight("https://shop.example").await.unwrap();
    assert!(allowed.status().is_success(), "{}", allowed.status());
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://shop.example"
    );
    let methods = allowed.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(methods.contains("POST"), "{methods}");
    let other = preflight("https://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());

    // A simple request from the allowed origin can read the answer and its headers.
    let read = client
        .get(format!("{base_url}/healthz"))
        .header("origin", "https://shop.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        read.headers()["access-control-allow-origin"],
        "https://shop.example"
    );
    let exposed = read.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(exposed.contains("ratelimit"), "{exposed}");
    terminate(running);
}

#[tokio::test]
async fn metrics_can_live_on_a_listener_of_their_own() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .unwrap()
        .port();
    let (running, base_url) = start(&[("LIVEDROP_METRICS_LISTEN", format!("127.0.0.1:{port}"))]);
    ready(&base_url).await;
    let scraped = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .unwrap();
    assert_eq!(scraped.status(), 200);
    assert!(
        scraped
            .text()
            .await
            .unwrap()
            .contains("livedrop_http_connections")
    );
    let public = reqwest::get(format!("{base_url}/metrics")).await.unwrap();
    assert_eq!(public.status(), 404, "not on the API's listener");
    let document: serde_json::Value = reqwest::get(format!("{base_url}/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(document["paths"].get("/metrics").is_none());
    terminate(running);
}
