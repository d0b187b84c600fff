//! [`Summary`]: every figure of a pipeline run, as one serializable value: the JSON the
//! tool prints is this, and the human-readable report (`report.rs`) is drawn from it.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::{LagDrain, LatencyStats, Thresholds};

/// One pipeline run.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// `"pipeline"`: the mode, for readers of several modes' JSON.
    pub mode: &'static str,
    /// The server.
    pub base_url: String,
    /// The drop ordered from.
    pub drop_id: String,
    /// The figures asked for.
    pub config: RunFigures,
    /// Things the reader should know (too few buyers for the rate, ...).
    pub warnings: Vec<String>,
    /// The orders.
    pub orders: OrdersSummary,
    /// Event-to-stream latency.
    pub stream: StreamSummary,
    /// Event-to-inbox latency.
    pub inbox: InboxSummary,
    /// The server's own `livedrop_event_delivery_seconds{group="livedrop-notifications"}`
    /// over the run.
    pub server_delivery: DeliverySummary,
    /// Consumer lag after the load.
    pub lag: LagDrain,
    /// The oversell check.
    pub stock: StockCheck,
    /// Why the run failed, one sentence each; empty when it passed.
    pub failures: Vec<String>,
    /// No failure.
    pub passed: bool,
}

/// The run's settings.
#[derive(Clone, Debug, Serialize)]
pub struct RunFigures {
    /// Buyers.
    pub buyers: usize,
    /// Target orders/s.
    pub rate: u32,
    /// Load duration, s.
    pub seconds: f64,
    /// Buyers holding an event stream.
    pub listeners: usize,
    /// Whether the listeners follow the creator.
    pub followers_stream: bool,
    /// Whether every client sent from one address.
    pub one_address: bool,
    /// Every this-many-th confirmation's inbox is timed.
    pub inbox_sample: u64,
    /// Orders in flight at most.
    pub max_in_flight: usize,
    /// The drop's initial stock.
    pub stock: i64,
    /// The thresholds checked.
    pub thresholds: Thresholds,
}

/// What became of the orders.
#[derive(Clone, Debug, Default, Serialize)]
pub struct OrdersSummary {
    /// Orders the schedule called for.
    pub scheduled: u64,
    /// Orders sent.
    pub sent: u64,
    /// Orders due while `max_in_flight` were unanswered, so not sent (the server fell
    /// behind).
    pub skipped: u64,
    /// `201`s during the run.
    pub confirmed: u64,
    /// `429 rate_limited`.
    pub rate_limited: u64,
    /// Other refusals by problem code.
    pub refused: BTreeMap<String, u64>,
    /// Orders with no answer (transport errors, timeouts).
    pub failed: u64,
    /// Of those, confirmed when asked again with the same key after the load.
    pub confirmed_on_replay: u64,
    /// Of those, still unknown after asking again.
    pub unknown: u64,
    /// Whether every order was answered before the tool stopped waiting.
    pub settled: bool,
    /// From the first order due to the last, s.
    pub window_seconds: f64,
    /// Orders sent per second over the window.
    pub sent_per_second: f64,
    /// `201`s per second over the window.
    pub confirmed_per_second: f64,
    /// Latency of the `201`s.
    pub latency_ms: LatencyStats,
}

/// What the listeners' event streams received.
#[derive(Clone, Debug, Default, Serialize)]
pub struct StreamSummary {
    /// Streams held open.
    pub listeners: usize,
    /// Streams that received at least one event.
    pub listeners_with_events: usize,
    /// The server's open-streams gauge once the listeners had connected (`None`: not
    /// published).
    pub streams_open_at_start: Option<f64>,
    /// Events received, all streams.
    pub events: u64,
    /// Events by type.
    pub by_type: BTreeMap<String, u64>,
    /// Errors the streams yielded.
    pub errors: u64,
    /// Receipt time minus the event's `occurredAt`.
    pub latency_ms: LatencyStats,
}

/// The timed inbox samples.
#[derive(Clone, Debug, Default, Serialize)]
pub struct InboxSummary {
    /// Confirmations sampled.
    pub sampled: u64,
    /// Found in the buyer's inbox.
    pub found: u64,
    /// Not found by the deadline (the grace after the load).
    pub missing: u64,
    /// Inbox reads made.
    pub polls: u64,
    /// Inbox reads that failed.
    pub poll_errors: u64,
    /// Time the notification was seen minus the event's `occurredAt`.
    pub latency_ms: LatencyStats,
}

/// The server's delivery histogram, after minus before.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DeliverySummary {
    /// Whether the server published the histogram.
    pub present: bool,
    /// Events the notification consumer applied during the run.
    pub count: u64,
    /// Their mean event-time-to-receipt, ms (`None` without events).
    pub mean_ms: Option<f64>,
}

/// `initialStock - available` against the `201`s this tool saw.
#[derive(Clone, Debug, Default, Serialize)]
pub struct StockCheck {
    /// The drop's initial stock.
    pub initial_stock: u32,
    /// Units left, as the server reports them.
    pub available: u32,
    /// `initial_stock - available`.
    pub sold: i64,
    /// `201`s seen, on the run and on replays.
    pub confirmed_seen: u64,
    /// `sold == confirmed_seen`.
    pub ok: bool,
}
