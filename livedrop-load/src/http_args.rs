//! The HTTP modes' command line (a module of the binary, not of the library): the flags
//! the four modes share, grouped (server, load, buyers), and the [`HttpConfig`] each
//! mode's flags make.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use livedrop_load::HttpConfig;
use livedrop_load::sweep::SweepConfig;

/// Where the HTTP modes send, and what they read of the server.
#[derive(Args)]
pub struct ServerArgs {
    /// The server.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base_url: String,
    /// The server's process id: its CPU time per request and RSS (from /proc).
    #[arg(long)]
    server_pid: Option<u32>,
    /// A second instance of the server (sharing its database): half the connections go
    /// to it.
    #[arg(long)]
    other_base_url: Option<String>,
    /// The second instance's process id: the CPU per request then counts both.
    #[arg(long, requires = "other_base_url")]
    other_server_pid: Option<u32>,
    /// Then run the same load against the bare in-process server and report
    /// real/baseline for throughput and p99.
    #[arg(long)]
    baseline: bool,
}

/// How the HTTP modes send.
#[derive(Args)]
pub struct LoadArgs {
    /// Workers, each with one keep-alive connection.
    #[arg(long, default_value_t = 256)]
    connections: usize,
    /// How long requests are sent, in seconds.
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// Requests per second, all workers together (open loop) [default: closed loop,
    /// each worker's next request as soon as the last is answered].
    #[arg(long)]
    rate: Option<u32>,
    /// Also write the JSON summary to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// The orders' buyers and drop.
#[derive(Args)]
pub struct BuyerArgs {
    /// Buyers; the orders rotate over their tokens.
    #[arg(long, default_value_t = 2000)]
    buyers: usize,
    /// The hot drop's stock (large: it must not sell out mid-run).
    #[arg(long, default_value_t = 10_000_000)]
    stock: i64,
}

#[derive(Args)]
pub struct OrdersArgs {
    #[command(flatten)]
    server: ServerArgs,
    #[command(flatten)]
    load: LoadArgs,
    #[command(flatten)]
    buyers: BuyerArgs,
}

#[derive(Args)]
pub struct ReadsArgs {
    #[command(flatten)]
    server: ServerArgs,
    #[command(flatten)]
    load: LoadArgs,
}

#[derive(Args)]
pub struct MixedArgs {
    #[command(flatten)]
    server: ServerArgs,
    #[command(flatten)]
    load: LoadArgs,
    #[command(flatten)]
    buyers: BuyerArgs,
    /// The share of requests that are reads.
    #[arg(long, default_value_t = 0.9)]
    read_share: f64,
}

#[derive(Args)]
pub struct BaselineArgs {
    #[command(flatten)]
    load: LoadArgs,
    /// The share of requests that are reads (0: orders only, 1: reads only).
    #[arg(long, default_value_t = 0.0)]
    read_share: f64,
}

impl LoadArgs {
    /// The HTTP figures with this load, everything else at its default.
    fn config(&self) -> HttpConfig {
        HttpConfig {
            connections: self.connections,
            duration: Duration::from_secs(self.seconds),
            rate: self.rate,
            ..HttpConfig::default()
        }
    }
}

impl ServerArgs {
    fn apply(&self, config: HttpConfig) -> HttpConfig {
        HttpConfig {
            base_url: self.base_url.clone(),
            server_pid: self.server_pid,
            other_base_url: self.other_base_url.clone(),
            other_server_pid: self.other_server_pid,
            baseline: self.baseline,
            ..config
        }
    }
}

impl BuyerArgs {
    fn apply(&self, config: HttpConfig) -> HttpConfig {
        HttpConfig {
            buyers: self.buyers,
            stock: self.stock,
            ..config
        }
    }
}

/// Which HTTP mode runs.
#[derive(Clone, Copy)]
pub enum HttpMode {
    Orders,
    Reads,
    Mixed,
    Baseline,
}

impl OrdersArgs {
    pub fn config(&self) -> HttpConfig {
        self.buyers.apply(self.server.apply(self.load.config()))
    }

    pub fn json(&self) -> Option<&PathBuf> {
        self.load.json.as_ref()
    }
}

impl ReadsArgs {
    pub fn config(&self) -> HttpConfig {
        self.server.apply(self.load.config())
    }

    pub fn json(&self) -> Option<&PathBuf> {
        self.load.json.as_ref()
    }
}

impl MixedArgs {
    pub fn config(&self) -> HttpConfig {
        HttpConfig {
            read_share: self.read_share,
            ..self.buyers.apply(self.server.apply(self.load.config()))
        }
    }

    pub fn json(&self) -> Option<&PathBuf> {
        self.load.json.as_ref()
    }
}

impl BaselineArgs {
    pub fn config(&self) -> HttpConfig {
        HttpConfig {
            read_share: self.read_share,
            ..self.load.config()
        }
    }

    pub fn json(&self) -> Option<&PathBuf> {
        self.load.json.as_ref()
    }
}

#[derive(Args)]
pub struct SweepArgs {
    #[command(flatten)]
    server: ServerArgs,
    #[command(flatten)]
    buyers: BuyerArgs,
    /// The connection counts, one `orders` and one `reads` run each.
    #[arg(long, value_delimiter = ',', default_value = "16,64,256,512")]
    connections: Vec<usize>,
    /// How long each run sends, in seconds.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Also write the sweep (every point's figures) to this file, for `plot`.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Draw the plot to this PNG.
    #[arg(long)]
    png: Option<PathBuf>,
    /// The TrueType font of the plot's text [default: DejaVu Sans or Liberation Sans
    /// from the usual system place].
    #[arg(long)]
    font: Option<PathBuf>,
    /// What the server runs on, for the table and the plot's title.
    #[arg(long)]
    label: Option<String>,
}

impl SweepArgs {
    pub fn config(&self) -> SweepConfig {
        let load = HttpConfig {
            duration: Duration::from_secs(self.seconds),
            ..HttpConfig::default()
        };
        SweepConfig {
            http: self.buyers.apply(self.server.apply(load)),
            connections: self.connections.clone(),
            label: self.label.clone(),
        }
    }

    pub fn outputs(&self) -> (Option<&PathBuf>, Option<&PathBuf>, Option<&PathBuf>) {
        (self.json.as_ref(), self.png.as_ref(), self.font.as_ref())
    }
}

#[derive(Args)]
pub struct PlotArgs {
    /// A sweep's JSON (`sweep --json`).
    #[arg(long)]
    pub from: PathBuf,
    /// The PNG to draw.
    #[arg(long)]
    pub png: PathBuf,
    /// The TrueType font of the plot's text [default: as for `sweep`].
    #[arg(long)]
    pub font: Option<PathBuf>,
}
