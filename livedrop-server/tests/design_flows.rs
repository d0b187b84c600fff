//! The design's example flows, end to end over real HTTP with the server's background
//! loops running: users register and log in; one becomes a creator, adds a product,
//! uploads its image through a signed URL, schedules drops; a buyer follows the creator and opens the event stream; the
//! scheduler makes the drops live and the stream says so; the buyer orders with an
//! Idempotency-Key and the retry replays; the stream confirms the order; live drops are
//! browsed page by page.
//!
//! Runs on the memory backend and, with features `postgres`, `redis` and `kafka`, on
//! PostgreSQL + Redis + a Kafka broker (`LIVEDROP_TEST_*`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(all(feature = "postgres", feature = "redis", feature = "kafka"))]
#[path = "../../livedrop-adapters/tests/support/mod.rs"]
mod backends;
mod support;

use std::collections::HashSet;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use livedrop_adapters::memory::MemoryBackend;
use std::sync::Arc;

use livedrop_adapters::media::{LocalMedia, UploadSigner};
use livedrop_core::ports::Ports;
use livedrop_server::AppState;
use livedrop_server::auth::Passwords;
use livedrop_server::background::{Background, BackgroundConfig};
use serde_json::{Value, json};

use support::inbox::Inbox;
use support::over_http::{created, post_as, sign_up, wait_until_live};
use support::sse::Reader;
use support::{send, serve_on};

const EXTRA_DROPS: usize = 4;
const PATIENCE: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_walks_the_design_flows() {
    walk_the_design_flows(MemoryBackend::default().ports()).await;
}

#[cfg(all(feature = "postgres", feature = "redis", feature = "kafka"))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_redis_kafka_walk_the_design_flows() {
    use livedrop_adapters::postgres::LedgerMode;
    let Some(pg) = backends::postgres::backend(LedgerMode::default()).await else {
        return;
    };
    let Some(redis) = backends::redis::backend().await else {
        return;
    };
    let Some(bus) = backends::kafka::bus().await else {
        return;
    };
    let ports = redis.ports(Ports {
        bus: Arc::new(bus),
        ..pg.ports(backends::postgres::base())
    });
    walk_the_design_flows(ports).await;
}

