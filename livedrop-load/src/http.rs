//! The HTTP modes: how fast the server answers its two hottest routes, and what that
//! costs it, against a floor measured in the same run by the same client.
//!
//! - [`orders`]: `POST /orders` on one hot drop (live, a large stock, no per-user limit)
//!   from many workers, rotating over the buyers' tokens, then the oversell check.
//! - [`reads`]: `GET /api/drops/{id}`, the cached read.
//! - [`mixed`]: both at once, `read_share` of the requests reads.
//! - [`baseline()`]: the same load against a bare axum app served in process; `orders`,
//!   `reads` and `mixed` run it right after themselves with `baseline` set and report
//!   real ÷ baseline.
//!
//! Each worker holds one keep-alive connection and sends closed loop (the next request
//! when the last is answered) or, with a `rate`, open loop (each request at its due
//! time, latency counted from then).
//!
//! # Layout
//! - Set-up: `config` ([`HttpConfig`] and its checks), `stage` (seller, hot drop, buyers,
//!   through the pipeline's set-up).
//! - Client: `requests` (the two requests, pre-built), `connection` (one worker's
//!   connection, hyper directly: why there), `schedule` (read or order, and when),
//!   `workers` (the workers' loop), `load` (one load against one server, with the
//!   progress bar).
//! - Measures: `tally` (answers by status, code and failure), `percentiles` (HDR
//!   histograms), `server_cost` (CPU per request and RSS, through `sse/host.rs`).
//! - The floor: `baseline` (the bare server and the real answers' sizes), `comparison`
//!   (real ÷ baseline).
//! - Modes and output: `modes` (the four functions; the oversell check and the replay of
//!   unanswered orders are the pipeline's `oversell.rs` and `replay.rs`), `verdict`
//!   (warnings, failures), `summary` ([`HttpSummary`]), `report` (the human-readable
//!   form).

mod baseline;
mod comparison;
mod config;
mod connection;
mod load;
mod modes;
mod percentiles;
mod report;
mod requests;
mod schedule;
mod server_cost;
mod stage;
mod summary;
mod tally;
mod verdict;
mod workers;

pub use baseline::{
    ACCESS_TOKEN_BYTES, BaselineServer, CACHED_DROP_ANSWER_BYTES, ORDER_ANSWER_BYTES,
};
pub use config::HttpConfig;
pub use modes::{baseline, mixed, orders, reads};
pub use percentiles::Percentiles;
pub use summary::{
    BaselineComparison, HttpFigures, HttpSummary, LoadFigures, OpFigures, Ratios, ServerCost,
    Unanswered,
};
