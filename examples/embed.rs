//! Embed the engine with the in-memory backend: no server, no services to run.
//!
//! `cargo run --example embed`
#![allow(clippy::print_stdout)]

use std::sync::Arc;

use chrono::{TimeDelta, Utc};
use livedrop::core::clock::SystemClock;
use livedrop::core::domain::{
    CurrencyCode, Description, DisplayName, DropWindow, Email, Handle, IdempotencyKey, PersonName,
    PriceCents, ProductDetails, Quantity, StockPlan, Title,
};
use livedrop::core::services::{CatalogService, OrderService};
use livedrop::memory::MemoryBackend;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ports = MemoryBackend::default().ports();
    let clock = Arc::new(SystemClock);
    let catalog = CatalogService::new(ports.catalog.clone(), clock.clone());
    let orders = OrderService::new(ports.ledger.clone(), ports.idempotency.clone(), clock);

    let ada = catalog
        .register_user(
            Email::try_from("ada@example.com")?,
            PersonName::try_from("Ada")?,
        )
        .await?;
    let shop = catalog
        .become_creator(
            ada.id,
            DisplayName::try_from("Ada's")?,
            Handle::try_from("ada")?,
        )
        .await?;
    let details = ProductDetails {
        title: Title::try_from("Numbered print")?,
        description: Description::try_from("Signed, 3 copies.")?,
        price_cents: PriceCents::try_from(4_500)?,
        currency_code: CurrencyCode::try_from("EUR")?,
    };
    let print = catalog.create_product(ada.id, shop.id, details).await?;
    let now = Utc::now();
    let window = DropWindow::new(now, now + TimeDelta::hours(1))?;
    let drop = catalog
        .create_drop(ada.id, print.id, window, StockPlan::new(3, 1, Some(2))?)
        .await?;

    let bob = catalog
        .register_user(
            Email::try_from("bob@example.com")?,
            PersonName::try_from("Bob")?,
        )
        .await?;
    let key = IdempotencyKey::try_from("bob-order-1")?;
    let first = orders
        .place_order(bob.id, key.clone(), drop.id, Quantity::try_from(2)?)
        .await?;
    // A retry with the same key (after a timeout, say) replays the answer; nothing is bought twice.
    let retry = orders
        .place_order(bob.id, key, drop.id, Quantity::try_from(2)?)
        .await?;
    let again = orders
        .place_order(
            bob.id,
            IdempotencyKey::try_from("bob-order-2")?,
            drop.id,
            Quantity::ONE,
        )
        .await?;

    println!(
        "first:  {:?} (replayed: {})",
        first.outcome.as_ref().map(|o| o.id),
        first.replayed
    );
    println!(
        "retry:  {:?} (replayed: {})",
        retry.outcome.as_ref().map(|o| o.id),
        retry.replayed
    );
    println!("again:  {:?}", again.outcome.map(|o| o.id));
    println!("stock:  {:?}", ports.ledger.stock(drop.id).await?.available);
    Ok(())
}
