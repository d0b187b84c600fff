//! The `sweep` mode: `orders` and `reads`, each with its bare-axum baseline, at several
//! connection counts, so throughput and p99 can be read against concurrency; and the plot
//! of them ([`plot::draw`]), drawn from the sweep's own JSON.
//!
//! # Layout
//! - this file: [`SweepConfig`], [`run`], and the figures kept per point ([`Sweep`],
//!   [`SweepPoint`]), which are also what `plot` reads back from a saved sweep.
//! - `plot`: the PNG.

pub mod plot;

use std::fmt;

use indicatif::ProgressBar;
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::http::{self, HttpConfig, HttpSummary, OpFigures};

/// What a sweep runs.
#[derive(Clone, Debug)]
pub struct SweepConfig {
    /// Every figure but the connections, which each point sets; `baseline` is forced on.
    pub http: HttpConfig,
    /// The connection counts, one point per mode each.
    pub connections: Vec<usize>,
    /// What the server runs on, for the plot's title (`PostgreSQL + Redis + Kafka`).
    pub label: Option<String>,
}

/// The two modes a sweep runs (`"orders"` and `"reads"` in its JSON).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SweepMode {
    /// `POST /orders` on one hot drop.
    Orders,
    /// `GET /api/drops/{id}`, the cached read.
    Reads,
}

impl SweepMode {
    /// What it sends, for people.
    pub fn route(self) -> &'static str {
        match self {
            Self::Orders => "POST /orders, one hot drop",
            Self::Reads => "GET /api/drops/{id}, cached",
        }
    }

    /// Its figures in a summary of its run.
    fn figures(self, summary: &HttpSummary) -> Option<&OpFigures> {
        match self {
            Self::Orders => summary.orders.as_ref(),
            Self::Reads => summary.reads.as_ref(),
        }
    }
}

impl fmt::Display for SweepMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Self::Orders => "orders",
            Self::Reads => "reads",
        })
    }
}

/// One mode at one connection count, beside its baseline from the same run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    /// Which mode.
    pub mode: SweepMode,
    /// Connections (closed loop: requests in flight).
    pub connections: usize,
    /// Successful answers per second.
    pub ok_per_second: f64,
    /// 99th percentile latency of the successful answers, ms.
    pub p99_ms: Option<f64>,
    /// The bare axum app's figures with the same client, right after.
    pub baseline_ok_per_second: f64,
    /// Its p99, ms.
    pub baseline_p99_ms: Option<f64>,
    /// The server's CPU per request, µs (with `--server-pid`; after orders, counted
    /// until the event pipeline had caught up).
    pub server_cpu_us: Option<f64>,
    /// After orders: how long after the load the pipeline had caught up, ms (`None`: not
    /// within two minutes, or not measured).
    pub pipeline_drained_after_ms: Option<f64>,
    /// Whether the run's own checks passed (for orders: no oversell).
    pub passed: bool,
}

/// Every point of a sweep, in the order run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    /// The server swept.
    pub base_url: String,
    /// What it runs on, as given.
    #[serde(default)]
    pub label: Option<String>,
    /// Seconds each point's load lasted.
    pub seconds: f64,
    /// The points.
    pub points: Vec<SweepPoint>,
}

impl Sweep {
    /// The points of one mode, by connections.
    pub fn of(&self, mode: SweepMode) -> Vec<&SweepPoint> {
        let mut points: Vec<_> = self.points.iter().filter(|p| p.mode == mode).collect();
        points.sort_by_key(|p| p.connections);
        points
    }

    /// Whether every point's checks passed.
    pub fn passed(&self) -> bool {
        !self.points.is_empty() && self.points.iter().all(|p| p.passed)
    }
}

/// Runs `orders` then `reads` at each connection count of `config`, drawing on `bar`.
///
/// # Errors
/// A point that could not be run (set-up refused, server gone).
pub async fn run(config: &SweepConfig, bar: &ProgressBar) -> Result<Sweep, Error> {
    if config.connections.is_empty() {
        return Err("--connections names no connection count".into());
    }
    let mut sweep = Sweep {
        base_url: config.http.base_url.clone(),
        label: config.label.clone(),
        seconds: config.http.duration.as_secs_f64(),
        points: Vec::new(),
    };
    for &connections in &config.connections {
        let point = HttpConfig {
            connections,
            baseline: true,
            ..config.http.clone()
        };
        let orders = http::orders(&point, bar).await?;
        sweep
            .points
            .push(SweepPoint::of(SweepMode::Orders, connections, &orders));
        let reads = http::reads(&point, bar).await?;
        sweep
            .points
            .push(SweepPoint::of(SweepMode::Reads, connections, &reads));
    }
    Ok(sweep)
}

impl SweepPoint {
    fn of(mode: SweepMode, connections: usize, summary: &HttpSummary) -> Self {
        let figures = |summary: &HttpSummary| {
            mode.figures(summary).map_or((0.0, None), |ops| {
                (ops.ok_per_second, ops.latency_ms.p99_ms)
            })
        };
        let (ok_per_second, p99_ms) = figures(summary);
        let (baseline_ok_per_second, baseline_p99_ms) = summary
            .baseline
            .as_ref()
            .map_or((0.0, None), |baseline| figures(&baseline.run));
        Self {
            mode,
            connections,
            ok_per_second,
            p99_ms,
            baseline_ok_per_second,
            baseline_p99_ms,
            server_cpu_us: summary.server.as_ref().and_then(|s| s.cpu_us_per_request),
            pipeline_drained_after_ms: summary
                .server
                .as_ref()
                .and_then(|s| s.pipeline_drained_after_ms),
            passed: summary.passed,
        }
    }
}

impl fmt::Display for Sweep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = |ms: Option<f64>| ms.map_or_else(|| "-".to_owned(), |ms| format!("{ms:.1} ms"));
        let on = self
            .label
            .as_ref()
            .map_or_else(String::new, |l| format!(" on {l}"));
        writeln!(
            f,
            "sweep of {}{on} ({} s a point)",
            self.base_url, self.seconds
        )?;
        writeln!(
            f,
            "{:<7} {:>5} {:>12} {:>10} {:>12} {:>10} {:>6} {:>9} {:>8}",
            "mode", "conns", "ok/s", "p99", "bare ok/s", "bare p99", "ratio", "cpu/op", "drained"
        )?;
        for p in &self.points {
            let ratio = if p.baseline_ok_per_second > 0.0 {
                format!("{:.2}x", p.ok_per_second / p.baseline_ok_per_second)
            } else {
                "-".to_owned()
            };
            writeln!(
                f,
                "{:<7} {:>5} {:>12.0} {:>10} {:>12.0} {:>10} {:>6} {:>9} {:>8}{}",
                p.mode,
                p.connections,
                p.ok_per_second,
                ms(p.p99_ms),
                p.baseline_ok_per_second,
                ms(p.baseline_p99_ms),
                ratio,
                p.server_cpu_us
                    .map_or_else(|| "-".to_owned(), |us| format!("{us:.1} µs")),
                match (p.mode, p.pipeline_drained_after_ms) {
                    (SweepMode::Orders, Some(ms)) => format!("{:.1} s", ms / 1000.0),
                    (SweepMode::Orders, None) => "no".to_owned(),
                    (SweepMode::Reads, _) => String::new(),
                },
                if p.passed { "" } else { "  FAILED" }
            )?;
        }
        Ok(())
    }
}
