//! The server over real HTTP: started in-process with [`livedrop_server::run`] on
//! `127.0.0.1:0` with the in-memory backend, seeded through the core services on the same
//! ports, and called with `livedrop-client` (or raw `reqwest` where the test is about the
//! bytes on the wire).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use chrono::{TimeDelta, Utc};
use livedrop_adapters::memory::{MemoryBackend, MemoryConfig};
use livedrop_client::{Client, ClientError, StatusCode};
use livedrop_core::domain::{DropStatus, IdempotencyKey, Quantity, StockPlan};
use livedrop_core::ids::DropId;
use livedrop_core::ports::{BucketPolicy, RateLimits};
use livedrop_core::wire::{DropView, PROBLEM_JSON, Problem};
use livedrop_server::background::{Background, BackgroundConfig};
use livedrop_server::readiness::ReadinessProbe;
use livedrop_server::{AppState, run};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use support::{seed_drop, window_from};

/// A server running on a free port, and how to reach and stop it.
struct TestServer {
    state: AppState,
    base_url: String,
    client: Client,
    stop: oneshot::Sender<()>,
    served: JoinHandle<std::io::Result<()>>,
}

impl TestServer {
    /// A server over a fresh in-memory backend.
    async fn start() -> Self {
        let backend = MemoryBackend::new(MemoryConfig::default());
        Self::start_with(AppState::new(backend.ports())).await
    }

    async fn start_with(state: AppState) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let served = tokio::spawn(run(listener, state.clone(), async {
            let _ = stopped.await;
        }));
        let client = Client::builder().base_url(&base_url).build().unwrap();
        Self {
            state,
            base_url,
            client,
            stop,
            served,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Sends the shutdown signal and waits for `run` to return.
    async fn shutdown(self) -> std::io::Result<()> {
        self.stop.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(5), self.served)
            .await
            .expect("run did not return within 5 s of the shutdown signal")
            .unwrap()
    }
}

