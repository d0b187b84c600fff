//! Embed the engine with the in-memory backend: no server, no services to run.
//!
//! `cargo run --example embed`
#![allow(clippy::print_stdout)]

use std::sync::Arc;

use chrono::{TimeDelta, Utc};
use livedrop::core::clock::SystemClock;
use livedrop::core::domain::{DropWindow, IdempotencyKey, ProductDetails, Quantity, StockPlan};
use livedrop::core::services::{CatalogService, OrderService};
use livedrop::memory::MemoryBackend;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ports = MemoryBackend::default().ports();
    let clock = Arc::new(SystemClock);
    let catalog = CatalogService::new(
        ports.catalog.clone(),
        ports.ledger.clone(),
        ports.media.clone(),
        ports.rate_limiter.clone(),
        clock.clone(),
    );
    let orders = OrderService::new(ports.ledger.clone(), ports.idempotency.clone(), clock);

    // Every input is a validated type: a bad email or price fails here, not in the engine.
    let ada = catalog
        .register_user("ada@example.com".try_into()?, "Ada".try_into()?)
        .await?;
    let shop = catalog
        .become_creator(ada.id, "Ada's".try_into()?, "ada".try_into()?)
        .await?;
    let details = ProductDetails {
        title: "Numbered print".try_into()?,
        description: "Signed, 3 copies.".try_into()?,
        price_cents: 4_500.try_into()?,
        currency_code: "EUR".try_into()?,
    };
    let print = catalog.create_product(ada.id, shop.id, details).await?;
    let window = DropWindow::new(Utc::now(), Utc::now() + TimeDelta::hours(1))?;
    let plan = StockPlan::new(3, 1, Some(2))?; // 3 units, at most 2 per buyer
    let drop = catalog.create_drop(ada.id, print.id, window, plan).await?;

    let bob = catalog
        .register_user("bob@example.com".try_into()?, "Bob".try_into()?)
        .await?;
    let (key, two) = (
        IdempotencyKey::try_from("bob-order-1")?,
        Quantity::try_from(2)?,
    );
    let first = orders
        .place_order(bob.id, key.clone(), drop.id, two)
        .await?;
    // A retry with the same key (after a timeout, say) replays the answer: nothing is bought twice.
    let retry = orders.place_order(bob.id, key, drop.id, two).await?;
    let more = orders
        .place_order(bob.id, "bob-order-2".try_into()?, drop.id, Quantity::ONE)
        .await?;

    println!(
        "first: {:?}, retry replayed: {}",
        first.outcome.map(|o| o.id),
        retry.replayed
    );
    println!("more:  {:?}", more.outcome.map(|o| o.id)); // over Bob's limit of 2
    println!("stock: {}", ports.ledger.stock(drop.id).await?.available);
    Ok(())
}
