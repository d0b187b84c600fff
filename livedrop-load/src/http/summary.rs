//! [`HttpSummary`]: every figure of one HTTP run, as one serializable value: the JSON
//! the tool prints is this, and the human-readable report (`report.rs`) is drawn from it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::percentiles::Percentiles;
use crate::StockCheck;

/// One run of `orders`, `reads`, `mixed` or `baseline`.
#[derive(Clone, Debug, Serialize)]
pub struct HttpSummary {
    /// The mode: `"orders"`, `"reads"`, `"mixed"` or `"baseline"`.
    pub mode: &'static str,
    /// The server (for `baseline`, the bare one the tool served).
    pub base_url: String,
    /// The drop ordered from and read.
    pub drop_id: String,
    /// The figures asked for.
    pub config: HttpFigures,
    /// Things the reader should know (unknown orders, `429`s, ...).
    pub warnings: Vec<String>,
    /// The whole load, both kinds together.
    pub load: LoadFigures,
    /// `POST /orders`, when any were sent.
    pub orders: Option<OpFigures>,
    /// `GET /api/drops/{id}`, when any were sent.
    pub reads: Option<OpFigures>,
    /// Orders that got no answer, asked about again before the oversell check.
    pub unanswered: Option<Unanswered>,
    /// The oversell check (real servers, when orders were sent).
    pub stock: Option<StockCheck>,
    /// The server process's cost (with `--server-pid`).
    pub server: Option<ServerCost>,
    /// The same load against the bare server (with `--baseline`).
    pub baseline: Option<BaselineComparison>,
    /// Why the run failed, one sentence each; empty when it passed.
    pub failures: Vec<String>,
    /// No failure.
    pub passed: bool,
}

/// The run's settings.
#[derive(Clone, Debug, Serialize)]
pub struct HttpFigures {
    /// Buyers whose tokens the orders rotate over (0 without orders).
    pub buyers: usize,
    /// Workers, one connection each.
    pub connections: usize,
    /// Load duration, s.
    pub seconds: f64,
    /// Requests per second asked for (open loop); `None`: closed loop.
    pub rate: Option<u32>,
    /// The share of requests that are reads.
    pub read_share: f64,
    /// The drop's initial stock (`None` against the bare server, which has none).
    pub stock: Option<i64>,
}

/// The load as a whole.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LoadFigures {
    /// From the first request to the last answer, s.
    pub seconds: f64,
    /// Requests sent, both kinds.
    pub requests: u64,
    /// Answers (any status) per second, both kinds.
    pub answered_per_second: f64,
    /// Open loop: requests due that no worker got to in time (all connections were
    /// waiting on the server); 0 in a closed loop.
    pub behind: u64,
}

/// One kind of request. `requests = answered + errors`, and `answered` is the sum of
/// `by_status`, of which `ok`, `rate_limited` and `refused` are a partition.
#[derive(Clone, Debug, Default, Serialize)]
pub struct OpFigures {
    /// Requests sent.
    pub requests: u64,
    /// Requests answered (any status).
    pub answered: u64,
    /// Successful answers: `201` orders, `200` reads.
    pub ok: u64,
    /// `429`s.
    pub rate_limited: u64,
    /// Other answers, by problem code (`sold_out`, ...; `http_STATUS` without one).
    pub refused: BTreeMap<String, u64>,
    /// Requests with no answer.
    pub errors: u64,
    /// Those by why: `connect`, `timeout`, `transport`.
    pub errors_by_kind: BTreeMap<String, u64>,
    /// Answers by status code.
    pub by_status: BTreeMap<String, u64>,
    /// Answers per second.
    pub answered_per_second: f64,
    /// Successful answers per second: the throughput.
    pub ok_per_second: f64,
    /// Latency of the successful answers (open loop: from when each was due).
    pub latency_ms: Percentiles,
    /// Latency of the refusals other than `429` (how fast a server that cannot serve, a
    /// dependency being down, says so).
    pub refused_latency_ms: Percentiles,
}

/// Orders with no answer that the server may have acted on.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Unanswered {
    /// Asked about again, with the same key, after the load.
    pub asked_again: u64,
    /// Of those, confirmed (they took stock).
    pub confirmed: u64,
    /// Of those, still unknown: the oversell check cannot account for them.
    pub unknown: u64,
}

/// What the load cost the server process (`/proc/PID`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct ServerCost {
    /// The process (the first, when there are several).
    pub pid: u32,
    /// Processes counted (two with a second instance).
    pub processes: usize,
    /// User plus system CPU time over the load, s; after orders, until the event pipeline
    /// had caught up (see `pipeline_drained_after_ms`).
    pub cpu_seconds: Option<f64>,
    /// That, per answered request, µs.
    pub cpu_us_per_request: Option<f64>,
    /// Resident memory after the load, KiB.
    pub rss_kib: Option<u64>,
    /// After orders: how long after the load the outbox and the consumers had caught up,
    /// ms (`None`: not within two minutes, or the server publishes no lag).
    pub pipeline_drained_after_ms: Option<f64>,
    /// After orders, when the pipeline had not caught up within two minutes: the lag
    /// (consumers' plus the outbox's) at the last reading. `cpu_seconds` then counts the
    /// whole wait.
    pub pipeline_lag_left: Option<f64>,
    /// With `pipeline_lag_left`: the server's consumers' failed attempts to join their
    /// groups since it started (`None`: not published).
    pub consumer_join_failures: Option<f64>,
}

/// Real ÷ baseline for one kind of request; `None` where either side lacks the figure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Ratios {
    /// Successful answers per second.
    pub throughput: Option<f64>,
    /// 99th percentile latency.
    pub p99: Option<f64>,
}

/// The baseline run and the ratios.
#[derive(Clone, Debug, Serialize)]
pub struct BaselineComparison {
    /// Orders, real ÷ baseline.
    pub orders: Option<Ratios>,
    /// Reads, real ÷ baseline.
    pub reads: Option<Ratios>,
    /// The baseline run's own figures.
    pub run: Box<HttpSummary>,
}
