//! `livedrop-load`: load against any running LiveDrop server, one mode per subcommand.
//!
//! ```sh
//! cargo run -p livedrop-server                      # in one terminal (memory backends)
//! cargo run -p livedrop-load -- pipeline --buyers 200 --rate 300 --seconds 5 --listeners 20
//! ```
//!
//! ```sh
//! cargo run -p livedrop-load -- sse --streams 2000 --buyers 200 --storm 50 --server-pid "$(pgrep -n livedrop-server)"
//! ```
//!
//! ```sh
//! cargo build --release -p livedrop-server -p livedrop-load
//! target/release/livedrop-server --listen 127.0.0.1:8085 --no-rate-limits --password-hash 256,1,1 &
//! target/release/livedrop-load orders --base-url http://127.0.0.1:8085 --seconds 10 --baseline --server-pid $!
//! target/release/livedrop-load reads --base-url http://127.0.0.1:8085 --seconds 10 --baseline --server-pid $!
//! target/release/livedrop-load mixed --base-url http://127.0.0.1:8085 --read-share 0.9
//! target/release/livedrop-load baseline --read-share 0.5
//! target/release/livedrop-load sweep --base-url http://127.0.0.1:8085 --connections 16,64,256 --json sweep.json --png sweep.png
//! target/release/livedrop-load plot --from sweep.json --png sweep.png
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
//! `sse` opens `--streams` event streams (round robin over every `--base-url`), starts a
//! drop their users follow, has `--buyers` of them order through another server than
//! their stream's, and checks each stream got exactly its events, once, in order, with
//! no `reset`; optionally a storm of resumes (`--storm`, `--away-events`), resumes from
//! before the window (`--storm-gap`: start the server with a `--realtime-history`
//! shorter than `--idle-seconds`), and clients that never read (`--stuck`). It reports
//! delivery latency, and per `--server-pid` RSS per stream and CPU while idle. Same
//! output and exit status as `pipeline`. One process holds about 19,000 streams (one
//! socket each, under the default open-file limit of 20,000); run several for more.
//!
//! The HTTP modes measure the two hottest routes: `orders` (`POST /orders` on one hot
//! drop, rotating over `--buyers` buyers' tokens, then the oversell check), `reads`
//! (`GET /api/drops/{id}`, the cached read) and `mixed` (both, `--read-share` of them
//! reads), from `--connections` workers with one keep-alive connection each, closed loop
//! for `--seconds` or open loop at `--rate`. They report throughput, p50/p90/p99/p99.9/max
//! latency, answers by status and problem code, and with `--server-pid` the server's
//! CPU time per request and its RSS. `baseline` runs the same client against a bare axum
//! app served in process (bodies the size of the real answers): the floor; `--baseline`
//! runs it right after a real run and reports real/baseline for throughput and p99. Start
//! the server with `--no-rate-limits` (else the per-user limits turn most of the load
//! into 429s) and, for sign-ups that cost it next to nothing, `--password-hash 256,1,1`.
//! Same output and exit status as `pipeline` (1: oversold, or a kind of request never
//! succeeded).
//!
//! # Layout
//! - `main.rs`: the command line, printing, the exit code.
//! - `lib.rs`: the library the binary and the tests call; `pipeline.rs`: the mode, as
//!   one function from [`PipelineConfig`] to [`Summary`].
//! - Set-up: `config.rs` (the figures, their checks, the buyers-versus-rate-limit
//!   warning), `accounts.rs` (clients per loopback address, sign-ups),
//!   `confirmations.rs` (the sign-ups' links, from the server's mail directory), `setup.rs` (seller,
//!   creator, product, the drop, waiting for it to go live).
//! - Load: `orders.rs` (the open-loop ticker, the in-flight bound), `outcomes.rs` (the
//!   live tally of answers), `replay.rs` (asking again about unanswered orders, with the
//!   same key), `oversell.rs` (the server's sold units against the `201`s seen); the
//!   HTTP modes use the last two as well.
//! - Measures: `listeners.rs` (event streams), `inbox.rs` (inbox pollers),
//!   `prometheus.rs` (scraping and parsing `/metrics`), `delivery.rs` (the server's
//!   delivery histogram), `lag.rs` (consumer lag drain), `latency.rs` (percentiles).
//! - Output: `summary.rs` (every figure, serializable), `report.rs` (the human-readable
//!   form), `thresholds.rs` (the verdict), `progress.rs` (the progress bar).
//! - `sse.rs`: the `sse` mode, one function from [`SseConfig`] to [`SseSummary`], over
//!   `sse/`: `config.rs` (figures and checks), `users.rs` (a user per loopback address, a
//!   client per server), `connection.rs` (one stream's connection task), `frames.rs` (SSE
//!   parsing by hand), `log.rs` (what a stream received), `fleet.rs` (all the streams:
//!   open, cut, resume, wait), `ordering.rs` (orders that cause events), `storm.rs` (the
//!   storm and the gap), `stuck.rs` (clients that never read), `check.rs` (one stream
//!   against what it should have received), `verdict.rs` (all streams, latencies,
//!   failures), `host.rs` (RSS and CPU from `/proc`), `database.rs` (PostgreSQL's
//!   statement count), `server_metrics.rs` (the hub's counters and histogram),
//!   `servers.rs` (each server's figures), `summary.rs`, `report.rs`.
//! - `sweep.rs`: the `sweep` mode (`orders` and `reads` at several connection counts)
//!   and, in `sweep/plot.rs`, its PNG, which `plot` draws again from a saved sweep; the
//!   binary's `sweep_commands.rs` runs both.
//! - `http.rs`: the HTTP modes, `orders`, `reads`, `mixed` and `baseline`, each one
//!   function from [`HttpConfig`] to [`HttpSummary`], over `http/` (its own `# Layout`):
//!   the set-up, a hyper client with one connection per worker and pre-built requests,
//!   the tally and HDR percentiles, the bare baseline server and the comparison with it,
//!   the server's cost (through `sse/host.rs`), the summary and its report.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod http_args;
mod sweep_commands;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget};
use livedrop_load::{
    HttpConfig, HttpSummary, PipelineConfig, SseConfig, SseSummary, Summary, Thresholds, http,
};

