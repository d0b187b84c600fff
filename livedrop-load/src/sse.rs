//! The `sse` mode: opens many event streams across one or more servers, makes the
//! events they should receive happen, and checks that every stream got exactly those,
//! once each, in order, without a `reset` it did not ask for; measures delivery latency
//! and what the streams cost each server (RSS per stream, CPU and database work while
//! idle, encodes per event, its fan-out histogram).
//!
//! Phases: sign-ups (every user from its own loopback address) and follows; all streams
//! open; the drop goes live (`drop.started` to every follower); the buyers order through
//! another server than their stream's (`order.confirmed` crosses nodes); the storm
//! (`--storm`); the idle period; the gap (`--storm-gap`); the stuck streams (`--stuck`).
//!
//! One process holds one socket per stream and the default open-file limit is 20,000,
//! so one process carries about 19,000 streams; more need several processes, each its
//! own run (own seller and users) against the same servers.
//!
//! # Layout
//! - Set-up: `config` ([`SseConfig`] and its checks), `users` (a person: a client from its
//!   own address, sign-up, follow), `ordering` (orders that cause events).
//! - Streams: `connection` (one stream as a task, resuming with `Last-Event-ID`), `frames`
//!   (the SSE parser), `log` (what a stream received), `fleet` (every stream of the run).
//! - Phases: `storm` (disconnect, events while away, resume), `stuck` (clients that never
//!   read).
//! - Measures: `host` (RSS and CPU from `/proc`), `database` (Postgres statements),
//!   `server_metrics` and `servers` (each server's `/metrics`).
//! - Verdict and output: `check` (expected against received), `verdict`, `summary`
//!   ([`SseSummary`]), `report` (the human-readable form).

mod check;
mod config;
mod connection;
mod database;
mod fleet;
mod frames;
// Also the HTTP modes' reading of the server process.
pub(crate) mod host;
mod log;
mod ordering;
mod report;
mod server_metrics;
mod servers;
mod storm;
mod stuck;
mod summary;
mod users;
mod verdict;

use std::collections::HashSet;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use indicatif::ProgressBar;
use livedrop_core::domain::Drop;
use livedrop_core::wire::CreateDropBody;

pub use config::SseConfig;
pub use summary::{
    DatabaseIdle, DeliveryCheck, FanoutSummary, GapSummary, LatencySummary, OpenSummary,
    ServerSummary, SseFigures, SseSummary, StormSummary, StuckSummary,
};

use self::check::Expected;
use self::fleet::{Fleet, wait_all};
use self::servers::{Readings, gauges, samples, scrape_all};
use crate::setup::{self, Seller};
use crate::{Error, PipelineConfig, progress};

