//! [`SseConfig`]: the figures of one `sse` run, and their checks before anything is sent.

use std::net::Ipv4Addr;
use std::time::Duration;

use livedrop_client::Url;
use livedrop_core::domain::StockPlan;

/// File descriptors the tool keeps for itself beside one per stream (metrics scrapes,
/// API calls in flight, the runtime).
const SPARE_FILES: u64 = 200;

/// What an `sse` run does. [`Default`] holds the command line's defaults.
#[derive(Clone, Debug)]
pub struct SseConfig {
    /// The servers; stream `i` opens on `base_urls[i % len]`.
    pub base_urls: Vec<String>,
    /// Event streams opened, one per user.
    pub streams: usize,
    /// Users (the first ones) that follow the creator; `None`: all of them.
    pub followers: Option<usize>,
    /// Users (the first ones) that each place one order, through the next server.
    pub buyers: usize,
    /// The drop's stock; `None`: exactly what the orders need.
    pub stock: Option<i64>,
    /// The drop goes live this long after every stream is open.
    pub start_in: Duration,
    /// Streams (the last ones) that disconnect and resume.
    pub storm: usize,
    /// Orders each storm user places while its stream is away.
    pub away_events: usize,
    /// After the idle period, the storm streams resume from the zero position, before
    /// the server's window, and must each get exactly one `reset`.
    pub storm_gap: bool,
    /// Extra streams that send their request and never read.
    pub stuck: usize,
    /// Events sent to each stuck stream (drops of a second creator starting at once).
    pub stuck_events: usize,
    /// How long the streams sit idle while the servers' CPU is measured.
    pub idle: Duration,
    /// Server process ids, paired with `base_urls` in order, for RSS and CPU.
    pub server_pids: Vec<u32>,
    /// PostgreSQL, for statements per second while idle (feature `postgres`).
    pub database_url: Option<String>,
    /// Sign-ups under way at once.
    pub signup_concurrency: usize,
    /// Streams opening at once.
    pub open_concurrency: usize,
    /// How long an awaited event may take before it counts as missed.
    pub event_timeout: Duration,
    /// How long the server may take to cut the stuck streams after their burst.
    pub stuck_timeout: Duration,
}

impl Default for SseConfig {
    fn default() -> Self {
        Self {
            base_urls: vec!["http://127.0.0.1:8080".to_owned()],
            streams: 1000,
            followers: None,
            buyers: 100,
            stock: None,
            start_in: Duration::from_secs(2),
            storm: 0,
            away_events: 3,
            storm_gap: false,
            stuck: 0,
            stuck_events: 600,
            idle: Duration::from_secs(10),
            server_pids: Vec::new(),
            database_url: None,
            signup_concurrency: 32,
            open_concurrency: 64,
            event_timeout: Duration::from_secs(30),
            stuck_timeout: Duration::from_secs(60),
        }
    }
}

impl SseConfig {
    /// Users following the creator.
    pub fn followers(&self) -> usize {
        self.followers.unwrap_or(self.streams)
    }

    /// Orders the run places: one per buyer, `away_events` per storm user.
    pub fn orders(&self) -> usize {
        self.buyers + self.storm * self.away_events
    }

    /// The drop's stock: one unit more than the orders need, unless given. With no
    /// low-stock threshold and a unit left over, followers get no `stock.low` or
    /// `drop.sold_out`, which the checks would have to expect.
    pub fn stock(&self) -> i64 {
        self.stock
            .unwrap_or_else(|| i64::try_from(self.orders() + 1).unwrap_or(i64::MAX))
    }

    /// Stream `i`'s server (an index into `base_urls`).
    pub fn home(&self, stream: usize) -> usize {
        stream % self.base_urls.len().max(1)
    }

    /// The server stream `i`'s user orders through, and resumes on after the storm: the
    /// next one, so with several servers the events cross nodes.
    pub fn other(&self, stream: usize) -> usize {
        (stream + 1) % self.base_urls.len().max(1)
    }

