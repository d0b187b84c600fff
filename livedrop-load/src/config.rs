//! [`PipelineConfig`]: the figures of one pipeline run, checked before anything is sent,
//! and whether the buyers can carry the rate under the server's per-user order limit.

use std::net::Ipv4Addr;
use std::time::Duration;

use livedrop_client::Url;
use livedrop_core::domain::StockPlan;
use livedrop_core::ports::RateLimits;

use crate::Thresholds;

/// What a pipeline run does. [`Default`] holds the command line's defaults.
#[derive(Clone, Debug)]
pub struct PipelineConfig {
    /// The server.
    pub base_url: String,
    /// Buyers signed up; orders are spread over all of them.
    pub buyers: usize,
    /// Target orders per second, all buyers together.
    pub rate: u32,
    /// How long orders are sent.
    pub duration: Duration,
    /// Buyers (the first ones) that also hold their event stream open.
    pub listeners: usize,
    /// The listeners follow the drop's creator, so they also receive its stock events.
    pub followers_stream: bool,
    /// Every client sends from the system's default address, not one loopback address
    /// per buyer (sign-ups then wait out the per-address limit).
    pub one_address: bool,
    /// Every this-many-th confirmed order has its inbox notification timed (0: none).
    pub inbox_sample: u64,
    /// Orders awaiting an answer at most; one due while this many are out is skipped, so
    /// a slow server shows as falling behind rather than as the tool's memory.
    pub max_in_flight: usize,
    /// Sign-ups under way at once (the server hashes one password per core anyway).
    pub signup_concurrency: usize,
    /// The drop goes live this long after it is scheduled (streams open meanwhile).
    pub start_delay: Duration,
    /// How long after the load an inbox sample may still turn up before it counts as
    /// missing.
    pub inbox_grace: Duration,
    /// How long after the load the consumer lag is watched for reaching 0.
    pub lag_timeout: Duration,
    /// Figures the run must reach; a miss fails it.
    pub thresholds: Thresholds,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            base_url: "http://127.0.0.1:8080".to_owned(),
            buyers: 1000,
            rate: 3000,
            duration: Duration::from_secs(30),
            listeners: 60,
            followers_stream: false,
            one_address: false,
            inbox_sample: 20,
            max_in_flight: 2048,
            signup_concurrency: 32,
            start_delay: Duration::from_secs(3),
            inbox_grace: Duration::from_secs(10),
            lag_timeout: Duration::from_secs(30),
            thresholds: Thresholds::default(),
        }
    }
}

impl PipelineConfig {
    /// Orders the run schedules: `rate × duration`.
    pub fn total_orders(&self) -> u64 {
        (f64::from(self.rate) * self.duration.as_secs_f64()).round() as u64
    }

    /// The drop's stock: 20% over the orders scheduled, so it never sells out mid-run
    /// (a sold-out drop would turn the rest of the load into cheap refusals).
    pub fn stock(&self) -> i64 {
        let units = (self.total_orders() as f64 * 1.2).ceil() as i64;
        units.max(1)
    }

    /// Refuses figures that cannot make a meaningful run, before anything is sent.
    ///
    /// # Errors
    /// A sentence saying which figure is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if self.buyers == 0 || self.rate == 0 || self.duration.is_zero() {
            return Err("--buyers, --rate and --seconds must be at least 1".to_owned());
        }
        if self.listeners > self.buyers {
            return Err(format!(
                "--listeners {} is more than --buyers {}: listeners are buyers",
                self.listeners, self.buyers
            ));
        }
        if self.max_in_flight == 0 || self.signup_concurrency == 0 {
            return Err("the in-flight and sign-up bounds must be at least 1".to_owned());
        }
        if self.stock() > StockPlan::MAX_STOCK {
            return Err(format!(
                "{} orders need more stock than a drop may hold",
                self.total_orders()
            ));
        }
        let url = Url::parse(&self.base_url).map_err(|e| format!("--base-url: {e}"))?;
        if !self.one_address && !is_loopback(&url) {
            return Err(format!(
                "{} is not on this machine, and buyers send from their own loopback \
                 addresses (127.0.0.2, ...), which reach only this machine: pass --one-address",
                self.base_url
            ));
        }
        Ok(())
    }

    /// A warning when the buyers cannot carry the rate under the server's default
    /// per-user order limit (`RateLimits::default().order`): each buyer gets
    /// `rate / buyers` orders a second, and the excess would come back as `429`s.
    pub fn capacity_warning(&self) -> Option<String> {
        let policy = RateLimits::default().order;
        let limit = 1.0 / policy.refill_every.as_secs_f64();
        let per_buyer = f64::from(self.rate) / self.buyers.max(1) as f64;
        (per_buyer > limit).then(|| {
            let needed = (f64::from(self.rate) / limit).ceil();
            format!(
                "{} buyers at {} orders/s is {per_buyer:.1} orders/s each, over the server's \
                 default per-user order limit of {limit:.0}/s (burst {}): expect 429s; \
                 use --buyers {needed} or more to stay under it",
                self.buyers, self.rate, policy.capacity
            )
        })
    }
}

/// Whether `url` names this machine over IPv4 loopback (what the buyers' addresses reach).
pub fn is_loopback(url: &Url) -> bool {
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
    fn defaults_carry_the_rate_and_validate() {
        let config = PipelineConfig::default();
        assert_eq!(config.total_orders(), 90_000);
        assert_eq!(config.stock(), 108_000);
        assert_eq!(config.capacity_warning(), None);
        assert_eq!(config.validate(), Ok(()));
    }

    #[test]
    fn too_few_buyers_for_the_rate_are_named() {
        let config = PipelineConfig {
            buyers: 100,
            ..PipelineConfig::default()
        };
        let warning = config.capacity_warning().unwrap();
        assert!(warning.contains("--buyers 600"), "{warning}");
    }

    #[test]
    fn remote_servers_need_one_address() {
        let remote = PipelineConfig {
            base_url: "http://10.0.0.5:8080".to_owned(),
            ..PipelineConfig::default()
        };
        assert!(remote.validate().is_err());
        let one = PipelineConfig {
            one_address: true,
            ..remote
        };
        assert_eq!(one.validate(), Ok(()));
    }
}
