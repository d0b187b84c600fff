//! Orders over real HTTP: idempotent placement, replays, owner-only reads and cancels.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use chrono::{TimeDelta, Utc};
use livedrop_adapters::memory::MemoryBackend;
use livedrop_core::domain::StockPlan;
use livedrop_server::AppState;
use serde_json::json;

use support::{access_token, register_user, seed_drop, send, serve, window_from};

/// A live drop of 5 units (at most 3 per buyer), a server, and a buyer's token.
async fn live_drop() -> (AppState, String, String, livedrop_core::ids::DropId) {
    let state = AppState::new(MemoryBackend::default().ports());
    let (_, drop) = seed_drop(
        &state,
        window_from(Utc::now() - TimeDelta::minutes(1)),
        StockPlan::new(5, 1, Some(3)).unwrap(),
    )
    .await;
    state.scheduler().tick().await.unwrap();
    let buyer = register_user(&state).await;
    let token = access_token(&state, buyer);
    let base = serve(state.clone()).await;
    (state, base, token, drop.id)
}

#[tokio::test]
async fn an_order_is_placed_once_and_its_retry_replays_the_same_answer() {
    let (_, base, token, drop) = live_drop().await;
    let http = reqwest::Client::new();
    let order = || {
        http.post(format!("{base}/orders"))
            .bearer_auth(&token)
            .header("idempotency-key", "order-0001")
            .json(&json!({ "dropId": drop, "qty": 2 }))
    };
    let first = send(order()).await;
    assert_eq!(first.status, 201, "{first:?}");
    assert_eq!(first.content_type, "application/json");
    assert!(first.headers.get("idempotent-replayed").is_none());
    let id = first.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        first.headers["location"].to_str().unwrap(),
        format!("/orders/{id}")
    );

    let retry = send(order()).await;
    assert_eq!((retry.status, &retry.body), (201, &first.body));
    assert_eq!(retry.headers["idempotent-replayed"], "true");

    // One order, two units taken.
    let stock = send(http.get(format!("{base}/drops/{drop}"))).await;
    assert_eq!(stock.body["stock"]["available"], 3, "{stock:?}");
    let mine = send(
        http.get(format!(
            "{base}/users/{}/orders",
            first.body["userId"].as_str().unwrap()
        ))
        .bearer_auth(&token),
    )
    .await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 1, "{mine:?}");

    // The same key for another quantity is refused and takes nothing.
    let reused = send(
        http.post(format!("{base}/orders"))
            .bearer_auth(&token)
            .header("idempotency-key", "order-0001")
            .json(&json!({ "dropId": drop, "qty": 1 })),
    )
    .await;
    assert_eq!(reused.code(), "idempotency_key_reused", "{reused:?}");
    assert!(reused.status >= 400 && reused.status < 500);
    let stock = send(http.get(format!("{base}/drops/{drop}"))).await;
    assert_eq!(stock.body["stock"]["available"], 3);
}

#[tokio::test]
async fn refusals_are_problems_and_are_replayed_too() {
    let (_, base, token, drop) = live_drop().await;
    let http = reqwest::Client::new();
    let over_limit = || {
        http.post(format!("{base}/orders"))
            .bearer_auth(&token)
            .header("idempotency-key", "too-many-1")
            .json(&json!({ "dropId": drop, "qty": 4 }))
    };
    let refused = send(over_limit()).await;
    assert_eq!(refused.content_type, "application/problem+json");
    assert!((400..500).contains(&refused.status), "{refused:?}");
    let again = send(over_limit()).await;
    assert_eq!((again.status, &again.body), (refused.status, &refused.body));
    assert_eq!(again.headers["idempotent-replayed"], "true");
}

#[tokio::test]
async fn only_the_buyer_sees_and_cancels_an_order() {
    let (state, base, token, drop) = live_drop().await;
    let http = reqwest::Client::new();
    let placed = send(
        http.post(format!("{base}/orders"))
            .bearer_auth(&token)
            .header("idempotency-key", "mine-1")
            .json(&json!({ "dropId": drop, "qty": 1 })),
    )
    .await;
    let id = placed.body["id"].as_str().unwrap().to_owned();
    let buyer = placed.body["userId"].as_str().unwrap().to_owned();
    let other = access_token(&state, register_user(&state).await);

    for (path, method) in [
        (format!("/orders/{id}"), "GET"),
        (format!("/orders/{id}/cancel"), "POST"),
        (format!("/users/{buyer}/orders"), "GET"),
    ] {
        let request = match method {
            "GET" => http.get(format!("{base}{path}")),
            _ => http.post(format!("{base}{path}")),
        };
        let answer = send(request.bearer_auth(&other)).await;
        assert_eq!((answer.status, answer.code()), (404, "not_found"), "{path}");
        let anonymous = send(match method {
            "GET" => http.get(format!("{base}{path}")),
            _ => http.post(format!("{base}{path}")),
        })
        .await;
        assert_eq!(anonymous.status, 401, "{path}");
        assert_eq!(anonymous.headers["www-authenticate"], "Bearer");
    }

    let mine = send(http.get(format!("{base}/orders/{id}")).bearer_auth(&token)).await;
    assert_eq!((mine.status, &mine.body["id"]), (200, &placed.body["id"]));
    let cancelled = send(
        http.post(format!("{base}/orders/{id}/cancel"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(cancelled.status, 200, "{cancelled:?}");
    assert_eq!(cancelled.body["changed"], true);
    let again = send(
        http.post(format!("{base}/orders/{id}/cancel"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(again.body["changed"], false);
    let stock = send(http.get(format!("{base}/drops/{drop}"))).await;
    assert_eq!(stock.body["stock"]["available"], 5);
}
