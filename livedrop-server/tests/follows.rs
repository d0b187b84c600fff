//! The public follow reads over real HTTP: a creator's followers page by page, the follow
//! check, and their bad inputs as problems.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::HashSet;

use chrono::{TimeDelta, Utc};
use livedrop_adapters::memory::{MemoryBackend, MemoryConfig};
use livedrop_core::domain::{Follow, StockPlan};
use livedrop_core::ids::{CreatorId, UserId};
use livedrop_core::pagination::Page;
use livedrop_core::wire::Problem;
use livedrop_server::AppState;
use reqwest::StatusCode;

use support::{get_json, register_user, seed_drop, serve, window_from};

#[tokio::test]
async fn followers_page_by_page_and_the_check_agrees() {
    let state = AppState::new(MemoryBackend::new(MemoryConfig::default()).ports());
    let plan = StockPlan::new(1, 0, None).unwrap();
    let (_, drop) = seed_drop(&state, window_from(Utc::now() + TimeDelta::hours(1)), plan).await;
    let creator = drop.creator_id;
    let mut fans = HashSet::new();
    for _ in 0..3 {
        let fan = register_user(&state).await;
        state.follows().follow(fan, creator).await.unwrap();
        fans.insert(fan);
    }
    let stranger = register_user(&state).await;
    let base = serve(state).await;

    let url = format!("{base}/creators/{creator}/followers");
    let first: Page<Follow> = get_json(&format!("{url}?limit=2")).await;
    let cursor = first.next_cursor.expect("a second page").encode();
    let second: Page<Follow> = get_json(&format!("{url}?limit=2&cursor={cursor}")).await;
    assert!(second.next_cursor.is_none());
    let listed: HashSet<UserId> = first
        .items
        .iter()
        .chain(&second.items)
        .map(|f| f.user_id)
        .collect();
    assert_eq!(listed, fans, "every follower once");

    let check = |user: UserId| format!("{base}/follow/check?userId={user}&creatorId={creator}");
    let fan = *fans.iter().next().unwrap();
    let yes: serde_json::Value = get_json(&check(fan)).await;
    assert_eq!(yes["following"], true);
    let no: serde_json::Value = get_json(&check(stranger)).await;
    assert_eq!(no["following"], false);
}

#[tokio::test]
async fn unknown_creators_and_bad_parameters_are_problems() {
    let base = serve(AppState::new(
        MemoryBackend::new(MemoryConfig::default()).ports(),
    ))
    .await;
    let (user, creator) = (UserId::new(), CreatorId::new());
    let cases = [
        (format!("/creators/{creator}/followers"), 404, "not_found"),
        ("/creators/nope/followers".to_owned(), 400, "invalid_id"),
        (
            format!("/creators/{creator}/followers?limit=0"),
            400,
            "invalid_limit",
        ),
        (format!("/follow/check?userId={user}"), 400, "invalid_query"),
        (
            format!("/follow/check?userId=x&creatorId={creator}"),
            400,
            "invalid_id",
        ),
    ];
    for (path, status, code) in cases {
        let response = reqwest::get(format!("{base}{path}")).await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::from_u16(status).unwrap(),
            "{path}"
        );
        let problem: Problem = response.json().await.unwrap();
        assert_eq!(problem.code, code, "{path}");
    }
}