/// Runs the `sse` mode, drawing on `bar` ([`ProgressBar::hidden`] for none).
///
/// # Errors
/// Figures [`SseConfig::validate`] refuses, or a set-up step the server refuses
/// (sign-up, follow, creator, product, drop). What the streams miss is a figure.
pub async fn run(config: &SseConfig, bar: &ProgressBar) -> Result<SseSummary, Error> {
    config.validate()?;
    let urls = &config.base_urls;
    let (n, followers) = (config.streams, config.followers());
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;

    progress::waiting(bar, "seller setting up".to_owned());
    let seller = new_seller(&urls[0]).await?;
    progress::counting(bar, "users signing up", (n + config.stuck) as u64);
    let concurrency = config.signup_concurrency;
    let run = uuid::Uuid::new_v4().simple().to_string();
    let creator = Some(seller.creator.id);
    let mut users = users::sign_up_all(urls, 0..followers, creator, &run, concurrency, bar).await?;
    users.extend(users::sign_up_all(urls, followers..n, None, &run, concurrency, bar).await?);
    let (noise, stuck_users) = if config.stuck > 0 {
        let noise = new_seller(&urls[0]).await?;
        let follow = Some(noise.creator.id);
        let range = n..n + config.stuck;
        let stuck = users::sign_up_all(urls, range, follow, &run, concurrency, bar).await?;
        (Some(noise), stuck)
    } else {
        (None, Vec::new())
    };

    let pids = &config.server_pids;
    let mut readings = Readings {
        scrapes_before: scrape_all(&http, urls).await,
        before_open: samples(pids),
        ..Readings::default()
    };
    progress::counting(bar, "streams opening", n as u64);
    let homes = (0..n).map(|i| config.home(i)).collect();
    let (mut fleet, open) = Fleet::open(
        users,
        homes,
        config.open_concurrency,
        config.event_timeout,
        bar,
    )
    .await;
    readings.streams = (0..urls.len()).map(|u| fleet.on_server(u)).collect();
    readings.gauges = gauges(&scrape_all(&http, urls).await);
    readings.after_open = samples(pids);

    progress::waiting(bar, "waiting for drop.started on every follower".to_owned());
    let drop = schedule_drop(&seller, config).await?;
    let drop_id = drop.id.to_string();
    let logs = &fleet.logs;
    let started = |i: usize| {
        logs[i].has(1, |r| {
            r.kind == "drop.started" && r.drop_id.as_deref() == Some(&drop_id)
        })
    };
    wait_all(
        0..followers,
        config.start_in + config.event_timeout,
        started,
    )
    .await;

    progress::waiting(bar, format!("{} buyers ordering", config.buyers));
    let who = (0..config.buyers)
        .map(|i| (fleet.users[i].clone(), config.other(i)))
        .collect();
    let placed = ordering::place_all(who, drop.id, 1).await;
    let confirmed = |i: usize| placed[i].ids.iter().all(|id| logs[i].has_event(id));
    wait_all(0..config.buyers, config.event_timeout, confirmed).await;

    let storm_streams: Vec<usize> = (n - config.storm..n).collect();
    let storm = match config.storm {
        0 => None,
        _ => {
            progress::waiting(bar, format!("storm: {} streams away", config.storm));
            let (each, timeout) = (config.away_events, config.event_timeout);
            Some(
                storm::storm(
                    &mut fleet,
                    &storm_streams,
                    urls.len(),
                    drop.id,
                    each,
                    timeout,
                )
                .await,
            )
        }
    };

    progress::waiting(bar, format!("idle for {:?}", config.idle));
    let database_before = database(config).await?;
    readings.idle_start = samples(pids);
    tokio::time::sleep(config.idle).await;
    readings.idle_end = samples(pids);
    let database = match (database_before, database(config).await?) {
        (Some(before), Some(after)) => Some(DatabaseIdle {
            source: after.source.to_owned(),
            per_second: (after.value - before.value).max(0.0) / config.idle.as_secs_f64(),
        }),
        _ => None,
    };

    let gap = match config.storm_gap {
        false => None,
        true => {
            progress::waiting(bar, "gap: resuming from before the window".to_owned());
            Some(storm::gap(&mut fleet, &storm_streams, urls.len(), config.event_timeout).await)
        }
    };
    let stuck = match &noise {
        None => None,
        Some(noise) => {
            progress::waiting(bar, format!("{} stuck streams", config.stuck));
            let phase = stuck::StuckRun {
                users: &stuck_users,
                urls,
                seller: noise,
                events: config.stuck_events,
                pids,
                http: &http,
                timeout: config.stuck_timeout,
            };
            Some(phase.run().await?)
        }
    };
    readings.scrapes_after = scrape_all(&http, urls).await;
    fleet.close().await;
    bar.finish_and_clear();

    // What each stream should have received.
    let mut expected = vec![Expected::default(); n];
    for wanted in expected.iter_mut().take(followers) {
        wanted.drop_started = Some(drop_id.clone());
    }
    let mut buyer_orders = HashSet::new();
    for (wanted, placed) in expected.iter_mut().zip(&placed) {
        wanted.orders.extend(placed.ids.iter().cloned());
        buyer_orders.extend(placed.ids.iter().cloned());
    }
    for (i, ids) in storm.iter().flat_map(|s| &s.away) {
        expected[*i].orders.extend(ids.iter().cloned());
    }
    if gap.is_some() {
        for &i in &storm_streams {
            expected[i].resets = 1;
        }
    }
    let refused: Vec<String> = placed.iter().flat_map(|p| p.failed.clone()).collect();
    let (delivery, mut latency) = verdict::judge(&fleet, &expected, &drop_id, &buyer_orders);
    latency.orders_cross_node = urls.len() > 1;

    let servers = readings.summaries(urls, pids);

    let mut warnings = Vec::new();
    if let Some(storm) = &storm
        && storm.summary.reconnect_ms > 5000.0
    {
        warnings.push(format!(
            "the storm's resumes took {:.1} s to be answered (over 5 s)",
            storm.summary.reconnect_ms / 1000.0
        ));
    }
    let mut summary = SseSummary {
        mode: "sse",
        base_urls: urls.clone(),
        drop_id,
        config: SseFigures {
            streams: n,
            followers,
            buyers: config.buyers,
            stock: config.stock(),
            storm: config.storm,
            away_events: config.away_events,
            storm_gap: config.storm_gap,
            stuck: config.stuck,
            stuck_events: config.stuck_events,
            idle_seconds: config.idle.as_secs_f64(),
        },
        warnings,
        open,
        delivery,
        latency,
        storm: storm.map(|s| s.summary),
        gap,
        stuck,
        servers,
        database,
        failures: Vec::new(),
        passed: false,
    };
    summary.failures = verdict::failures(&summary, &refused);
    summary.passed = summary.failures.is_empty();
    Ok(summary)
}

/// A seller (creator with one product) on `base_url`; each call a fresh one.
async fn new_seller(base_url: &str) -> Result<Seller, Error> {
    // The pipeline's set-up reads only the base URL from its config.
    let config = PipelineConfig {
        base_url: base_url.to_owned(),
        ..PipelineConfig::default()
    };
    setup::seller(&config, &uuid::Uuid::new_v4().simple().to_string()).await
}

/// The run's drop: live `start_in` from now, the stock the orders need, no low-stock
/// threshold (so no `stock.low`), no per-user limit.
async fn schedule_drop(seller: &Seller, config: &SseConfig) -> Result<Drop, Error> {
    let start_at = Utc::now() + TimeDelta::from_std(config.start_in)?;
    let body = CreateDropBody {
        product_id: seller.product.id,
        start_at,
        end_at: start_at + TimeDelta::hours(1),
        initial_stock: config.stock(),
        low_stock_threshold: 0,
        max_per_user: None,
    };
    Ok(seller.client.drops().create(&body).await?)
}

async fn database(config: &SseConfig) -> Result<Option<database::Counter>, Error> {
    match &config.database_url {
        Some(url) => Ok(Some(database::read(url).await?)),
        None => Ok(None),
    }
}
