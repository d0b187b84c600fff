//! `livedrop-load`: load against any running LiveDrop server, one mode per subcommand.
//!
//! ```sh
//! cargo run -p livedrop-server                      # in one terminal (memory backends)
//! cargo run -p livedrop-load -- pipeline --buyers 200 --rate 300 --seconds 5 --listeners 20
//! ```
//!
//! `pipeline` sets up one drop, sends orders at `--rate` a second for `--seconds` (open
//! loop, spread over `--buyers`), and reports order throughput and latency, event latency
//! to the listeners' streams and to the buyers' inboxes, the server's own delivery
//! histogram, how fast its consumer lag drained, and whether the drop was oversold. The
//! summary is printed for people, then as one JSON object on stdout's last line (and to
//! `--json PATH`). Exit status: 0 passed, 1 the oversell check or a threshold failed,
//! 2 the run could not be made.
//!
//! # Layout
//! - `main.rs`: the command line, printing, the exit code.
//! - `lib.rs`: the library the binary and the tests call; `pipeline.rs`: the mode, as
//!   one function from [`PipelineConfig`] to [`Summary`].
//! - Set-up: `config.rs` (the figures, their checks, the buyers-versus-rate-limit
//!   warning), `accounts.rs` (clients per loopback address, sign-ups), `setup.rs` (seller,
//!   creator, product, the drop, waiting for it to go live).
//! - Load: `orders.rs` (the open-loop ticker, the in-flight bound, replaying unanswered
//!   orders), `outcomes.rs` (the live tally of answers).
//! - Measures: `listeners.rs` (event streams), `inbox.rs` (inbox pollers),
//!   `prometheus.rs` (scraping and parsing `/metrics`), `delivery.rs` (the server's
//!   delivery histogram), `lag.rs` (consumer lag drain), `latency.rs` (percentiles).
//! - Output: `summary.rs` (every figure, serializable), `report.rs` (the human-readable
//!   form), `thresholds.rs` (the verdict), `progress.rs` (the progress bar).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget};
use livedrop_load::{PipelineConfig, Summary, Thresholds};

#[derive(Parser)]
#[command(
    name = "livedrop-load",
    version,
    about = "Load against a running LiveDrop server"
)]
struct Cli {
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// Orders at a fixed rate on one drop, and the event pipeline behind them.
    Pipeline(PipelineArgs),
}

#[derive(Args)]
struct PipelineArgs {
    /// The server.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base_url: String,
    /// Buyers; the orders are spread evenly over them.
    #[arg(long, default_value_t = 1000)]
    buyers: usize,
    /// Target orders per second, all buyers together.
    #[arg(long, default_value_t = 3000)]
    rate: u32,
    /// How long orders are sent, in seconds.
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// Buyers that also hold their event stream open.
    #[arg(long, default_value_t = 60)]
    listeners: usize,
    /// The listeners follow the drop's creator, so they also receive its stock events.
    #[arg(long)]
    followers_stream: bool,
    /// Every client sends from the system's default address rather than one loopback
    /// address per buyer (needed for a server on another machine; sign-ups then wait out
    /// the per-address limit).
    #[arg(long)]
    one_address: bool,
    /// Time every this-many-th confirmed order's arrival in the buyer's inbox (0: none).
    #[arg(long, default_value_t = 20)]
    inbox_sample: u64,
    /// Orders awaiting an answer at most; orders due beyond it are skipped and counted.
    #[arg(long, default_value_t = 2048)]
    max_in_flight: usize,
    /// Also write the JSON summary to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Fail unless the event-to-inbox p99 is at most this many milliseconds.
    #[arg(long)]
    max_inbox_p99_ms: Option<f64>,
    /// Fail unless the consumer lag reads 0 within this many milliseconds of the load.
    #[arg(long)]
    max_lag_drain_ms: Option<f64>,
    /// Fail unless at least this many orders per second are confirmed.
    #[arg(long)]
    min_orders_per_second: Option<f64>,
}

impl PipelineArgs {
    fn config(&self) -> PipelineConfig {
        PipelineConfig {
            base_url: self.base_url.clone(),
            buyers: self.buyers,
            rate: self.rate,
            duration: Duration::from_secs(self.seconds),
            listeners: self.listeners,
            followers_stream: self.followers_stream,
            one_address: self.one_address,
            inbox_sample: self.inbox_sample,
            max_in_flight: self.max_in_flight,
            thresholds: Thresholds {
                max_inbox_p99_ms: self.max_inbox_p99_ms,
                max_lag_drain_ms: self.max_lag_drain_ms,
                min_orders_per_second: self.min_orders_per_second,
            },
            ..PipelineConfig::default()
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match Cli::parse().mode {
        Mode::Pipeline(args) => pipeline(args).await,
    }
}

async fn pipeline(args: PipelineArgs) -> ExitCode {
    let config = args.config();
    if let Some(warning) = config.capacity_warning() {
        eprintln!("warning: {warning}");
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    let summary = match livedrop_load::pipeline::run(&config, &bar).await {
        Ok(summary) => summary,
        Err(error) => {
            bar.abandon();
            eprintln!("livedrop-load: {error}");
            return ExitCode::from(2);
        }
    };
    match print(&summary, args.json.as_ref()) {
        Ok(()) if summary.passed => ExitCode::SUCCESS,
        Ok(()) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("livedrop-load: {error}");
            ExitCode::from(2)
        }
    }
}

/// The report, then the JSON on the last line (and into `json`, if given).
fn print(summary: &Summary, json: Option<&PathBuf>) -> Result<(), livedrop_load::Error> {
    let encoded = serde_json::to_string(summary)?;
    println!("{summary}");
    println!("{encoded}");
    if let Some(path) = json {
        std::fs::write(path, format!("{encoded}\n"))
            .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    }
    Ok(())
}
