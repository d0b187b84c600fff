//! The stage: a seller who is a creator with one product, and the one drop the run orders
//! from, scheduled to go live shortly and to end well after the run.

use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use livedrop_client::Client;
use livedrop_core::domain::{Creator, Drop, DropStatus, Product};
use livedrop_core::wire::{CreateCreatorBody, CreateDropBody, CreateProductBody};

use crate::{Error, PipelineConfig, accounts};

/// How long past its start a drop may take to show as live before the run gives up: the
/// server's scheduler ticks every 250 ms by default.
const LIVE_TIMEOUT: Duration = Duration::from_secs(30);

/// The seller and what it sells.
#[derive(Debug)]
pub struct Seller {
    /// Signed in as the creator's owner.
    pub client: Client,
    /// The creator the listeners may follow.
    pub creator: Creator,
    /// The product on drop.
    pub product: Product,
}

/// Signs a seller up (from 127.0.0.1, or the OS's choice with `--one-address`) and makes
/// it a creator with one product; `run` keeps emails and the handle unique per run.
///
/// # Errors
/// Any refusal; the seller's client repeats the calls that are safe to repeat.
pub async fn seller(config: &PipelineConfig, run: &str) -> Result<Seller, Error> {
    let client = accounts::client(&config.base_url, None, 3)?;
    accounts::sign_up(
        &client,
        &format!("load-seller-{run}@example.com"),
        "Load Seller",
    )
    .await?;
    let creator = client
        .creators()
        .create(&CreateCreatorBody {
            display_name: "Load Test Co".try_into()?,
            handle: format!("load{}", run.get(..12).unwrap_or(run))
                .as_str()
                .try_into()?,
        })
        .await?;
    let product = client
        .products()
        .create(&CreateProductBody {
            creator_id: creator.id,
            title: "Load Test Sneaker".try_into()?,
            description: "Sold by livedrop-load".try_into()?,
            price_cents: 12_000.try_into()?,
            currency_code: "EUR".try_into()?,
        })
        .await?;
    Ok(Seller {
        client,
        creator,
        product,
    })
}

/// Schedules the run's drop: live `start_delay` from now, ending an hour after the run,
/// with [`PipelineConfig::stock`] units and no per-user limit. The low-stock threshold
/// sits where half the scheduled orders will have sold, so followers see a `stock.low`
/// mid-run.
///
/// # Errors
/// Any refusal.
pub async fn schedule_drop(seller: &Seller, config: &PipelineConfig) -> Result<Drop, Error> {
    let stock = config.stock();
    let half_run = i64::try_from(config.total_orders() / 2).unwrap_or(i64::MAX);
    let start_at = Utc::now() + TimeDelta::from_std(config.start_delay)?;
    let end_at = start_at + TimeDelta::from_std(config.duration)? + TimeDelta::hours(1);
    let drop = seller
        .client
        .drops()
        .create(&CreateDropBody {
            product_id: seller.product.id,
            start_at,
            end_at,
            initial_stock: stock,
            low_stock_threshold: (stock - half_run).clamp(0, stock),
            max_per_user: None,
        })
        .await?;
    Ok(drop)
}

/// Waits until the server reports `drop` live (`GET /drops/{id}`, the authority).
///
/// # Errors
/// A failed read, or the drop still not live [`LIVE_TIMEOUT`] past its start (the
/// server's scheduler is not running?).
pub async fn wait_until_live(seller: &Seller, drop: &Drop) -> Result<(), Error> {
    let until_start = (drop.window.start_at() - Utc::now())
        .to_std()
        .unwrap_or_default();
    let deadline = Instant::now() + until_start + LIVE_TIMEOUT;
    loop {
        let view = seller.client.drops().get(drop.id).await?;
        if view.stock.status == DropStatus::Live {
            return Ok(());
        }
        if view.stock.status != DropStatus::Scheduled || Instant::now() > deadline {
            return Err(format!(
                "drop {} is {:?}, not live, {:?} after its start: is the server's scheduler running?",
                drop.id, view.stock.status, LIVE_TIMEOUT
            )
            .into());
        }
        // 40 reads a second: under the seller's `read` limit (50/s) however long the wait.
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
