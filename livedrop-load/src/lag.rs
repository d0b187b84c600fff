//! [`watch_drain`]: how long after the load the server's event pipeline caught up, read
//! on `GET /metrics` from `livedrop_consumer_lag` (summed over every consumer group) plus
//! `livedrop_outbox_pending` (events not yet relayed to the bus), when published, and
//! whether the consumers failed to join their groups meanwhile.

use std::time::{Duration, Instant};

use livedrop_client::Url;
use serde::Serialize;

use crate::prometheus::Metrics;

/// How often `/metrics` is read.
const POLL_EVERY: Duration = Duration::from_millis(100);
/// A gauge still absent this long into the watch is taken as not published at all (the
/// consumers set it within a second of starting), rather than waited for to the timeout.
const ABSENT_AFTER: Duration = Duration::from_secs(5);
/// The consumers' gauge; the watch needs it.
const GAUGE: &str = "livedrop_consumer_lag";
/// The relay's gauge; counted when the server publishes it.
const OUTBOX_GAUGE: &str = "livedrop_outbox_pending";
/// The consumers' failed joins; read when the server publishes it.
const JOIN_FAILURES: &str = "livedrop_consumer_join_failures_total";

/// What the watch saw.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LagDrain {
    /// Whether the server published the gauge at all.
    pub metric_present: bool,
    /// Time from the end of the load to the first reading of 0 (ms); `None` if it never
    /// read 0 within the timeout. The server refreshes the gauge about once a second,
    /// so this is accurate to about that.
    pub drained_after_ms: Option<f64>,
    /// The last reading (0 once drained).
    pub last_value: Option<f64>,
    /// Highest reading during the watch.
    pub max_value: Option<f64>,
    /// The server's consumers' failed attempts to join their groups since it started, at
    /// the last reading (`None`: the server does not count them). Lag that stays while
    /// joins fail is the broker's doing.
    pub join_failures: Option<f64>,
    /// Scrapes made.
    pub scrapes: u64,
    /// Scrapes that failed (connection, status).
    pub scrape_errors: u64,
}

/// Reads the gauges every 100 ms from now until they read 0 or `timeout` passes, timing
/// from `load_ended`. A 0 read before `not_before` has passed since `load_ended` does not
/// count: the server refreshes the gauges about once a second, so a caller that must not
/// take a figure from before the load's last events waits that long.
pub async fn watch_drain(
    http: &reqwest::Client,
    base: &Url,
    load_ended: Instant,
    not_before: Duration,
    timeout: Duration,
) -> LagDrain {
    let mut drain = LagDrain::default();
    let started = Instant::now();
    loop {
        drain.scrapes += 1;
        match Metrics::scrape(http, base).await {
            Ok(metrics) => {
                if let Some(consumers) = metrics.sum(GAUGE, &[]) {
                    let lag = consumers + metrics.sum(OUTBOX_GAUGE, &[]).unwrap_or(0.0);
                    drain.metric_present = true;
                    drain.last_value = Some(lag);
                    drain.max_value = Some(drain.max_value.map_or(lag, |max| max.max(lag)));
                    drain.join_failures = metrics.sum(JOIN_FAILURES, &[]);
                    if lag <= 0.0 && load_ended.elapsed() >= not_before {
                        drain.drained_after_ms = Some(load_ended.elapsed().as_secs_f64() * 1000.0);
                        return drain;
                    }
                }
            }
            Err(_) => drain.scrape_errors += 1,
        }
        let waited = started.elapsed();
        if waited >= timeout || (!drain.metric_present && waited >= ABSENT_AFTER) {
            return drain;
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}
