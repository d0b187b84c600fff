//! What event streams may cost a node, over real HTTP: at most five per user (`429`), a
//! node maximum (`503` with `Retry-After`), a client that stops reading cut off, and a
//! drop's public stream coalescing its updates.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use livedrop_adapters::memory::MemoryBackend;
use livedrop_core::domain::{Event, EventData, Quantity, StockPlan};
use livedrop_core::ids::{CreatorId, DropId, OrderId, UserId};
use livedrop_server::AppState;
use livedrop_server::realtime::HubConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use support::sse::Reader;
use support::{realtime_token, register_user, seed_drop, send, window_from};

const PATIENCE: Duration = Duration::from_secs(10);

async fn server(hub: HubConfig) -> (AppState, String) {
    let state = AppState::builder(MemoryBackend::default().ports())
        .hub(hub)
        .build();
    let base = support::serve(state.clone()).await;
    while !state.streams().hub().is_ready() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    (state, base)
}

async fn events_url(base: &str, state: &AppState, user: UserId) -> String {
    let token = realtime_token(state, user).await;
    format!("{base}/api/realtime/events?token={token}")
}

fn order(user: UserId, drop: DropId, available: u32) -> Event {
    Event::new(
        EventData::OrderConfirmed {
            order_id: OrderId::new(),
            user_id: user,
            qty: Quantity::ONE,
            available,
        },
        CreatorId::new(),
        Some(drop),
        Utc::now(),
    )
}

#[tokio::test]
async fn a_sixth_stream_of_a_user_is_429_and_a_full_node_503_with_retry_after() {
    let (state, base) = server(HubConfig {
        max_streams: 6,
        ..HubConfig::default()
    })
    .await;
    let http = reqwest::Client::new();
    let me = register_user(&state).await;
    let mut open = Vec::new();
    for _ in 0..5 {
        open.push(Reader::open(&events_url(&base, &state, me).await).await);
    }
    let sixth = send(http.get(events_url(&base, &state, me).await)).await;
    assert_eq!((sixth.status, sixth.code()), (429, "too_many_streams"));

    let other = register_user(&state).await;
    open.push(Reader::open(&events_url(&base, &state, other).await).await);
    let full = send(http.get(events_url(&base, &state, other).await)).await;
    assert_eq!((full.status, full.code()), (503, "streams_full"));
    assert_eq!(full.headers["retry-after"], "2");
    assert_eq!(full.content_type, "application/problem+json");

    // A closed stream frees its place.
    drop(open.pop());
    let mut freed = false;
    for _ in 0..100 {
        if state.streams().hub().streams() < 6 {
            freed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(freed, "the dropped stream's slot was not freed");
    Reader::open(&events_url(&base, &state, other).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_cut_off_and_costs_nothing_after() {
    let (state, base) = server(HubConfig {
        queue_frames: 8,
        stuck_for: Duration::from_millis(200),
        ..HubConfig::default()
    })
    .await;
    let me = register_user(&state).await;
    let url = events_url(&base, &state, me).await;
    let path = url.strip_prefix(&base).unwrap().to_owned();
    // A client with a small receive window that sends its request and never reads.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut client = socket
        .connect(base.strip_prefix("http://").unwrap().parse().unwrap())
        .await
        .unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nhost: livedrop\r\n\r\n");
    client.write_all(request.as_bytes()).await.unwrap();
    while state.streams().hub().streams() == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    // News at a pace a reading client keeps up with, until the socket's buffers are
    // full: then the stream's queue fills and stays full.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let mut published = 0;
    while state.streams().hub().streams() > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the stuck stream is still open after {published} events"
        );
        let burst: Vec<Event> = (0..4).map(|n| order(me, DropId::new(), n)).collect();
        state.ports().bus.publish(&burst).await.unwrap();
        published += burst.len();
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // The connection is gone: what the client can still read ends soon, far short of
    // everything published.
    let mut received = Vec::new();
    let read = tokio::time::timeout(PATIENCE, client.read_to_end(&mut received)).await;
    assert!(read.is_ok(), "the connection was not closed");
    let sent = String::from_utf8_lossy(&received)
        .matches("order.confirmed")
        .count();
    assert!(
        sent < 20_000,
        "{sent} events reached a client that never read"
    );
}

#[tokio::test]
async fn a_drops_public_stream_sends_its_state_then_coalesced_stock() {
    let (state, base) = server(HubConfig::default()).await;
    let http = reqwest::Client::new();
    let (_owner, drop) = seed_drop(
        &state,
        window_from(Utc::now() + TimeDelta::hours(1)),
        StockPlan::new(200, 10, None).unwrap(),
    )
    .await;
    let mut stream = Reader::connect(&format!("{base}/api/drops/{}/events", drop.id), None).await;
    let now = stream.next(PATIENCE).await.unwrap();
    assert_eq!(now.event, "stock");
    assert_eq!(now.json()["available"], 200);
    assert_eq!(now.json()["status"], "scheduled");

    // 200 orders over about a second: at most ten updates a second reach the stream.
    let started = tokio::time::Instant::now();
    for available in (0..200).rev() {
        state
            .ports()
            .bus
            .publish(&[order(UserId::new(), drop.id, available)])
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let updates = stream.drain(Duration::from_millis(500)).await;
    let elapsed = started.elapsed().as_secs_f64();
    assert!(!updates.is_empty());
    assert!(
        (updates.len() as f64) <= elapsed * 10.0 + 2.0,
        "{} updates in {elapsed:.2} s",
        updates.len()
    );
    let last = updates.last().unwrap().json();
    assert_eq!(last["available"], 0, "{last}");
    assert!(last.get("userId").is_none() && last.get("orderId").is_none());

    let unknown = send(http.get(format!("{base}/api/drops/{}/events", DropId::new()))).await;
    assert_eq!((unknown.status, unknown.code()), (404, "not_found"));
    let malformed = send(http.get(format!("{base}/api/drops/not-an-id/events"))).await;
    assert_eq!((malformed.status, malformed.code()), (400, "invalid_id"));
}