use crate::http_args::{
    BaselineArgs, HttpMode, MixedArgs, OrdersArgs, PlotArgs, ReadsArgs, SweepArgs,
};
use serde::Serialize;

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
    /// Many event streams: exact delivery, resumes, stuck clients, and their cost.
    Sse(SseArgs),
    /// `POST /orders` on one hot drop, as fast as the server answers; oversell check.
    ///
    /// Sets up a seller, a drop live now with --stock units and no per-user limit, and
    /// --buyers buyers (each signing up from its own loopback address); then
    /// --connections workers, one keep-alive connection each, send orders rotating over
    /// the buyers' tokens, each with a fresh Idempotency-Key, for --seconds (closed
    /// loop, or at --rate a second, open loop). Reports throughput, latency
    /// percentiles, answers by status and problem code, and checks the drop's sold
    /// units against the 201s seen.
    ///
    /// Start the server for it with `--no-rate-limits` (or LIVEDROP_NO_RATE_LIMITS=1):
    /// otherwise each buyer gets 5 orders/s after a burst of 10 and the rest are 429s.
    /// The sign-ups come from one loopback address each, so the per-address auth limit
    /// does not hold them back, but the server hashes every password:
    /// `--password-hash 256,1,1` makes that nearly free (at the default cost, 2,000
    /// sign-ups keep a 2-core release server busy for about 15 s).
    Orders(OrdersArgs),
    /// `GET /api/drops/{id}` (the cached read) as fast as the server answers.
    ///
    /// Reads are anonymous, each worker from its own loopback address: with the
    /// server's limits on, each address gets 50 reads/s after a burst of 100 (start it
    /// with `--no-rate-limits` to measure without them).
    Reads(ReadsArgs),
    /// Reads and orders at once (--read-share of the requests are reads).
    ///
    /// Set-up and server flags as for `orders`.
    Mixed(MixedArgs),
    /// The same client against a bare axum app served in process: the HTTP floor.
    ///
    /// Its `POST /orders` parses the body and answers 201, its `GET /api/drops/{id}`
    /// answers 200, each with a fixed body the size of the real answer. --read-share 0
    /// sends orders, 1 reads, between both. `orders`, `reads` and `mixed` run it right
    /// after themselves with --baseline, and report real/baseline.
    Baseline(BaselineArgs),
    /// `orders` and `reads`, each with its baseline, at several connection counts; a
    /// table, and with --png the plot of throughput and p99 against connections.
    ///
    /// Server and buyer flags as for `orders`. Exit status 1 if a point's own checks
    /// failed (an oversold drop, a kind of request that never succeeded).
    Sweep(SweepArgs),
    /// Draws a saved sweep (`sweep --json`) again as a PNG.
    Plot(PlotArgs),
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

