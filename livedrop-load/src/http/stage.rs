//! The stage of an HTTP run on a real server: a seller (creator, product), one hot drop
//! live now with a large stock and no per-user limit, and, when orders are sent, the
//! buyers whose access tokens they carry. Reuses the pipeline's set-up.

use chrono::{TimeDelta, Utc};
use indicatif::ProgressBar;
use livedrop_client::Client;
use livedrop_core::domain::Drop;
use livedrop_core::wire::CreateDropBody;

use super::HttpConfig;
use crate::setup::{self, Seller};
use crate::{Error, accounts, progress};

/// What the load runs against.
#[derive(Debug)]
pub struct Stage {
    /// Owns the drop; reads it for the oversell check.
    pub seller: Seller,
    /// The hot drop, live.
    pub drop: Drop,
    /// Signed-in buyers (none when only reads are sent), to ask again about orders whose
    /// answer was lost.
    pub buyers: Vec<Client>,
    /// Their access tokens, in the same order.
    pub access_tokens: Vec<String>,
}

/// Sets the stage on `config.base_url`, drawing on `bar`.
///
/// Sign-ups are the slow part: each buyer signs up from its own loopback address (the
/// per-address `auth` limit is 10, then one per 6 s), and the server hashes each
/// password, at `--password-hash`'s cost. Access tokens live 15 minutes: the sign-ups and
/// the load together must fit in that.
///
/// # Errors
/// A set-up step the server refuses, or the drop never going live.
pub async fn set(config: &HttpConfig, bar: &ProgressBar) -> Result<Stage, Error> {
    let run = uuid::Uuid::new_v4().simple().to_string();
    let setup = config.setup();
    progress::waiting(bar, "seller setting up".to_owned());
    let seller = setup::seller(&setup, &run).await?;
    let buyers = if config.sends_orders() {
        progress::counting(bar, "buyers signing up", config.buyers as u64);
        accounts::sign_up_buyers(&setup, &run, bar).await?
    } else {
        Vec::new()
    };
    let access_tokens = buyers
        .iter()
        .map(|buyer| buyer.tokens().map(|pair| pair.access_token))
        .collect::<Option<Vec<_>>>()
        .ok_or("a buyer has no session right after signing up")?;
    let drop = hot_drop(&seller, config).await?;
    progress::waiting(bar, format!("waiting for drop {} to go live", drop.id));
    setup::wait_until_live(&seller, &drop).await?;
    Ok(Stage {
        seller,
        drop,
        buyers,
        access_tokens,
    })
}

/// The drop: live from now (the scheduler's next tick), ending an hour after the load,
/// `config.stock` units, no low-stock threshold and no per-user limit (every buyer
/// orders many times).
async fn hot_drop(seller: &Seller, config: &HttpConfig) -> Result<Drop, Error> {
    let start_at = Utc::now();
    let end_at = start_at + TimeDelta::from_std(config.duration)? + TimeDelta::hours(1);
    let body = CreateDropBody {
        product_id: seller.product.id,
        start_at,
        end_at,
        initial_stock: config.stock,
        low_stock_threshold: 0,
        max_per_user: None,
    };
    Ok(seller.client.drops().create(&body).await?)
}
