//! `livedrop-load`'s library: each load mode is a function that runs it against a server
//! and returns its summary, so the binary only parses arguments, prints and picks the
//! exit code, and tests run a mode in process against a real server.
//!
//! Modes: [`pipeline`] (orders at a fixed rate and the event pipeline behind them),
//! [`sse`] (many event streams: exact delivery, resumes, and what they cost the server),
//! and the [`http`] modes (`orders`, `reads`, `mixed`, `baseline`: throughput and
//! latency of the hottest routes against a bare-server floor), and [`sweep`] (`orders` and
//! `reads` at several connection counts, and their plot).
//! See the binary's `# Layout` for the files.

mod accounts;
mod config;
pub mod confirmations;
mod delivery;
pub mod http;
mod inbox;
mod lag;
mod latency;
mod listeners;
mod orders;
mod outcomes;
mod oversell;
pub mod pipeline;
mod progress;
mod prometheus;
mod replay;
mod report;
mod setup;
pub mod sse;
mod summary;
pub mod sweep;
mod thresholds;

pub use config::PipelineConfig;
pub use http::{HttpConfig, HttpSummary};
pub use lag::LagDrain;
pub use latency::LatencyStats;
pub use sse::{SseConfig, SseSummary};
pub use summary::{
    DeliverySummary, InboxSummary, OrdersSummary, RunFigures, StockCheck, StreamSummary, Summary,
};
pub use thresholds::Thresholds;

/// Errors that stop a run: set-up refusals, an unreachable server, bad figures. Any error
/// type, since the tool only reports them.
pub type Error = Box<dyn std::error::Error + Send + Sync>;
