//! One load against one server, as every HTTP mode runs it: where to connect
//! ([`Target`]), the workers run with the progress bar following them, and the figures
//! they give ([`Measured`]).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::ProgressBar;
use livedrop_client::Url;

use super::HttpConfig;
use super::requests::Requests;
use super::server_cost::CostMeter;
use super::summary::{LoadFigures, OpFigures, ServerCost};
use super::tally::{Kind, Live, Tally};
use super::workers::{self, Plan};
use crate::{Error, lag, progress};

/// The server refreshes its lag gauges about this often: a reading of 0 taken sooner after
/// the load may predate its last events.
const GAUGE_PERIOD: Duration = Duration::from_millis(1_200);
/// Longest wait for the pipeline to catch up before the server's CPU is read anyway.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(120);

/// A server to load.
#[derive(Clone, Debug)]
pub struct Target {
    /// Its socket address.
    pub address: SocketAddr,
    /// `host:port`, the requests' `Host`.
    pub host: String,
    /// Workers send from their own loopback addresses (the server is on this machine).
    pub own_addresses: bool,
    /// A second instance, taking half the connections.
    pub other: Option<SocketAddr>,
}

impl Target {
    /// The server of `base_url`, its name resolved now (once, not per connection).
    ///
    /// # Errors
    /// A URL without a host, or a name that does not resolve.
    pub async fn of(base_url: &str) -> Result<Self, Error> {
        let url = Url::parse(base_url)?;
        let host = url.host_str().ok_or("the base URL has no host")?;
        let port = url
            .port_or_known_default()
            .ok_or("the base URL has no port")?;
        let address = tokio::net::lookup_host((host, port))
            .await?
            .next()
            .ok_or_else(|| format!("{host} does not resolve"))?;
        Ok(Self {
            address,
            host: format!("{host}:{port}"),
            own_addresses: address.ip().is_loopback() && address.is_ipv4(),
            other: None,
        })
    }
}

/// What one load gave.
#[derive(Debug)]
pub struct Measured {
    /// The whole load.
    pub load: LoadFigures,
    /// Orders, when any were sent.
    pub orders: Option<OpFigures>,
    /// Reads, when any were sent.
    pub reads: Option<OpFigures>,
    /// The orders' answers, for the orders that got none.
    pub order_tally: Tally,
    /// The server process's cost, when its pid was given.
    pub server: Option<ServerCost>,
}

/// Runs `config`'s load of `requests` against `target`, drawing on `bar`; measures the
/// processes `server_pids` (none for the in-process baseline, which shares ours).
pub async fn run(
    config: &HttpConfig,
    target: &Target,
    requests: Arc<Requests>,
    server_pids: &[u32],
    bar: &ProgressBar,
) -> Measured {
    let plan = Plan {
        server: target.address,
        other_server: target.other,
        connections: config.connections,
        duration: config.duration,
        rate: config.rate,
        read_share: config.read_share,
        timeout: config.request_timeout,
        own_addresses: target.own_addresses,
    };
    let live = Arc::new(Live::default());
    let counts = live.clone();
    let drawing = progress::follow_timed(bar, config.duration, move || {
        format!(
            "ok {}  429 {}  refused {}  errors {}",
            Live::get(&counts.ok),
            Live::get(&counts.rate_limited),
            Live::get(&counts.refused),
            Live::get(&counts.errors),
        )
    });
    let meter = (!server_pids.is_empty()).then(|| CostMeter::start_all(server_pids));
    let sent = workers::run(plan, requests, live).await;
    let load_ended = Instant::now();
    drawing.abort();
    let figures = |tally: &Tally, kind| {
        let figures = tally.figures(kind, sent.seconds);
        (figures.requests > 0).then_some(figures)
    };
    let orders = figures(&sent.orders, Kind::Order);
    let reads = figures(&sent.reads, Kind::Read);
    let answered: u64 = [&orders, &reads]
        .iter()
        .flat_map(|f| f.iter())
        .map(|f| f.answered)
        .sum();
    let requests: u64 = [&orders, &reads]
        .iter()
        .flat_map(|f| f.iter())
        .map(|f| f.requests)
        .sum();
    // An order's cost goes on after its answer: the relay and the consumers carry its
    // events. The server's CPU is read once they have caught up, so it covers them.
    let drained = match &meter {
        Some(_) if orders.is_some() => {
            progress::waiting(bar, "waiting for the event pipeline to catch up".to_owned());
            pipeline_drained(&config.base_url, load_ended).await
        }
        _ => None,
    };
    let mut server = meter.map(|meter| meter.finish(answered));
    if let (Some(server), Some(drain)) = (&mut server, drained) {
        server.pipeline_drained_after_ms = drain.drained_after_ms;
        if drain.drained_after_ms.is_none() {
            server.pipeline_lag_left = drain.last_value;
            server.consumer_join_failures = drain.join_failures;
        }
    }
    Measured {
        load: LoadFigures {
            seconds: sent.seconds,
            requests,
            answered_per_second: if sent.seconds > 0.0 {
                answered as f64 / sent.seconds
            } else {
                0.0
            },
            behind: sent.behind,
        },
        orders,
        reads,
        order_tally: sent.orders,
        server,
    }
}

/// How the server's outbox and consumers caught up after `load_ended`: how long it took,
/// or the lag left if they had not within [`DRAIN_TIMEOUT`] (`None` if the server's
/// address does not parse).
async fn pipeline_drained(base_url: &str, load_ended: Instant) -> Option<lag::LagDrain> {
    let base = Url::parse(base_url).ok()?;
    let http = reqwest::Client::new();
    Some(lag::watch_drain(&http, &base, load_ended, GAUGE_PERIOD, DRAIN_TIMEOUT).await)
}
