//! The follow reads over real HTTP: a creator's followers page by page (for its owner),
//! the follow check, and their bad inputs as problems.
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

use support::{access_token, register_user, seed_drop, send, serve, window_from};

#[tokio::test]
async fn followers_page_by_page_and_the_check_agrees() {
    let state = AppState::new(MemoryBackend::new(MemoryConfig::default()).ports());
    let plan = StockPlan::new(1, 0, None).unwrap();
    let (owner, drop) =
        seed_drop(&state, window_from(Utc::now() + TimeDelta::hours(1)), plan).await;
    let token = access_token(&state, owner);
    let creator = drop.creator_id;
    let mut fans = HashSet::new();
    for _ in 0..3 {
        let fan = register_user(&state).await;
        state.follows().follow(fan, creator).await.unwrap();
        fans.insert(fan);
    }
    let stranger = register_user(&state).await;
    let base = serve(state).await;
    let http = reqwest::Client::new();
    let get = |url: String| {
        let request = http.get(url).bearer_auth(&token);
        async move {
            let answer = send(request).await;
            assert_eq!(answer.status, 200, "{answer:?}");
            answer.body
        }
    };

    let url = format!("{base}/creators/{creator}/followers");
    let first: Page<Follow> = serde_json::from_value(get(format!("{url}?limit=2")).await).unwrap();
    let cursor = first.next_cursor.expect("a second page").encode();
    let second: Page<Follow> =
        serde_json::from_value(get(format!("{url}?limit=2&cursor={cursor}")).await).unwrap();
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
    assert_eq!(get(check(fan)).await["following"], true);
    assert_eq!(get(check(stranger)).await["following"], false);
}

#[tokio::test]
async fn unknown_creators_and_bad_parameters_are_problems() {
    let state = AppState::new(MemoryBackend::new(MemoryConfig::default()).ports());
    let user = register_user(&state).await;
    let token = access_token(&state, user);
    let base = serve(state).await;
    let creator = CreatorId::new();
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
        let response = reqwest::Client::new()
            .get(format!("{base}{path}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::from_u16(status).unwrap(),
            "{path}"
        );
        let problem: Problem = response.json().await.unwrap();
        assert_eq!(problem.code, code, "{path}");
    }
}
