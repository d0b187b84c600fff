//! Settings of the Redis backend.

use std::time::Duration;

use livedrop_core::ports::{IdempotencyPolicy, RateLimits};

use crate::redacted_url::redacted;

/// Where Redis is and how long to wait for it.
#[derive(Clone)]
pub struct RedisConfig {
    /// `redis://[:password@]host:port[/db]`, or `rediss://...` for TLS. With
    /// [`cluster`](Self::cluster): one or more of the cluster's nodes, comma-separated.
    pub url: String,
    /// Whether `url` is a Redis Cluster: commands go to the node holding their keys' slot.
    pub cluster: bool,
    /// With `rediss://`: the PEM certificate(s) the server's certificate must chain to
    /// (a provider's CA, a self-signed server's own). `None`: the operating system's
    /// trusted roots.
    pub tls_root_cert: Option<Vec<u8>>,
    /// Prepended to every key, so several deployments (or tests) can share one Redis.
    pub key_prefix: String,
    /// Longest wait for one reply; past it the call is `Unavailable` and the caller falls
    /// back. Short: the fallback is always ready.
    pub response_timeout: Duration,
    /// Longest wait for a connection attempt.
    pub connection_timeout: Duration,
    /// While Redis is down, how often one call probes it (the others use the fallback at
    /// once).
    pub retry_every: Duration,
    /// Idempotency record lifetimes (default: 30 s lock, 24 h retention).
    pub idempotency: IdempotencyPolicy,
    /// Token-bucket policies, shared with the in-process fallback.
    pub rate_limits: RateLimits,
    /// How long a cached read is also kept in process ([`NearCache`](super::NearCache));
    /// zero: every read goes to Redis. What this instance writes or invalidates reaches
    /// its own copy at once; another instance's write, within this.
    pub near_cache: Duration,
}

impl RedisConfig {
    /// Defaults for the Redis at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            cluster: false,
            tls_root_cert: None,
            key_prefix: "livedrop:".to_owned(),
            response_timeout: Duration::from_millis(500),
            connection_timeout: Duration::from_millis(500),
            retry_every: Duration::from_secs(1),
            idempotency: IdempotencyPolicy::default(),
            rate_limits: RateLimits::default(),
            near_cache: Duration::from_millis(250),
        }
    }
}

impl std::fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisConfig")
            .field("url", &redacted(&self.url))
            .field("cluster", &self.cluster)
            .field("key_prefix", &self.key_prefix)
            .field("response_timeout", &self.response_timeout)
            .field("connection_timeout", &self.connection_timeout)
            .field("retry_every", &self.retry_every)
            .field("idempotency", &self.idempotency)
            .field("rate_limits", &self.rate_limits)
            .field("near_cache", &self.near_cache)
            .field("tls_root_cert", &self.tls_root_cert.as_ref().map(|_| "set"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_a_password() {
        let shown = format!("{:?}", RedisConfig::new("redis://:s3cret@cache:6379/0"));
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("redis://:***@cache:6379/0"), "{shown}");
    }
}
