//! [`SseSummary`]: every figure of an `sse` run, serializable: the JSON the tool prints,
//! and the source of the report (`sse/report.rs`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::LatencyStats;

/// One `sse` run.
#[derive(Clone, Debug, Serialize)]
pub struct SseSummary {
    /// `"sse"`.
    pub mode: &'static str,
    /// The servers.
    pub base_urls: Vec<String>,
    /// The drop the followers heard start and the buyers ordered from.
    pub drop_id: String,
    /// The figures asked for.
    pub config: SseFigures,
    /// Things the reader should know.
    pub warnings: Vec<String>,
    /// Opening the streams.
    pub open: OpenSummary,
    /// The check of every stream.
    pub delivery: DeliveryCheck,
    /// `occurredAt` to receipt.
    pub latency: LatencySummary,
    /// The storm, if asked for.
    pub storm: Option<StormSummary>,
    /// The resumes from before the window, if asked for.
    pub gap: Option<GapSummary>,
    /// The streams that never read, if asked for.
    pub stuck: Option<StuckSummary>,
    /// Each server's own figures.
    pub servers: Vec<ServerSummary>,
    /// PostgreSQL while idle, with `--database-url`.
    pub database: Option<DatabaseIdle>,
    /// Why the run failed; empty when it passed.
    pub failures: Vec<String>,
    /// No failure.
    pub passed: bool,
}

/// The run's settings.
#[derive(Clone, Debug, Serialize)]
pub struct SseFigures {
    /// Streams.
    pub streams: usize,
    /// Of them, following the creator.
    pub followers: usize,
    /// Of them, placing one order each.
    pub buyers: usize,
    /// The drop's stock.
    pub stock: i64,
    /// Storm streams.
    pub storm: usize,
    /// Orders per storm user while away.
    pub away_events: usize,
    /// Whether the storm streams resumed from before the window too.
    pub storm_gap: bool,
    /// Streams that never read.
    pub stuck: usize,
    /// Events sent to each stuck stream.
    pub stuck_events: usize,
    /// Idle period, s.
    pub idle_seconds: f64,
}

/// Opening the streams.
#[derive(Clone, Debug, Default, Serialize)]
pub struct OpenSummary {
    /// Streams that opened.
    pub opened: usize,
    /// Streams that never opened (each a miss for what it should have received).
    pub failed: usize,
    /// The first refusals, as the server said them.
    pub errors: Vec<String>,
    /// From the first request to the last `open`, ms.
    pub took_ms: f64,
}

/// Every stream checked.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DeliveryCheck {
    /// Streams checked.
    pub streams: u64,
    /// Streams with nothing wrong.
    pub streams_ok: u64,
    /// Events the streams should have received, all together.
    pub expected: u64,
    /// Of them, never received.
    pub missed: u64,
    /// Events received more than once (same event id).
    pub repeated: u64,
    /// Ids that did not cover the previous one.
    pub out_of_order: u64,
    /// Events nobody expected on their stream.
    pub unexpected: u64,
    /// `reset`s received where none was asked for.
    pub extra_resets: u64,
    /// `reset`s asked for and never received.
    pub missing_resets: u64,
    /// Connections the server ended by itself (`reconnect`, or a cut), each resumed.
    pub server_ends: u64,
    /// The first streams with something wrong.
    pub examples: Vec<String>,
}

/// Event time to receipt.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LatencySummary {
    /// `drop.started`, every follower.
    pub drop_started_ms: LatencyStats,
    /// The buyers' `order.confirmed`.
    pub orders_ms: LatencyStats,
    /// Whether the orders went through another server than their streams.
    pub orders_cross_node: bool,
}

/// The storm.
#[derive(Clone, Debug, Default, Serialize)]
pub struct StormSummary {
    /// Streams that disconnected.
    pub streams: usize,
    /// Orders placed while they were away, all together.
    pub away_orders: u64,
    /// Of them, refused or unanswered.
    pub away_orders_failed: u64,
    /// From the disconnect to the resumes, ms.
    pub away_ms: f64,
    /// From the first resume sent to the last answered, ms.
    pub reconnect_ms: f64,
    /// Away events received after resuming.
    pub replayed: u64,
    /// Away events never received.
    pub missed: u64,
    /// Whether the resumes went to another server than the streams were on.
    pub cross_node: bool,
}