async fn walk_the_design_flows(ports: Ports) {
    // Uploads go to this server's own /media routes, so the media store signs its URLs.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let media = Arc::new(LocalMedia::in_memory(&base, UploadSigner::random()));
    let state = AppState::builder(media.ports(ports))
        .passwords(Passwords::for_tests())
        .build();
    let background = Background::spawn(
        &state,
        BackgroundConfig {
            scheduler_every: Duration::from_millis(50),
            ..BackgroundConfig::default()
        },
    );
    let inbox = Inbox::Memory(state.mailbox().unwrap().clone());
    serve_on(listener, state.clone());
    let http = reqwest::Client::new();
    let post = |path: &str, token: &str, body: Value| post_as(&http, &base, path, token, body);

    // A user becomes a creator, adds a product and uploads its image.
    let owner = sign_up(&http, &base, &inbox, "maker").await;
    let handle = format!("maker{}", &owner.id[28..]);
    let creator = created(
        send(post(
            "/api/creators",
            &owner.token,
            json!({ "displayName": "The Maker", "handle": handle }),
        ))
        .await,
    );
    let product = created(
        send(post(
            "/products",
            &owner.token,
            json!({
                "creatorId": creator["id"], "title": "Limited Sneaker",
                "description": "One run only", "priceCents": 12000, "currencyCode": "EUR"
            }),
        ))
        .await,
    );
    let upload = created(
        send(post(
            &format!("/api/products/{}/images", product["id"].as_str().unwrap()),
            &owner.token,
            json!({ "contentType": "image/png" }),
        ))
        .await,
    );
    assert_eq!(upload["method"], "PUT");
    let image = b"\x89PNG\r\n\x1a\n a sneaker".to_vec();
    let put = send(
        http.put(upload["url"].as_str().unwrap())
            .header("content-type", "image/png")
            .body(image.clone()),
    )
    .await;
    assert_eq!(put.status, 201, "{put:?}");
    let served = http
        .get(upload["publicUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert!(
        served.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert_eq!(served.bytes().await.unwrap(), image);

    // Drops that start in a moment: the one the buyer orders from, and more to page through.
    let start = Utc::now() + TimeDelta::milliseconds(1500);
    let mut drops = Vec::new();
    for _ in 0..=EXTRA_DROPS {
        let drop = created(
            send(post(
                "/drops",
                &owner.token,
                json!({
                    "productId": product["id"], "startAt": start,
                    "endAt": start + TimeDelta::hours(1),
                    "initialStock": 10, "lowStockThreshold": 2
                }),
            ))
            .await,
        );
        drops.push(drop["id"].as_str().unwrap().to_owned());
    }
    let drop = drops[0].clone();

    // A buyer follows the creator and opens the event stream.
    let buyer = sign_up(&http, &base, &inbox, "buyer").await;
    let follow = send(post(
        "/follow",
        &buyer.token,
        json!({ "creatorId": creator["id"] }),
    ))
    .await;
    assert_eq!(
        (follow.status, &follow.body["following"]),
        (200, &json!(true))
    );
    let realtime = send(
        http.get(format!("{base}/api/realtime/token"))
            .bearer_auth(&buyer.token),
    )
    .await;
    assert_eq!(realtime.status, 200, "{realtime:?}");
    let mut stream = Reader::open(&format!(
        "{base}/api/realtime/events?token={}",
        realtime.body["token"].as_str().unwrap()
    ))
    .await;

    // The scheduler makes the drops live; the stream tells the follower.
    let started = stream.until("drop.started", PATIENCE).await;
    let started = started.last().unwrap().json();
    assert!(
        drops.contains(&started["dropId"].as_str().unwrap().to_owned()),
        "{started}"
    );

    // The buyer orders; the retry with the same key replays the same order.
    let order = || {
        post("/orders", &buyer.token, json!({ "dropId": drop, "qty": 1 }))
            .header("idempotency-key", "flow-order-1")
    };
    // Drops start one by one: the one bought from may flip a moment after the first.
    // (Not retried by ordering: a "not live" refusal is stored under the key like any
    // answer, so the retry would replay it.)
    wait_until_live(&http, &base, &drop).await;
    let placed = send(order()).await;
    assert_eq!(placed.status, 201, "{placed:?}");
    let replay = send(order()).await;
    assert_eq!((replay.status, &replay.body), (201, &placed.body));
    assert_eq!(replay.headers["idempotent-replayed"], "true");
    let confirmed = stream.until("order.confirmed", PATIENCE).await;
    let confirmed = confirmed.last().unwrap().json();
    assert_eq!(
        confirmed["payload"]["orderId"], placed.body["id"],
        "{confirmed}"
    );

    // Live drops, page by page (two per page), until every drop of the flow is seen once.
    let mut seen: HashSet<String> = HashSet::new();
    for attempt in 0.. {
        seen.clear();
        let mut url = format!("{base}/browse/drops?status=live&limit=2");
        loop {
            let page = send(http.get(&url)).await;
            assert_eq!(page.status, 200, "{page:?}");
            for item in page.body["items"].as_array().unwrap() {
                let id = item["id"].as_str().unwrap().to_owned();
                assert!(seen.insert(id.clone()), "{id} listed twice");
            }
            match page.body["nextCursor"].as_str() {
                Some(cursor) => {
                    url = format!("{base}/browse/drops?status=live&limit=2&cursor={cursor}")
                }
                None => break,
            }
        }
        if drops.iter().all(|d| seen.contains(d)) {
            break;
        }
        assert!(
            attempt < 100,
            "live drops never listed every drop: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    background.stop().await;
}