fn problem_of(error: ClientError) -> (StatusCode, Problem) {
    match error {
        ClientError::Api {
            status, problem, ..
        } => (status, *problem),
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn get_drop_returns_the_drop_and_its_live_stock() {
    let server = TestServer::start().await;
    let plan = StockPlan::new(10, 2, Some(5)).unwrap();
    let (buyer, drop) = seed_drop(
        &server.state,
        window_from(Utc::now() - TimeDelta::minutes(1)),
        plan,
    )
    .await;
    let receipt = server
        .state
        .orders()
        .place_order(
            buyer,
            IdempotencyKey::try_from("order-1").unwrap(),
            drop.id,
            Quantity::try_from(3).unwrap(),
        )
        .await
        .unwrap();
    assert!(
        receipt.outcome.is_ok(),
        "order refused: {:?}",
        receipt.outcome
    );

    let view = server.client.drops().get(drop.id).await.unwrap();

    assert_eq!(view.drop.id, drop.id);
    assert_eq!(view.drop.product_id, drop.product_id);
    assert_eq!(view.drop.window, drop.window);
    assert_eq!(view.drop.plan, plan);
    assert_eq!(view.drop.status, DropStatus::Live);
    assert_eq!(view.stock.drop_id, drop.id);
    assert_eq!(view.stock.available, 7);
    assert_eq!(view.stock.status, DropStatus::Live);
    assert_eq!(
        view.stock,
        server.state.ports().ledger.stock(drop.id).await.unwrap()
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn get_drop_body_is_camel_case_json() {
    let server = TestServer::start().await;
    let plan = StockPlan::new(5, 1, None).unwrap();
    let (_, drop) = seed_drop(
        &server.state,
        window_from(Utc::now() + TimeDelta::hours(1)),
        plan,
    )
    .await;
    let response = reqwest::get(server.url(&format!("/drops/{}", drop.id)))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: serde_json::Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(body["drop"]["id"], drop.id.to_string());
    assert_eq!(body["drop"]["initialStock"], 5);
    assert_eq!(body["drop"]["status"], "scheduled");
    assert_eq!(body["stock"]["available"], 5);
    assert!(body["stock"]["updatedAt"].is_string());
    let view: DropView = serde_json::from_value(body).unwrap();
    assert_eq!(view.drop, drop);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn unknown_drop_is_404_not_found() {
    let server = TestServer::start().await;
    let error = server.client.drops().get(DropId::new()).await.unwrap_err();
    let (status, problem) = problem_of(error);
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!((problem.status, problem.code.as_str()), (404, "not_found"));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn malformed_drop_id_is_400_invalid_id() {
    let server = TestServer::start().await;
    for bad in ["not-a-uuid", "123", "%FF%FE"] {
        let error = server
            .client
            .get::<DropView>(&format!("/drops/{bad}"))
            .await
            .unwrap_err();
        let (status, problem) = problem_of(error);
        assert_eq!(status, StatusCode::BAD_REQUEST, "for {bad:?}");
        assert_eq!(problem.code, "invalid_id", "for {bad:?}");
        assert_eq!(problem.type_uri, "/problems/invalid_id");
    }
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn unknown_path_is_404_problem_json() {
    let server = TestServer::start().await;
    let response = reqwest::get(server.url("/no/such/path")).await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(response.headers()["content-type"], PROBLEM_JSON);
    let problem: Problem = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!((problem.status, problem.code.as_str()), (404, "not_found"));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn wrong_method_is_405_problem_json_with_allow() {
    let server = TestServer::start().await;
    let http = reqwest::Client::new();
    for (method, path) in [
        (reqwest::Method::POST, format!("/drops/{}", DropId::new())),
        (reqwest::Method::DELETE, "/healthz".to_owned()),
    ] {
        let response = http
            .request(method.clone(), server.url(&path))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        assert_eq!(response.headers()["content-type"], PROBLEM_JSON);
        let allow = response.headers()["allow"].to_str().unwrap().to_owned();
        assert!(allow.contains("GET"), "Allow: {allow}");
        let problem: Problem = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
        assert_eq!(
            (problem.status, problem.code.as_str()),
            (405, "method_not_allowed")
        );
    }
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn healthz_and_readyz_answer_200_on_memory() {
    let server = TestServer::start().await;
    server.client.health().await.unwrap();
    let health: serde_json::Value = server.client.get("/healthz").await.unwrap();
    assert_eq!(health["status"], "ok");
    let ready: serde_json::Value = server.client.get("/readyz").await.unwrap();
    assert_eq!(ready["status"], "ready");
    server.shutdown().await.unwrap();
}

/// A backend that never answers.
#[derive(Debug)]
struct Down;

#[async_trait]
impl ReadinessProbe for Down {
    fn name(&self) -> &'static str {
        "postgres"
    }

    async fn check(&self) -> livedrop_core::Result<()> {
        Err(livedrop_core::Error::unavailable(
            "postgres",
            "connection refused to 10.0.0.7",
        ))
    }
}

#[tokio::test]
async fn readyz_is_503_naming_the_unreachable_backend_without_its_error() {
    let backend = MemoryBackend::new(MemoryConfig::default());
    let state = AppState::builder(backend.ports())
        .probe(Arc::new(Down))
        .build();
    let server = TestServer::start_with(state).await;
    let response = reqwest::get(server.url("/readyz")).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["content-type"], PROBLEM_JSON);
    let body = response.text().await.unwrap();
    assert!(!body.contains("10.0.0.7"), "5xx body leaks detail: {body}");
    let problem: Problem = serde_json::from_str(&body).unwrap();
    assert_eq!(problem.code, "not_ready");
    assert_eq!(problem.extensions["backends"][0]["name"], "postgres");
    assert_eq!(problem.extensions["backends"][0]["ready"], false);
    // Liveness does not depend on the backends.
    server.client.health().await.unwrap();
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn run_returns_after_the_shutdown_signal_and_the_port_closes() {
    let server = TestServer::start().await;
    server.client.health().await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        !server.served.is_finished(),
        "run returned before the shutdown signal"
    );
    let client = server.client.clone();
    server.shutdown().await.unwrap();
    let error = client.health().await.unwrap_err();
    assert!(matches!(error, ClientError::Transport(_)), "got {error:?}");
}

#[tokio::test]
async fn the_background_scheduler_starts_a_due_drop() {
    let server = TestServer::start().await;
    let plan = StockPlan::new(3, 0, None).unwrap();
    let start = Utc::now() + TimeDelta::milliseconds(200);
    let (_, drop) = seed_drop(&server.state, window_from(start), plan).await;
    assert_eq!(
        server
            .client
            .drops()
            .get(drop.id)
            .await
            .unwrap()
            .drop
            .status,
        DropStatus::Scheduled
    );

    let background = Background::spawn(
        &server.state,
        BackgroundConfig {
            scheduler_every: Duration::from_millis(20),
            ..BackgroundConfig::default()
        },
    );
    let live = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let view = server.client.drops().get(drop.id).await.unwrap();
            if view.drop.status == DropStatus::Live {
                return view;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the scheduler did not start the drop within 5 s");
    assert_eq!(live.stock.status, DropStatus::Live);
    assert!(Utc::now() >= start);

    tokio::time::timeout(Duration::from_secs(5), background.stop())
        .await
        .expect("background loops did not stop within 5 s");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn metrics_report_the_outbox_and_consumer_lag() {
    let server = TestServer::start().await;
    let background = Background::spawn(
        &server.state,
        BackgroundConfig {
            lag_every: Duration::from_millis(20),
            ..BackgroundConfig::default()
        },
    );
    let wanted = [
        "livedrop_outbox_pending ",
        "livedrop_outbox_oldest_age_seconds ",
        "livedrop_consumer_lag{group=\"livedrop-notifications\"}",
        "livedrop_consumer_lag{group=\"livedrop-database-updater\"}",
    ];
    let body = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let response = reqwest::get(server.url("/metrics")).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            assert!(
                response.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("text/plain")
            );
            let body = response.text().await.unwrap();
            if wanted.iter().all(|metric| body.contains(metric)) {
                return body;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the lag metrics within 5 s");
    assert!(
        body.contains("# TYPE livedrop_consumer_lag gauge"),
        "{body}"
    );
    background.stop().await;
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_a_callers_id_is_kept() {
    let server = TestServer::start().await;
    let fresh = reqwest::get(server.url("/healthz")).await.unwrap();
    let id = fresh.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "a new UUID: {id}");
    // Errors too, and the caller's own id comes back unchanged.
    let given = reqwest::Client::new()
        .get(server.url("/no/such/path"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(given.status(), StatusCode::NOT_FOUND);
    assert_eq!(given.headers()["x-request-id"], "trace-me-42");
    // An id too long to be one (it would go into every log line) is replaced.
    let long = "x".repeat(129);
    let replaced = reqwest::Client::new()
        .get(server.url("/healthz"))
        .header("x-request-id", &long)
        .send()
        .await
        .unwrap();
    let id = replaced.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "a new UUID, not {id}");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn reads_past_the_limit_are_429_with_retry_after_and_probes_are_never_limited() {
    let backend = MemoryBackend::new(MemoryConfig {
        rate_limits: RateLimits {
            read: BucketPolicy {
                capacity: 3,
                refill_every: Duration::from_secs(60),
            },
            ..RateLimits::default()
        },
        ..MemoryConfig::default()
    });
    let server = TestServer::start_with(AppState::new(backend.ports())).await;
    let drop_url = server.url(&format!("/drops/{}", DropId::new()));
    for (remaining, full_in) in [(2, 60), (1, 120), (0, 180)] {
        let response = reqwest::get(&drop_url).await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::NOT_FOUND,
            "served, not limited"
        );
        // 3 requests, one more every 60 s: a quota of 3 per 180 s.
        assert_eq!(response.headers()["ratelimit-policy"], "\"read\";q=3;w=180");
        assert_eq!(
            response.headers()["ratelimit"],
            format!("\"read\";r={remaining};t={full_in}").as_str()
        );
    }
    let limited = reqwest::get(&drop_url).await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers()["content-type"], PROBLEM_JSON);
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let problem: Problem = limited.json().await.unwrap();
    assert_eq!(problem.code, "rate_limited");
    assert_eq!(problem.extensions["retryAfter"], retry_after);
    for probe in ["/healthz", "/readyz", "/metrics"] {
        let response = reqwest::get(server.url(probe)).await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{probe} is never limited"
        );
    }
    server.shutdown().await.unwrap();
}