/// Resumes from the zero position, after the idle period.
#[derive(Clone, Debug, Default, Serialize)]
pub struct GapSummary {
    /// Streams resumed.
    pub streams: usize,
    /// `reset`s received on those connections.
    pub resets: u64,
    /// Their reasons.
    pub reasons: BTreeMap<String, u64>,
    /// Events replayed instead (the window still reached back to the zero position).
    pub replayed_instead: u64,
}

/// The streams that never read.
#[derive(Clone, Debug, Default, Serialize)]
pub struct StuckSummary {
    /// Stuck streams opened.
    pub streams: usize,
    /// Events sent to each (drops starting at once).
    pub events_each: usize,
    /// Whether the server's stream gauge came back down by all of them.
    pub all_closed: bool,
    /// From the burst (the drops' start) to the gauge reading them gone, ms.
    pub closed_after_ms: Option<f64>,
    /// `livedrop_realtime_slow_closes_total` over the phase, all servers.
    pub slow_closes: f64,
    /// `livedrop_realtime_queue_overflows_total` over the phase, all servers.
    pub queue_overflows: f64,
    /// Stuck clients whose bytes end with a `reconnect`: ended after their queue rather
    /// than cut (the rest were cut: their queue could not be written out).
    pub ended_with_reconnect: usize,
    /// Frames each stuck client could still read after the cut: least, most.
    pub frames_buffered: (u64, u64),
    /// Per `--server-pid`: RSS before the burst and after the cut, KiB.
    pub rss_kib: Vec<(Option<u64>, Option<u64>)>,
}

/// One server's own figures.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ServerSummary {
    /// Its base URL.
    pub base_url: String,
    /// Streams opened on it.
    pub streams: usize,
    /// `livedrop_sse_connections` once they were open.
    pub sse_connections: Option<f64>,
    /// Its `--server-pid`.
    pub pid: Option<u32>,
    /// RSS before the streams opened, KiB.
    pub rss_before_kib: Option<u64>,
    /// RSS with them open, KiB.
    pub rss_after_kib: Option<u64>,
    /// Growth per stream, KiB.
    pub rss_per_stream_kib: Option<f64>,
    /// CPU over the idle period, % of one core.
    pub idle_cpu_percent: Option<f64>,
    /// `livedrop_realtime_events_total` over the run.
    pub events: Option<f64>,
    /// `livedrop_realtime_encodes_total` over the run.
    pub encodes: Option<f64>,
    /// Encodes per event (must be at most 1).
    pub encodes_per_event: Option<f64>,
    /// `livedrop_realtime_queue_overflows_total` over the run.
    pub queue_overflows: Option<f64>,
    /// `livedrop_realtime_slow_closes_total` over the run.
    pub slow_closes: Option<f64>,
    /// `livedrop_realtime_fanout_seconds` over the run.
    pub fanout: Option<FanoutSummary>,
}

/// The server's fan-out histogram (news time to the frame's write), over the run.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FanoutSummary {
    /// Frames written.
    pub count: f64,
    /// Mean, ms.
    pub mean_ms: Option<f64>,
    /// The bucket bound the median falls under, ms; `None` past the last bound.
    pub p50_under_ms: Option<f64>,
    /// The bucket bound the 99th percentile falls under, ms; `None` past the last bound.
    pub p99_under_ms: Option<f64>,
    /// The histogram's largest finite bound, ms.
    pub last_bound_ms: Option<f64>,
}

/// PostgreSQL over the idle period.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DatabaseIdle {
    /// `pg_stat_statements` (statements) or `pg_stat_database` (committed transactions).
    pub source: String,
    /// Per second.
    pub per_second: f64,
}
