//! `GET /api/creators/{id}`, `/api/products/{id}` and `/api/drops/{id}` over real HTTP:
//! served through the cache (the second read is a hit), 404 and 400 as problems.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use chrono::{TimeDelta, Utc};
use livedrop_adapters::memory::{MemoryBackend, MemoryConfig};
use livedrop_core::domain::{Creator, Drop, Product, StockPlan};
use livedrop_core::ids::CreatorId;
use livedrop_core::wire::{PROBLEM_JSON, Problem};
use livedrop_server::AppState;
use reqwest::StatusCode;

use support::{get_json, seed_drop, serve, window_from};

#[tokio::test]
async fn catalog_reads_come_through_the_cache() {
    let state = AppState::new(MemoryBackend::new(MemoryConfig::default()).ports());
    let plan = StockPlan::new(5, 0, None).unwrap();
    let (_, seeded) = seed_drop(&state, window_from(Utc::now() + TimeDelta::hours(1)), plan).await;
    let base = serve(state.clone()).await;

    let creator_url = format!("{base}/api/creators/{}", seeded.creator_id);
    let product_url = format!("{base}/api/products/{}", seeded.product_id);
    let drop_url = format!("{base}/api/drops/{}", seeded.id);
    let before = state.ports().cache.stats();
    let creator: Creator = get_json(&creator_url).await;
    let product: Product = get_json(&product_url).await;
    let drop: Drop = get_json(&drop_url).await;
    assert_eq!(
        (creator.id, product.id, drop.id),
        (seeded.creator_id, seeded.product_id, seeded.id)
    );
    let filled = state.ports().cache.stats();
    assert_eq!(
        filled.misses - before.misses,
        3,
        "first reads miss and fill"
    );
    let again: Creator = get_json(&creator_url).await;
    let _: Product = get_json(&product_url).await;
    let _: Drop = get_json(&drop_url).await;
    assert_eq!(again, creator);
    let after = state.ports().cache.stats();
    assert_eq!(after.hits - filled.hits, 3, "second reads hit");

    let unknown = reqwest::get(format!("{base}/api/creators/{}", CreatorId::new()))
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(unknown.headers()["content-type"], PROBLEM_JSON);
    let bad = reqwest::get(format!("{base}/api/products/not-an-id"))
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let problem: Problem = bad.json().await.unwrap();
    assert_eq!(problem.code, "invalid_id");
}