    /// Refuses figures that cannot make a meaningful run.
    ///
    /// # Errors
    /// A sentence saying which figure is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if self.base_urls.is_empty() || self.streams == 0 {
            return Err("--base-url and --streams must be given at least once".to_owned());
        }
        for (name, value) in [
            ("--followers", self.followers()),
            ("--buyers", self.buyers),
            ("--storm", self.storm),
        ] {
            if value > self.streams {
                return Err(format!(
                    "{name} {value} is more than --streams {}",
                    self.streams
                ));
            }
        }
        if self.storm_gap && self.storm == 0 {
            return Err("--storm-gap resumes the storm's streams: give --storm too".to_owned());
        }
        if self.storm > 0 && self.away_events == 0 {
            return Err("--away-events must be at least 1 with --storm".to_owned());
        }
        if self.stuck > 0 && self.stuck_events == 0 {
            return Err("--stuck-events must be at least 1 with --stuck".to_owned());
        }
        if self.server_pids.len() > self.base_urls.len() {
            return Err("more --server-pid than --base-url: one pid per server".to_owned());
        }
        let stock = self.stock();
        if stock <= self.orders() as i64 || stock > StockPlan::MAX_STOCK {
            return Err(format!(
                "--stock {stock}: the run places {} orders and must not sell out (followers \
                 would get a `drop.sold_out`), and a drop holds at most {}",
                self.orders(),
                StockPlan::MAX_STOCK
            ));
        }
        if self.database_url.is_some() && !cfg!(feature = "postgres") {
            return Err("--database-url needs a build with feature `postgres`".to_owned());
        }
        for base in &self.base_urls {
            let url = Url::parse(base).map_err(|e| format!("--base-url {base}: {e}"))?;
            if !is_loopback(&url) {
                return Err(format!(
                    "{base} is not on this machine: every user sends from its own loopback \
                     address (127.0.0.2, ...), which reaches only this machine"
                ));
            }
        }
        self.check_open_files()
    }

    /// One process holds one socket per stream: refuse more than its open-file limit
    /// allows, naming the way out (several processes, each its own run).
    fn check_open_files(&self) -> Result<(), String> {
        let Some(limit) = open_file_limit() else {
            return Ok(());
        };
        let needed = (self.streams + self.stuck) as u64 + SPARE_FILES;
        if needed > limit {
            return Err(format!(
                "{} streams need about {needed} open files, over this process's limit of \
                 {limit}: raise it (`ulimit -n`) or run several livedrop-load processes, \
                 each with part of the streams",
                self.streams + self.stuck
            ));
        }
        Ok(())
    }
}

/// The soft `Max open files` of this process (`/proc/self/limits`), if readable.
fn open_file_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Whether `url` names this machine over IPv4 loopback.
fn is_loopback(url: &Url) -> bool {
    match url.host_str() {
        Some("localhost") => true,
        Some(host) => host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_stock_covers_the_orders() {
        let config = SseConfig {
            streams: 100,
            buyers: 10,
            storm: 5,
            away_events: 3,
            ..SseConfig::default()
        };
        assert_eq!(config.validate(), Ok(()));
        assert_eq!(config.stock(), 26);
        assert_eq!(config.followers(), 100);
    }

    #[test]
    fn servers_alternate_and_bad_figures_are_named() {
        let config = SseConfig {
            base_urls: vec![
                "http://127.0.0.1:1".to_owned(),
                "http://127.0.0.1:2".to_owned(),
            ],
            streams: 4,
            buyers: 4,
            ..SseConfig::default()
        };
        assert_eq!((config.home(3), config.other(3)), (1, 0));
        let gap = SseConfig {
            storm_gap: true,
            ..config.clone()
        };
        assert!(gap.validate().unwrap_err().contains("--storm"));
        let remote = SseConfig {
            base_urls: vec!["http://10.0.0.5:8080".to_owned()],
            ..config
        };
        assert!(remote.validate().is_err());
    }
}
