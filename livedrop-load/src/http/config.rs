//! [`HttpConfig`]: the figures of one run of the HTTP modes (`orders`, `reads`, `mixed`,
//! `baseline`), and their checks before anything is sent.

use std::time::Duration;

use livedrop_client::{DEFAULT_TIMEOUT, Url};
use livedrop_core::domain::StockPlan;

use crate::PipelineConfig;
use crate::config::is_loopback;

/// What an HTTP run does. [`Default`] holds the command line's defaults.
#[derive(Clone, Debug)]
pub struct HttpConfig {
    /// The server (unused by `baseline`, which serves its own).
    pub base_url: String,
    /// Buyers signed up; orders rotate over their tokens, so each buyer's share of the
    /// orders stays under the per-user order limit for longer.
    pub buyers: usize,
    /// Workers, each with its own keep-alive connection.
    pub connections: usize,
    /// How long requests are sent.
    pub duration: Duration,
    /// Requests per second, all workers together (open loop); `None`: each worker sends
    /// its next request as soon as the last is answered (closed loop).
    pub rate: Option<u32>,
    /// The hot drop's stock: large, so it never sells out mid-run (a sold-out drop turns
    /// the rest of the load into cheap refusals).
    pub stock: i64,
    /// The share of requests that are reads, from 0 to 1 (`mixed` and `baseline` only:
    /// `orders` sends none, `reads` nothing else).
    pub read_share: f64,
    /// The server's process id, for its CPU time per request and its RSS.
    pub server_pid: Option<u32>,
    /// A second instance of the server (on the same database, say): half the connections
    /// go to it (not to the baseline).
    pub other_base_url: Option<String>,
    /// Its process id; the CPU per request is then both processes' together.
    pub other_server_pid: Option<u32>,
    /// After the run, the same load against a bare in-process server, and the ratios.
    pub baseline: bool,
    /// Sign-ups under way at once.
    pub signup_concurrency: usize,
    /// A request unanswered this long counts as an error and its connection is redone.
    pub request_timeout: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            base_url: "http://127.0.0.1:8080".to_owned(),
            buyers: 2000,
            connections: 256,
            duration: Duration::from_secs(30),
            rate: None,
            stock: 10_000_000,
            read_share: 0.9,
            server_pid: None,
            other_base_url: None,
            other_server_pid: None,
            baseline: false,
            signup_concurrency: 32,
            request_timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl HttpConfig {
    /// Refuses figures that cannot make a meaningful run, before anything is sent.
    ///
    /// # Errors
    /// A sentence saying which figure is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if self.connections == 0 || self.duration.is_zero() || self.signup_concurrency == 0 {
            return Err("--connections and --seconds must be at least 1".to_owned());
        }
        if self.rate == Some(0) {
            return Err("--rate must be at least 1 (leave it out for a closed loop)".to_owned());
        }
        if !(0.0..=1.0).contains(&self.read_share) {
            return Err(format!(
                "--read-share {}: a share, from 0 to 1",
                self.read_share
            ));
        }
        if self.sends_orders() && self.buyers == 0 {
            return Err("--buyers must be at least 1: orders need signed-in buyers".to_owned());
        }
        if self.stock <= 0 || self.stock > StockPlan::MAX_STOCK {
            return Err(format!(
                "--stock {}: from 1 to {}",
                self.stock,
                StockPlan::MAX_STOCK
            ));
        }
        Url::parse(&self.base_url).map_err(|e| format!("--base-url: {e}"))?;
        Ok(())
    }

    /// Whether any request is an order.
    pub fn sends_orders(&self) -> bool {
        self.read_share < 1.0
    }

    /// Whether the server is on this machine, so each worker and each buyer can send
    /// from its own loopback address (127.0.0.2, ...): per-address limits (sign-ups,
    /// anonymous reads) then apply to each separately.
    pub fn on_loopback(&self) -> bool {
        Url::parse(&self.base_url).is_ok_and(|url| is_loopback(&url))
    }

    /// The pipeline's set-up (seller, sign-ups) reads these figures only.
    pub fn setup(&self) -> PipelineConfig {
        PipelineConfig {
            base_url: self.base_url.clone(),
            buyers: self.buyers,
            one_address: !self.on_loopback(),
            signup_concurrency: self.signup_concurrency,
            ..PipelineConfig::default()
        }
    }

    /// The same figures with every request a read (`reads`) or an order (`orders`).
    pub fn with_read_share(&self, read_share: f64) -> Self {
        Self {
            read_share,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate() {
        let config = HttpConfig::default();
        assert_eq!(config.validate(), Ok(()));
        assert!(config.on_loopback());
        assert!(!config.setup().one_address);
    }

    #[test]
    fn bad_figures_are_named() {
        let share = HttpConfig::default().with_read_share(1.5);
        assert!(share.validate().unwrap_err().contains("--read-share"));
        let rate = HttpConfig {
            rate: Some(0),
            ..HttpConfig::default()
        };
        assert!(rate.validate().unwrap_err().contains("--rate"));
        let buyers = HttpConfig {
            buyers: 0,
            ..HttpConfig::default()
        };
        assert!(buyers.validate().is_err());
        assert_eq!(buyers.with_read_share(1.0).validate(), Ok(()));
    }

    #[test]
    fn remote_servers_sign_up_from_one_address() {
        let remote = HttpConfig {
            base_url: "http://10.0.0.5:8080".to_owned(),
            ..HttpConfig::default()
        };
        assert!(!remote.on_loopback());
        assert!(remote.setup().one_address);
    }
}
