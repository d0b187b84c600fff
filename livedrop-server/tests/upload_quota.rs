//! Image upload URLs come from a quota per user (each may store an image): past it, `429
//! quota_exceeded` with `Retry-After`, for that user only, and nothing is signed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use livedrop_adapters::memory::{MemoryBackend, MemoryConfig};
use livedrop_core::domain::StockPlan;
use livedrop_core::ports::{BucketPolicy, RateLimits};
use livedrop_server::AppState;
use serde_json::json;

use support::{access_token, seed_drop, send, serve, window_from};

#[tokio::test]
async fn upload_urls_stop_at_the_users_quota_and_say_when_to_come_back() {
    let ports = MemoryBackend::new(MemoryConfig {
        rate_limits: RateLimits {
            upload: BucketPolicy {
                capacity: 3,
                refill_every: Duration::from_secs(600),
            },
            ..RateLimits::default()
        },
        ..MemoryConfig::default()
    })
    .ports();
    // The quota holds with the HTTP rate limits off, as in a load test.
    let state = AppState::builder(ports).without_rate_limits().build();
    let window = window_from(Utc::now() + TimeDelta::hours(1));
    let (owner, drop) = seed_drop(&state, window, StockPlan::new(10, 1, None).unwrap()).await;
    let (other_owner, other_drop) =
        seed_drop(&state, window, StockPlan::new(10, 1, None).unwrap()).await;
    let base = serve(state.clone()).await;
    let http = reqwest::Client::new();
    let ask = |user, product| {
        http.post(format!("{base}/api/products/{product}/images"))
            .bearer_auth(access_token(&state, user))
            .json(&json!({ "contentType": "image/png" }))
    };

    for n in 0..3 {
        let signed = send(ask(owner, drop.product_id)).await;
        assert_eq!(signed.status, 201, "URL {n}: {signed:?}");
    }
    let refused = send(ask(owner, drop.product_id)).await;
    assert_eq!(
        (refused.status, refused.code()),
        (429, "quota_exceeded"),
        "{refused:?}"
    );
    let retry_after: u64 = refused.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=600).contains(&retry_after),
        "Retry-After {retry_after}"
    );
    assert!(
        refused.body.get("url").is_none(),
        "nothing signed: {refused:?}"
    );

    // Another user's quota is their own; a refusal for not owning spends nothing.
    let not_theirs = send(ask(other_owner, drop.product_id)).await;
    assert_eq!(not_theirs.status, 403, "{not_theirs:?}");
    for n in 0..3 {
        let signed = send(ask(other_owner, other_drop.product_id)).await;
        assert_eq!(signed.status, 201, "the other owner's URL {n}: {signed:?}");
    }
}
