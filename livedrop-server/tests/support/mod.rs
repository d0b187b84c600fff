//! What the server's integration tests share: seeding through the core services.
#![allow(dead_code)] // Each test binary uses the part it needs.
#![allow(clippy::unwrap_used, clippy::panic)]

pub mod binary;
pub mod inbox;
pub mod over_http;
pub mod schema;
pub mod sse;

use chrono::{DateTime, TimeDelta, Utc};
use livedrop_core::domain::{
    CurrencyCode, Description, DisplayName, Drop, DropWindow, Email, Handle, PersonName,
    PriceCents, ProductDetails, StockPlan, Title,
};
use livedrop_core::ids::{FamilyId, UserId};
use livedrop_core::ports::RefreshTokenHash;
use livedrop_server::AppState;

/// A user who owns a creator with one product, and a drop of it over `window`.
pub async fn seed_drop(state: &AppState, window: DropWindow, plan: StockPlan) -> (UserId, Drop) {
    let catalog = state.catalog();
    let user = catalog
        .register_user(
            Email::try_from(format!("ada-{}@example.com", UserId::new()).as_str()).unwrap(),
            PersonName::try_from("Ada Lovelace").unwrap(),
        )
        .await
        .unwrap();
    let handle = format!("ada{}", &user.id.to_string()[24..]);
    let creator = catalog
        .become_creator(
            user.id,
            DisplayName::try_from("Ada's Hats").unwrap(),
            Handle::try_from(handle.as_str()).unwrap(),
        )
        .await
        .unwrap();
    let details = ProductDetails {
        title: Title::try_from("Analytical Hat").unwrap(),
        description: Description::try_from("Knitted by an engine").unwrap(),
        price_cents: PriceCents::try_from(2500).unwrap(),
        currency_code: CurrencyCode::try_from("EUR").unwrap(),
    };
    let product = catalog
        .create_product(user.id, creator.id, details)
        .await
        .unwrap();
    let drop = catalog
        .create_drop(user.id, product.id, window, plan)
        .await
        .unwrap();
    (user.id, drop)
}

pub fn window_from(start: DateTime<Utc>) -> DropWindow {
    DropWindow::new(start, start + TimeDelta::hours(1)).unwrap()
}

/// A new user, with a unique email.
pub async fn register_user(state: &AppState) -> UserId {
    state
        .catalog()
        .register_user(
            Email::try_from(format!("user-{}@example.com", UserId::new()).as_str()).unwrap(),
            PersonName::try_from("Grace Hopper").unwrap(),
        )
        .await
        .unwrap()
        .id
}

/// Serves `state`'s router on a free port for the rest of the test; returns the base URL.
pub async fn serve(state: AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    serve_on(listener, state);
    base
}

/// Serves `state`'s router on `listener` (bound by the caller, who needed its address
/// first) for the rest of the test.
pub fn serve_on(listener: tokio::net::TcpListener, state: AppState) {
    tokio::spawn(livedrop_server::run(
        listener,
        state,
        std::future::pending(),
    ));
}

/// `GET url`, which must answer `200`, decoded as `T`.
pub async fn get_json<T: serde::de::DeserializeOwned>(url: &str) -> T {
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK, "{url}");
    response.json().await.unwrap()
}

/// An access token for `user`, signed by `state`'s keys, good for every API route. Its
/// sign-in is made up, not stored, so it gets no realtime token: use [`realtime_token`]
/// (or sign in over HTTP) for the event stream.
pub fn access_token(state: &AppState, user: UserId) -> String {
    state
        .tokens()
        .issue(
            livedrop_server::auth::TokenKind::Access,
            user,
            FamilyId::new(),
        )
        .unwrap()
        .token
}

/// A live sign-in of `user` started in `state`'s store, as logging in would.
pub async fn live_sign_in(state: &AppState, user: UserId) -> FamilyId {
    let now = Utc::now();
    let refresh = RefreshTokenHash::of(&format!("refresh-{}", UserId::new()));
    state
        .ports()
        .credentials
        .issue_refresh(user, &refresh, now + TimeDelta::days(1), now)
        .await
        .unwrap()
}

/// An access token of a live sign-in of `user` (unlike [`access_token`]'s, whose sign-in
/// the store never saw): it also gets realtime tokens.
pub async fn signed_in_access_token(state: &AppState, user: UserId) -> String {
    let family = live_sign_in(state, user).await;
    state
        .tokens()
        .issue(livedrop_server::auth::TokenKind::Access, user, family)
        .unwrap()
        .token
}

/// A realtime token for `user`, of a live sign-in started in `state`'s store (as logging
/// in would): it opens one event stream.
pub async fn realtime_token(state: &AppState, user: UserId) -> String {
    let family = live_sign_in(state, user).await;
    state
        .sessions()
        .realtime_token(user, family)
        .await
        .unwrap()
        .token
}

/// A JSON answer: its status, its `Content-Type` and its body (`Null` when empty).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: serde_json::Value,
}

impl Answer {
    /// The body's `code` (problem+json), or `""`.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }
}

/// Sends `request` and reads the answer, whatever its status.
pub async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let content_type = headers
        .get(reqwest::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = response.bytes().await.unwrap();
    let body = if bytes.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(&bytes).into()))
    };
    Answer {
        status,
        content_type,
        headers,
        body,
    }
}

/// The server's `/metrics` text.
pub async fn scrape(base: &str) -> String {
    reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}
