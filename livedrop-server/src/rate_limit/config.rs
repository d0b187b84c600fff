//! The rate limits' settings: one token bucket policy per route class, or none at all.

use clap::builder::BoolishValueParser;
use clap::{ArgAction, Args};
use livedrop_core::ports::{BucketPolicy, RateLimits};

use crate::duration_flag::positive_duration;

/// `--rate-limit-{read,order,auth,upload}` (`BURST,INTERVAL`: a caller may send `BURST` requests at
/// once, then one per `INTERVAL`) and `--no-rate-limits`.
#[derive(Clone, Debug, PartialEq, Eq, Args)]
#[non_exhaustive]
pub struct RateLimitConfig {
    /// Reads, per caller: `BURST,INTERVAL` (100 at once, then 50 a second).
    #[arg(long = "rate-limit-read", env = "LIVEDROP_RATE_LIMIT_READ", default_value = "100,20ms", value_parser = bucket)]
    pub read: BucketPolicy,
    /// Orders (`POST /orders`), per user.
    #[arg(long = "rate-limit-order", env = "LIVEDROP_RATE_LIMIT_ORDER", default_value = "10,200ms", value_parser = bucket)]
    pub order: BucketPolicy,
    /// Sign-ups, logins, refreshes and logouts, per client address (password guesses).
    #[arg(long = "rate-limit-auth", env = "LIVEDROP_RATE_LIMIT_AUTH", default_value = "10,6s", value_parser = bucket)]
    pub auth: BucketPolicy,
    /// Image upload URLs, per user: a quota on what they may store, not lifted by
    /// `--no-rate-limits`.
    #[arg(long = "rate-limit-upload", env = "LIVEDROP_RATE_LIMIT_UPLOAD", default_value = "20,3m", value_parser = bucket)]
    pub upload: BucketPolicy,
    /// No rate limits at all, for load tests (the server says so loudly when it starts).
    /// The variable takes `1`/`true`/`yes`/`on` (or `0`/`false`/`no`/`off`).
    #[arg(long, env = "LIVEDROP_NO_RATE_LIMITS", action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub no_rate_limits: bool,
}

impl RateLimitConfig {
    /// The policy of each class.
    pub fn limits(&self) -> RateLimits {
        RateLimits {
            read: self.read,
            order: self.order,
            auth: self.auth,
            upload: self.upload,
        }
    }
}

/// `BURST,INTERVAL`: a burst of at least one, and an interval over zero (`10,200ms`).
fn bucket(text: &str) -> Result<BucketPolicy, String> {
    let malformed = || format!("`{text}` is not BURST,INTERVAL (like 100,20ms or 10,6s)");
    let (burst, interval) = text.split_once(',').ok_or_else(malformed)?;
    let capacity: u32 = burst.trim().parse().map_err(|_| malformed())?;
    if capacity == 0 {
        return Err("the burst must be at least 1".to_owned());
    }
    let refill_every =
        positive_duration(interval).map_err(|why| format!("{}: {why}", malformed()))?;
    Ok(BucketPolicy {
        capacity,
        refill_every,
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use clap::Parser;

    use super::*;
    use crate::Config;

    #[test]
    fn the_defaults_are_the_documented_limits() {
        let config = Config::parse_from(["livedrop-server"]);
        assert_eq!(config.rate_limits.limits(), RateLimits::default());
        assert!(!config.rate_limits.no_rate_limits);
    }

    #[test]
    fn each_class_takes_a_burst_and_an_interval() {
        let config = Config::parse_from([
            "livedrop-server",
            "--rate-limit-read",
            "1000,1ms",
            "--rate-limit-order",
            "50, 10ms",
            "--rate-limit-auth",
            "3,1m",
            "--no-rate-limits",
        ]);
        let limits = config.rate_limits.limits();
        assert_eq!(
            (limits.read.capacity, limits.read.refill_every),
            (1000, Duration::from_millis(1))
        );
        assert_eq!(limits.order.refill_every, Duration::from_millis(10));
        assert_eq!(limits.auth.refill_every, Duration::from_secs(60));
        assert!(config.rate_limits.no_rate_limits);
    }

    #[test]
    fn a_malformed_or_empty_bucket_is_refused() {
        for bad in ["100", "0,1s", "10,0s", "x,1s", "10,1h"] {
            let parsed = Config::try_parse_from(["livedrop-server", "--rate-limit-read", bad]);
            assert!(parsed.is_err(), "{bad} was accepted");
        }
    }
}
