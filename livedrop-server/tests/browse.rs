//! `GET /browse/drops` over real HTTP: paging through live drops, the other statuses, and
//! every bad parameter answered with a problem.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::HashSet;

use chrono::{TimeDelta, Utc};
use livedrop_adapters::memory::{MemoryBackend, MemoryConfig};
use livedrop_core::domain::{Drop, StockPlan};
use livedrop_core::ids::DropId;
use livedrop_core::pagination::Page;
use livedrop_core::wire::{PROBLEM_JSON, Problem};
use livedrop_server::AppState;
use reqwest::StatusCode;

use support::{get_json, seed_drop, serve, window_from};

#[tokio::test]
async fn live_drops_page_by_page_and_other_statuses_apart() {
    let state = AppState::new(MemoryBackend::new(MemoryConfig::default()).ports());
    let plan = StockPlan::new(5, 0, None).unwrap();
    let mut live = HashSet::new();
    for minutes in 1..=3 {
        let start = Utc::now() - TimeDelta::minutes(minutes);
        live.insert(seed_drop(&state, window_from(start), plan).await.1.id);
    }
    let upcoming = seed_drop(&state, window_from(Utc::now() + TimeDelta::hours(1)), plan)
        .await
        .1
        .id;
    // The scheduler makes the due drops live, as the server's background loop would.
    assert_eq!(state.scheduler().tick().await.unwrap().len(), 3);
    let base = serve(state).await;

    let first = get_json::<Page<Drop>>(&format!("{base}/browse/drops?status=live&limit=2")).await;
    assert_eq!(first.items.len(), 2);
    let cursor = first.next_cursor.expect("a second page").encode();
    let second = get_json::<Page<Drop>>(&format!(
        "{base}/browse/drops?status=live&limit=2&cursor={cursor}"
    ))
    .await;
    assert_eq!(second.items.len(), 1);
    assert!(second.next_cursor.is_none(), "the last page");
    let seen: HashSet<DropId> = first
        .items
        .iter()
        .chain(&second.items)
        .map(|d| d.id)
        .collect();
    assert_eq!(seen, live, "every live drop once, and only those");
    let starts: Vec<_> = first
        .items
        .iter()
        .chain(&second.items)
        .map(|d| d.window.start_at())
        .collect();
    assert!(starts.is_sorted(), "soonest start first");

    let scheduled = get_json::<Page<Drop>>(&format!("{base}/browse/drops?status=upcoming")).await;
    assert_eq!(
        scheduled.items.iter().map(|d| d.id).collect::<Vec<_>>(),
        [upcoming]
    );
    let default = get_json::<Page<Drop>>(&format!("{base}/browse/drops")).await;
    assert_eq!(default.items.len(), 3, "live by default");
}

#[tokio::test]
async fn bad_parameters_are_400_problems_with_their_own_code() {
    let base = serve(AppState::new(
        MemoryBackend::new(MemoryConfig::default()).ports(),
    ))
    .await;
    let cases = [
        ("status=someday", "invalid_status"),
        ("cursor=not-a-cursor", "invalid_cursor"),
        ("cursor=", "invalid_cursor"),
        ("limit=0", "invalid_limit"),
        ("limit=101", "invalid_limit"),
        ("limit=ten", "invalid_limit"),
        ("limit=-1", "invalid_limit"),
    ];
    for (query, code) in cases {
        let response = reqwest::get(format!("{base}/browse/drops?{query}"))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(response.headers()["content-type"], PROBLEM_JSON, "{query}");
        let problem: Problem = response.json().await.unwrap();
        assert_eq!(problem.code, code, "{query}");
    }
}
