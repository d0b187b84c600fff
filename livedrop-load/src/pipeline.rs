//! The `pipeline` mode: set up one drop, drive orders at a fixed rate, and measure the
//! whole event pipeline behind them (order latency, event-to-stream and event-to-inbox
//! latency, the server's delivery histogram, consumer lag drain), then check the drop was
//! not oversold.

use std::sync::Arc;
use std::time::Duration;

use indicatif::ProgressBar;
use livedrop_client::{Client, DEFAULT_TIMEOUT, Url};
use tokio::sync::Semaphore;

use crate::delivery::Delivery;
use crate::inbox::InboxSampler;
use crate::listeners::{self, Listeners};
use crate::orders::Load;
use crate::outcomes::OrderOutcomes;
use crate::prometheus::Metrics;
use crate::summary::{RunFigures, StockCheck, Summary};
use crate::{Error, PipelineConfig, accounts, lag, progress, setup};

/// How long the listeners' streams may take to show on the server's gauge.
const STREAMS_TIMEOUT: Duration = Duration::from_secs(5);
/// Orders still unanswered this long after the load are given up on: a request times
/// out after the client's timeout anyway.
const SETTLE_TIMEOUT: Duration = DEFAULT_TIMEOUT.saturating_add(Duration::from_secs(5));

/// Runs the pipeline mode against `config.base_url`, drawing on `bar` (pass
/// [`ProgressBar::hidden`] for none), and returns every figure with the verdict.
///
/// # Errors
/// Figures [`PipelineConfig::validate`] refuses, or a set-up step the server refuses
/// (sign-up, creator, product, drop, follow) or that never completes (the drop never
/// goes live). Refusals during the load are figures, not errors.
pub async fn run(config: &PipelineConfig, bar: &ProgressBar) -> Result<Summary, Error> {
    config.validate()?;
    let mut warnings: Vec<String> = config.capacity_warning().into_iter().collect();
    if config.one_address {
        warnings.push(
            "--one-address: sign-ups share one address, so they wait out its limit \
             (10, then one per 6 s)"
                .to_owned(),
        );
    }
    let run_id = uuid::Uuid::new_v4().simple().to_string();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;

    // Set-up: seller, buyers, listeners, then the drop (so the listeners hear it start).
    progress::waiting(bar, "seller setting up".to_owned());
    let seller = setup::seller(config, &run_id).await?;
    let base = seller.client.base_url().clone();
    progress::counting(bar, "buyers signing up", config.buyers as u64);
    let buyers: Arc<[Client]> = accounts::sign_up_buyers(config, &run_id, bar).await?.into();
    progress::waiting(bar, format!("{} listeners connecting", config.listeners));
    let streams_before = gauge(&http, &base, "livedrop_sse_connections").await;
    let follow = config.followers_stream.then_some(seller.creator.id);
    let listening = buyers.get(..config.listeners).unwrap_or_default();
    let listeners = Listeners::start(listening, follow).await?;
    let streams_open = match config.listeners {
        0 => streams_before,
        expected => {
            listeners::wait_for_streams(&http, &base, streams_before, expected, STREAMS_TIMEOUT)
                .await
        }
    };
    let drop = setup::schedule_drop(&seller, config).await?;
    progress::waiting(bar, format!("waiting for drop {} to go live", drop.id));
    setup::wait_until_live(&seller, &drop).await?;
    let delivery_before = scrape(&http, &base).await.as_ref().and_then(Delivery::read);

    // The load.
    let outcomes = Arc::new(OrderOutcomes::default());
    let inbox = Arc::new(InboxSampler::start(&buyers, config.inbox_sample));
    let load = Load {
        buyers,
        drop: drop.id,
        outcomes: outcomes.clone(),
        inbox: inbox.clone(),
    };
    let in_flight = Arc::new(Semaphore::new(config.max_in_flight));
    let total = config.total_orders();
    let drawing = progress::follow_orders(bar, outcomes.clone(), total);
    let window = load.drive(config.rate, total, &in_flight).await;

    // After it: answers still in flight, inbox samples, lag, all at once.
    inbox.close_at(window.ended + config.inbox_grace);
    let answers_then_inbox = async {
        let settled = Load::settle(&in_flight, config.max_in_flight, SETTLE_TIMEOUT).await;
        drawing.abort();
        progress::waiting(bar, "waiting for inbox samples and consumer lag".to_owned());
        (settled, inbox.finish().await)
    };
    let (lag, (settled, inbox)) = tokio::join!(
        lag::watch_drain(
            &http,
            &base,
            window.ended,
            Duration::ZERO,
            config.lag_timeout
        ),
        answers_then_inbox,
    );
    let replayed = load.replay_unanswered().await;
    let mut stream = listeners.stop().await;
    stream.streams_open_at_start = streams_open;
    let delivery_after = scrape(&http, &base).await.as_ref().and_then(Delivery::read);
    let view = seller.client.drops().get(drop.id).await?;
    bar.finish_and_clear();

    let window_seconds = window.ended.duration_since(window.started).as_secs_f64();
    let orders = outcomes.summary(window_seconds, settled, replayed);
    if orders.unknown > 0 {
        warnings.push(format!(
            "{} orders got no answer, even when asked again: the oversell check cannot \
             account for them",
            orders.unknown
        ));
    }
    let stock = StockCheck::of(&view, orders.confirmed + orders.confirmed_on_replay);
    let mut summary = Summary {
        mode: "pipeline",
        base_url: base.to_string(),
        drop_id: drop.id.to_string(),
        config: RunFigures {
            buyers: config.buyers,
            rate: config.rate,
            seconds: config.duration.as_secs_f64(),
            listeners: config.listeners,
            followers_stream: config.followers_stream,
            one_address: config.one_address,
            inbox_sample: config.inbox_sample,
            max_in_flight: config.max_in_flight,
            stock: config.stock(),
            thresholds: config.thresholds,
        },
        warnings,
        orders,
        stream,
        inbox,
        server_delivery: Delivery::between(delivery_before, delivery_after),
        lag,
        stock,
        failures: Vec::new(),
        passed: false,
    };
    summary.failures = config.thresholds.failures(&summary);
    summary.passed = summary.failures.is_empty();
    Ok(summary)
}

/// One scrape of `/metrics`; `None` when it fails (the figures it feeds then read as
/// absent, which the summary says, rather than failing the run).
async fn scrape(http: &reqwest::Client, base: &Url) -> Option<Metrics> {
    Metrics::scrape(http, base).await.ok()
}

/// The sum of gauge `name` now, if published.
async fn gauge(http: &reqwest::Client, base: &Url, name: &str) -> Option<f64> {
    scrape(http, base).await?.sum(name, &[])
}
