//! The four HTTP modes, each one function from [`HttpConfig`] to [`HttpSummary`]:
//! [`orders`], [`reads`] and [`mixed`] against a real server (set-up, load, oversell
//! check, and with `baseline` the same load against the bare server right after), and
//! [`baseline`] against the bare server alone.

use std::sync::Arc;

use indicatif::ProgressBar;
use livedrop_core::domain::IdempotencyKey;
use livedrop_core::ids::DropId;

use super::baseline::{self as bare, BaselineServer};
use super::load::{self, Measured, Target};
use super::requests::Requests;
use super::stage::{self, Stage};
use super::summary::BaselineComparison;
use super::summary::{HttpFigures, HttpSummary, Unanswered};
use super::{HttpConfig, verdict};
use crate::replay::replay_unanswered;
use crate::{Error, StockCheck, progress};

/// `POST /orders` on one hot drop from `config.connections` workers, then the oversell
/// check (every request an order, whatever `config.read_share`).
///
/// # Errors
/// Figures [`HttpConfig::validate`] refuses, or a set-up step the server refuses.
/// Refusals during the load are figures, not errors.
pub async fn orders(config: &HttpConfig, bar: &ProgressBar) -> Result<HttpSummary, Error> {
    against_server(&config.with_read_share(0.0), "orders", bar).await
}

/// `GET /api/drops/{id}` (the cached read) from `config.connections` workers.
///
/// # Errors
/// As [`orders`].
pub async fn reads(config: &HttpConfig, bar: &ProgressBar) -> Result<HttpSummary, Error> {
    against_server(&config.with_read_share(1.0), "reads", bar).await
}

/// Reads and orders at once, `config.read_share` of the requests reads.
///
/// # Errors
/// As [`orders`].
pub async fn mixed(config: &HttpConfig, bar: &ProgressBar) -> Result<HttpSummary, Error> {
    against_server(config, "mixed", bar).await
}

/// The load of `config` (`read_share` 0: orders, 1: reads) against the bare in-process
/// server only; orders carry a placeholder token the size of a real one.
///
/// # Errors
/// Figures [`HttpConfig::validate`] refuses, or no port for the bare server.
pub async fn baseline(config: &HttpConfig, bar: &ProgressBar) -> Result<HttpSummary, Error> {
    config.validate()?;
    let tokens = bare::placeholder_tokens();
    let mut summary = against_baseline(config, DropId::new(), &tokens, bar).await?;
    // No real buyers: every order carried the same placeholder.
    summary.config.buyers = 0;
    bar.finish_and_clear();
    Ok(summary)
}

async fn against_server(
    config: &HttpConfig,
    mode: &'static str,
    bar: &ProgressBar,
) -> Result<HttpSummary, Error> {
    config.validate()?;
    let mut target = Target::of(&config.base_url).await?;
    if let Some(other) = &config.other_base_url {
        target.other = Some(Target::of(other).await?.address);
    }
    let stage = stage::set(config, bar).await?;
    let requests = Requests::new(&target.host, stage.drop.id, &stage.access_tokens)?;
    let pids: Vec<u32> = [config.server_pid, config.other_server_pid]
        .into_iter()
        .flatten()
        .collect();
    let measured = load::run(config, &target, Arc::new(requests), &pids, bar).await;

    progress::waiting(
        bar,
        "asking about unanswered orders, checking the stock".to_owned(),
    );
    let unanswered = ask_again(&stage, &measured).await;
    let stock = match &measured.orders {
        Some(orders) => {
            let confirmed_seen = orders.ok + unanswered.confirmed;
            let client = &stage.seller.client;
            Some(StockCheck::read(client, stage.drop.id, confirmed_seen).await?)
        }
        None => None,
    };
    let sent_orders = measured.orders.is_some();
    let mut summary = summarize(mode, &config.base_url, stage.drop.id, config, measured);
    summary.config.stock = Some(config.stock);
    summary.unanswered = sent_orders.then_some(unanswered);
    summary.stock = stock;
    if config.baseline {
        let base = against_baseline(config, stage.drop.id, &stage.access_tokens, bar).await?;
        summary.baseline = Some(BaselineComparison::of(&summary, base));
    }
    bar.finish_and_clear();
    Ok(verdict::judged(summary))
}

/// The same load as `config`'s, with the same request bytes (`drop`, `tokens`), against
/// a bare server started for it and stopped after.
async fn against_baseline(
    config: &HttpConfig,
    drop: DropId,
    tokens: &[String],
    bar: &ProgressBar,
) -> Result<HttpSummary, Error> {
    let server = BaselineServer::start()?;
    let base_url = server.base_url();
    let target = Target::of(&base_url).await?;
    let requests = Requests::new(&target.host, drop, tokens)?;
    progress::waiting(bar, format!("baseline: bare server on {base_url}"));
    let measured = load::run(config, &target, Arc::new(requests), &[], bar).await;
    Ok(verdict::judged(summarize(
        "baseline", &base_url, drop, config, measured,
    )))
}

/// Asks the server again, with the same keys, about the orders that got no answer.
async fn ask_again(stage: &Stage, measured: &Measured) -> Unanswered {
    let unanswered: Vec<(usize, IdempotencyKey)> = measured
        .order_tally
        .unanswered
        .iter()
        .filter_map(|sent| {
            let key = IdempotencyKey::try_from(sent.key.hyphenated().to_string()).ok()?;
            Some((sent.buyer, key))
        })
        .collect();
    let asked_again = unanswered.len() as u64;
    let (confirmed, unknown) = replay_unanswered(&stage.buyers, stage.drop.id, unanswered).await;
    Unanswered {
        asked_again,
        confirmed,
        unknown,
    }
}

/// The summary of `measured`, before the checks.
fn summarize(
    mode: &'static str,
    base_url: &str,
    drop: DropId,
    config: &HttpConfig,
    measured: Measured,
) -> HttpSummary {
    HttpSummary {
        mode,
        base_url: base_url.to_owned(),
        drop_id: drop.to_string(),
        config: HttpFigures {
            buyers: if config.sends_orders() {
                config.buyers
            } else {
                0
            },
            connections: config.connections,
            seconds: config.duration.as_secs_f64(),
            rate: config.rate,
            read_share: config.read_share,
            stock: None,
        },
        warnings: Vec::new(),
        load: measured.load,
        orders: measured.orders,
        reads: measured.reads,
        unanswered: None,
        stock: None,
        server: measured.server,
        baseline: None,
        failures: Vec::new(),
        passed: false,
    }
}
