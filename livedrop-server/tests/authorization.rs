//! Who may do what: only a creator's owner manages its products, drops and images; only a
//! user reads their own orders, follows and notifications.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use chrono::{TimeDelta, Utc};
use livedrop_adapters::memory::MemoryBackend;
use livedrop_core::domain::StockPlan;
use livedrop_server::AppState;
use serde_json::json;

use support::{access_token, register_user, seed_drop, send, serve, window_from};

#[tokio::test]
async fn only_a_creators_owner_manages_its_catalog() {
    let state = AppState::new(MemoryBackend::default().ports());
    let (owner, drop) = seed_drop(
        &state,
        window_from(Utc::now() + TimeDelta::hours(1)),
        StockPlan::new(10, 2, None).unwrap(),
    )
    .await;
    let intruder = access_token(&state, register_user(&state).await);
    let owner = access_token(&state, owner);
    let base = serve(state.clone()).await;
    let http = reqwest::Client::new();
    let product = json!({
        "creatorId": drop.creator_id, "title": "Knock-off", "description": "",
        "priceCents": 100, "currencyCode": "EUR"
    });
    let new_drop = json!({
        "productId": drop.product_id, "startAt": "2030-01-01T00:00:00Z",
        "endAt": "2030-01-02T00:00:00Z", "initialStock": 5, "lowStockThreshold": 1
    });
    let image = json!({ "contentType": "image/png" });
    let writes = [
        ("/products".to_owned(), product.clone()),
        ("/drops".to_owned(), new_drop.clone()),
        (
            format!("/api/products/{}/images", drop.product_id),
            image.clone(),
        ),
    ];
    for (path, body) in &writes {
        let refused = send(
            http.post(format!("{base}{path}"))
                .bearer_auth(&intruder)
                .json(body),
        )
        .await;
        assert_eq!(
            (refused.status, refused.code()),
            (403, "forbidden"),
            "{path}"
        );
        let anonymous = send(http.post(format!("{base}{path}")).json(body)).await;
        assert_eq!(
            (anonymous.status, anonymous.code()),
            (401, "unauthorized"),
            "{path}"
        );
    }
    // Nothing was added; the owner's own writes go through.
    let products = state
        .browse()
        .products_of(drop.creator_id, Default::default())
        .await
        .unwrap();
    assert_eq!(products.items.len(), 1);
    for (path, body) in &writes {
        let made = send(
            http.post(format!("{base}{path}"))
                .bearer_auth(&owner)
                .json(body),
        )
        .await;
        assert_eq!(made.status, 201, "{path}: {made:?}");
    }
}

#[tokio::test]
async fn follows_are_private_to_the_follower_and_the_creators_owner() {
    let state = AppState::new(MemoryBackend::default().ports());
    let (owner, drop) = seed_drop(
        &state,
        window_from(Utc::now() + TimeDelta::hours(1)),
        StockPlan::new(10, 2, None).unwrap(),
    )
    .await;
    let owner_token = access_token(&state, owner);
    let fan = register_user(&state).await;
    let fan_token = access_token(&state, fan);
    let other = access_token(&state, register_user(&state).await);
    let base = serve(state.clone()).await;
    let http = reqwest::Client::new();
    let creator = drop.creator_id;

    let followed = send(
        http.post(format!("{base}/follow"))
            .bearer_auth(&fan_token)
            .json(&json!({ "creatorId": creator })),
    )
    .await;
    assert_eq!(followed.body["followerCount"], 1, "{followed:?}");

    // The creator's owner sees its followers; nobody else does.
    let followers = format!("{base}/creators/{creator}/followers");
    let seen = send(http.get(&followers).bearer_auth(&owner_token)).await;
    assert_eq!(seen.body["items"][0]["userId"], fan.to_string(), "{seen:?}");
    for token in [&fan_token, &other] {
        let refused = send(http.get(&followers).bearer_auth(token)).await;
        assert_eq!((refused.status, refused.code()), (403, "forbidden"));
    }
    assert_eq!(send(http.get(&followers)).await.status, 401);

    // The fan sees whom they follow; nobody else does.
    let following = format!("{base}/users/{fan}/following");
    let own = send(http.get(&following).bearer_auth(&fan_token)).await;
    assert_eq!(
        own.body["items"][0]["creatorId"],
        creator.to_string(),
        "{own:?}"
    );
    for token in [&owner_token, &other] {
        let snooped = send(http.get(&following).bearer_auth(token)).await;
        assert_eq!((snooped.status, snooped.code()), (404, "not_found"));
    }

    // The check is for the fan and the creator's owner.
    let check = format!("{base}/follow/check?userId={fan}&creatorId={creator}");
    for token in [&fan_token, &owner_token] {
        let answer = send(http.get(&check).bearer_auth(token)).await;
        assert_eq!(answer.body["following"], true, "{answer:?}");
    }
    let refused = send(http.get(&check).bearer_auth(&other)).await;
    assert_eq!((refused.status, refused.code()), (403, "forbidden"));
    assert_eq!(send(http.get(&check)).await.status, 401);

    let unfollowed = send(
        http.delete(format!("{base}/follow/{creator}"))
            .bearer_auth(&fan_token),
    )
    .await;
    assert_eq!(
        (&unfollowed.body["changed"], &unfollowed.body["following"]),
        (&json!(true), &json!(false))
    );
    let inbox = send(
        http.get(format!("{base}/api/notifications"))
            .bearer_auth(&fan_token),
    )
    .await;
    assert_eq!(inbox.status, 200);
    assert!(inbox.body["items"].as_array().unwrap().is_empty());
}
