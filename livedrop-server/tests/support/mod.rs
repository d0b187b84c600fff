//! What the server's integration tests share: seeding through the core services.
#![allow(dead_code)] // Each test binary uses the part it needs.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, TimeDelta, Utc};
use livedrop_core::domain::{
    CurrencyCode, Description, DisplayName, Drop, DropWindow, Email, Handle, PersonName,
    PriceCents, ProductDetails, StockPlan, Title,
};
use livedrop_core::ids::UserId;
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
    tokio::spawn(axum::serve(listener, livedrop_server::router(state)).into_future());
    base
}

/// `GET url`, which must answer `200`, decoded as `T`.
pub async fn get_json<T: serde::de::DeserializeOwned>(url: &str) -> T {
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK, "{url}");
    response.json().await.unwrap()
}