#[derive(Args)]
struct SseArgs {
    /// A server; repeat for several (streams go round robin over them, and each order
    /// and storm resume goes to the next one: cross-node delivery).
    #[arg(long = "base-url", default_value = "http://127.0.0.1:8080")]
    base_urls: Vec<String>,
    /// Event streams, one per user.
    #[arg(long, default_value_t = 1000)]
    streams: usize,
    /// Users (the first ones) following the creator [default: all of them].
    #[arg(long)]
    followers: Option<usize>,
    /// Users (the first ones) placing one order each.
    #[arg(long, default_value_t = 100)]
    buyers: usize,
    /// The drop's stock [default: what the orders need].
    #[arg(long)]
    stock: Option<i64>,
    /// Seconds from all streams open to the drop going live.
    #[arg(long, default_value_t = 2.0)]
    start_in: f64,
    /// Streams (the last ones) that disconnect and resume with their Last-Event-ID.
    #[arg(long, default_value_t = 0)]
    storm: usize,
    /// Orders each storm user places while its stream is away.
    #[arg(long, default_value_t = 3)]
    away_events: usize,
    /// After the idle period, the storm's streams resume from the zero position and must
    /// each get one `reset` (the server's --realtime-history must be shorter than
    /// --idle-seconds, so its window no longer reaches back there).
    #[arg(long)]
    storm_gap: bool,
    /// Extra streams that send their request and never read.
    #[arg(long, default_value_t = 0)]
    stuck: usize,
    /// Events sent to each stuck stream (drops of a second creator starting together):
    /// enough to fill its socket (about 150 frames) and the server's queue (256).
    #[arg(long, default_value_t = 600)]
    stuck_events: usize,
    /// Seconds all streams sit idle while the servers' CPU is measured.
    #[arg(long, default_value_t = 10.0)]
    idle_seconds: f64,
    /// A server's process id, for RSS and CPU; repeat, in --base-url order.
    #[arg(long = "server-pid")]
    server_pids: Vec<u32>,
    /// PostgreSQL URL: statements per second while idle (build with feature `postgres`).
    #[arg(long)]
    database_url: Option<String>,
    /// Also write the JSON summary to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

impl SseArgs {
    fn config(&self) -> Result<SseConfig, String> {
        let seconds = |flag: &str, value: f64| {
            Duration::try_from_secs_f64(value)
                .map_err(|_| format!("{flag} {value}: not a duration"))
        };
        Ok(SseConfig {
            base_urls: self.base_urls.clone(),
            streams: self.streams,
            followers: self.followers,
            buyers: self.buyers,
            stock: self.stock,
            start_in: seconds("--start-in", self.start_in)?,
            storm: self.storm,
            away_events: self.away_events,
            storm_gap: self.storm_gap,
            stuck: self.stuck,
            stuck_events: self.stuck_events,
            idle: seconds("--idle-seconds", self.idle_seconds)?,
            server_pids: self.server_pids.clone(),
            database_url: self.database_url.clone(),
            ..SseConfig::default()
        })
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match Cli::parse().mode {
        Mode::Pipeline(args) => pipeline(args).await,
        Mode::Sse(args) => sse(args).await,
        Mode::Orders(args) => http(HttpMode::Orders, args.config(), args.json()).await,
        Mode::Reads(args) => http(HttpMode::Reads, args.config(), args.json()).await,
        Mode::Mixed(args) => http(HttpMode::Mixed, args.config(), args.json()).await,
        Mode::Baseline(args) => http(HttpMode::Baseline, args.config(), args.json()).await,
        Mode::Sweep(args) => sweep_commands::sweep(&args).await,
        Mode::Plot(args) => sweep_commands::plot(&args),
    }
}

async fn http(mode: HttpMode, config: HttpConfig, json: Option<&PathBuf>) -> ExitCode {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    let outcome = match mode {
        HttpMode::Orders => http::orders(&config, &bar).await,
        HttpMode::Reads => http::reads(&config, &bar).await,
        HttpMode::Mixed => http::mixed(&config, &bar).await,
        HttpMode::Baseline => http::baseline(&config, &bar).await,
    };
    conclude(outcome, &bar, |summary: &HttpSummary| summary.passed, json)
}

async fn sse(args: SseArgs) -> ExitCode {
    let config = match args.config() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("livedrop-load: {error}");
            return ExitCode::from(2);
        }
    };
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    let outcome = livedrop_load::sse::run(&config, &bar).await;
    conclude(
        outcome,
        &bar,
        |summary: &SseSummary| summary.passed,
        args.json.as_ref(),
    )
}

async fn pipeline(args: PipelineArgs) -> ExitCode {
    let config = args.config();
    if let Some(warning) = config.capacity_warning() {
        eprintln!("warning: {warning}");
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    let outcome = livedrop_load::pipeline::run(&config, &bar).await;
    conclude(
        outcome,
        &bar,
        |summary: &Summary| summary.passed,
        args.json.as_ref(),
    )
}

/// Every mode's ending: the summary printed (and written to `json`), and the exit status:
/// 0 passed, 1 a check failed, 2 the run could not be made.
fn conclude<S: Serialize + std::fmt::Display>(
    outcome: Result<S, impl std::fmt::Display>,
    bar: &ProgressBar,
    passed: impl Fn(&S) -> bool,
    json: Option<&PathBuf>,
) -> ExitCode {
    let summary = match outcome {
        Ok(summary) => summary,
        Err(error) => {
            bar.abandon();
            eprintln!("livedrop-load: {error}");
            return ExitCode::from(2);
        }
    };
    match print(&summary, json) {
        Ok(()) if passed(&summary) => ExitCode::SUCCESS,
        Ok(()) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("livedrop-load: {error}");
            ExitCode::from(2)
        }
    }
}

/// The report, then the JSON on the last line (and into `json`, if given).
fn print(
    summary: &(impl Serialize + std::fmt::Display),
    json: Option<&PathBuf>,
) -> Result<(), livedrop_load::Error> {
    let encoded = serde_json::to_string(summary)?;
    println!("{summary}");
    println!("{encoded}");
    if let Some(path) = json {
        std::fs::write(path, format!("{encoded}\n"))
            .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    }
    Ok(())
}
