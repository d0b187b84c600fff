//! A shutdown lets the orders in flight finish: the server stops accepting, answers what
//! it is working on, then returns.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{TimeDelta, Utc};
use livedrop_adapters::memory::MemoryBackend;
use livedrop_core::Result;
use livedrop_core::domain::{IdempotencyKey, StockPlan};
use livedrop_core::ids::UserId;
use livedrop_core::ports::{
    Begin, Fingerprint, IdempotencyRecord, IdempotencyStore, OrderAnswer, Ports,
};
use livedrop_server::AppState;
use serde_json::json;

use support::{access_token, register_user, seed_drop, send, window_from};

/// Holds every order in flight for a while after the ledger has taken it, and says when
/// one got there.
#[derive(Debug)]
struct SlowToComplete(Arc<dyn IdempotencyStore>, Arc<tokio::sync::Notify>);

#[async_trait]
impl IdempotencyStore for SlowToComplete {
    async fn begin(
        &self,
        user: UserId,
        key: &IdempotencyKey,
        fingerprint: &Fingerprint,
    ) -> Result<Begin> {
        self.0.begin(user, key, fingerprint).await
    }
    async fn complete(
        &self,
        user: UserId,
        key: &IdempotencyKey,
        fingerprint: &Fingerprint,
        answer: &OrderAnswer,
    ) -> Result<()> {
        self.1.notify_one();
        tokio::time::sleep(Duration::from_millis(500)).await;
        self.0.complete(user, key, fingerprint, answer).await
    }
    async fn abandon(
        &self,
        user: UserId,
        key: &IdempotencyKey,
        fingerprint: &Fingerprint,
    ) -> Result<()> {
        self.0.abandon(user, key, fingerprint).await
    }
    async fn lookup(
        &self,
        user: UserId,
        key: &IdempotencyKey,
    ) -> Result<Option<IdempotencyRecord>> {
        self.0.lookup(user, key).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_orders_in_flight() {
    let ports = MemoryBackend::default().ports();
    let inside = Arc::new(tokio::sync::Notify::new());
    let ports = Ports {
        idempotency: Arc::new(SlowToComplete(ports.idempotency.clone(), inside.clone())),
        ..ports
    };
    let state = AppState::new(ports);
    let (_, drop) = seed_drop(
        &state,
        window_from(Utc::now() - TimeDelta::minutes(1)),
        StockPlan::new(5, 1, None).unwrap(),
    )
    .await;
    state.scheduler().tick().await.unwrap();
    let token = access_token(&state, register_user(&state).await);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(livedrop_server::run(listener, state.clone(), async {
        let _ = stopped.await;
    }));

    let order = tokio::spawn(send(
        reqwest::Client::new()
            .post(format!("{base}/orders"))
            .bearer_auth(&token)
            .header("idempotency-key", "in-flight-1")
            .json(&json!({ "dropId": drop.id, "qty": 1 })),
    ));
    // Once the order is inside the slow store, shut down under it. (A fixed sleep here
    // raced the request on a busy machine: the shutdown came before the server had the
    // request, and the connection was closed unanswered.)
    tokio::time::timeout(Duration::from_secs(10), inside.notified())
        .await
        .expect("the order reached the store");
    stop.send(()).unwrap();

    let answer = order.await.unwrap();
    assert_eq!(answer.status, 201, "{answer:?}");
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server returns once the order is answered")
        .unwrap()
        .unwrap();
    assert!(
        reqwest::get(format!("{base}/healthz")).await.is_err(),
        "no longer accepting"
    );
    assert_eq!(
        state.ports().ledger.stock(drop.id).await.unwrap().available,
        4
    );
}
