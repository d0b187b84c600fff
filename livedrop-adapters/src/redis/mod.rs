//! The Redis backend: the idempotency fast path, token buckets shared by every server
//! instance, and the read cache, each with a fallback so a Redis outage costs speed, not
//! orders.
//!
//! # Layout
//! - [`RedisConfig`] / [`RedisBackend`]: one auto-reconnecting, multiplexed connection
//!   shared by the three adapters (`connection`: to one Redis, or to a Redis Cluster), and
//!   their keys (`keys`: the deployment's prefix and the hash tags a cluster needs).
//! - `health`: the circuit breaker between Redis and the fallbacks: after a failure calls
//!   skip Redis at once, one call a second probes it, and the switch both ways is logged.
//! - `idempotency` (+ `record`, the stored value's layout): [`RedisIdempotencyStore`];
//!   while down, the ledger's unique `(user, key)` decides (the order service's fallback).
//! - `rate_limiter`: [`RedisRateLimiter`]; while down, in-process buckets.
//! - `cache`: [`RedisCache`], concurrent reads of one key sharing one `GET`; while down,
//!   reads bypass it. `near_cache`: [`NearCache`], the fraction of a second a hot entry is
//!   also kept in process.
//! - `script_batch`: concurrent calls of one script sent as one script call (claims,
//!   completions and bucket checks), since a script call's fixed cost exceeds a whole
//!   `SET`.
//! - The Lua scripts live in `livedrop-adapters/lua/` and run by SHA (`EVALSHA`, loaded
//!   again automatically after a Redis restart).
//!
//! Needs Redis 7.0 or newer (`SET ... NX GET`).

mod cache;
mod config;
mod connection;
mod health;
mod idempotency;
mod keys;
mod near_cache;
mod rate_limiter;
mod record;
mod script_batch;

pub use cache::RedisCache;
pub use config::RedisConfig;
pub use idempotency::RedisIdempotencyStore;
pub use near_cache::NearCache;
pub use rate_limiter::RedisRateLimiter;

use std::sync::Arc;
use std::time::Duration;

use ::redis::IntoConnectionInfo;
use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use ::redis::cluster::ClusterClientBuilder;
use ::redis::io::tcp::TcpSettings;
use livedrop_core::ports::{Cache, Ports};
use livedrop_core::{Error, Result};

use connection::{LazyCluster, RedisConnection};
use health::Health;
use keys::KeySpace;

/// The in-process tier's size: room for thousands of hot entries of a few hundred bytes.
const NEAR_CACHE_BYTES: u64 = 8 << 20;

/// One Redis connection and the adapters built on it.
#[derive(Clone, Debug)]
pub struct RedisBackend {
    conn: RedisConnection,
    health: Arc<Health>,
    config: Arc<RedisConfig>,
    keys: KeySpace,
}

impl RedisBackend {
    /// A backend for `config.url`. Connects lazily, so a server starts (on its fallbacks)
    /// even while Redis is down; [`ping`](Self::ping) tells whether it answers.
    ///
    /// # Errors
    /// `Internal` when the URL is not a Redis URL, or the key prefix holds a brace.
    pub fn new(config: RedisConfig) -> Result<Self> {
        if config.url.contains("rediss://") {
            // The process's TLS provider, unless something installed one already.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let keys = KeySpace::new(&config.key_prefix)?;
        let conn = if config.cluster {
            cluster(&config)?
        } else {
            single(&config)?
        };
        Ok(Self {
            conn,
            health: Arc::new(Health::new(config.retry_every)),
            keys,
            config: Arc::new(config),
        })
    }

    /// Whether Redis answers now (for readiness checks).
    ///
    /// # Errors
    /// `Unavailable` when it does not.
    pub async fn ping(&self) -> Result<()> {
        let mut conn = self.conn.clone();
        self.health
            .call(::redis::cmd("PING").query_async::<()>(&mut conn))
            .await
    }

    /// Whether the adapters are on Redis (`true`) or on their fallbacks.
    pub fn is_up(&self) -> bool {
        self.health.is_up()
    }

    /// The idempotency store.
    pub fn idempotency(&self) -> RedisIdempotencyStore {
        RedisIdempotencyStore::new(
            self.conn.clone(),
            Arc::clone(&self.health),
            self.keys.clone(),
            self.config.idempotency,
            self.deadline(),
        )
    }

    /// The rate limiter (with its in-process fallback buckets).
    pub fn rate_limiter(&self) -> RedisRateLimiter {
        RedisRateLimiter::new(
            self.conn.clone(),
            Arc::clone(&self.health),
            self.keys.clone(),
            self.config.rate_limits,
            self.deadline(),
        )
    }

    /// The read cache.
    pub fn cache(&self) -> RedisCache {
        RedisCache::new(
            self.conn.clone(),
            Arc::clone(&self.health),
            self.keys.clone(),
        )
    }

    /// Longest a batched call may take in all: a reconnect and a reply.
    fn deadline(&self) -> Duration {
        self.config.connection_timeout + self.config.response_timeout
    }

    /// `base` with its idempotency store, rate limiter and cache replaced by Redis's (the
    /// cache behind a [`NearCache`] unless `near_cache` is zero).
    pub fn ports(&self, base: Ports) -> Ports {
        let shared: Arc<dyn Cache> = Arc::new(self.cache());
        let cache: Arc<dyn Cache> = if self.config.near_cache.is_zero() {
            shared
        } else {
            Arc::new(NearCache::new(
                shared,
                NEAR_CACHE_BYTES,
                self.config.near_cache,
            ))
        };
        Ports {
            idempotency: Arc::new(self.idempotency()),
            rate_limiter: Arc::new(self.rate_limiter()),
            cache,
            ..base
        }
    }
}

/// The connection to one Redis at `config.url`.
fn single(config: &RedisConfig) -> Result<RedisConnection> {
    let info = config
        .url
        .as_str()
        .into_connection_info()
        .map_err(|e| Error::internal("redis", e))?
        .set_tcp_settings(tcp_settings());
    let client = match &config.tls_root_cert {
        Some(root) => ::redis::Client::build_with_tls(info, certificates(root)),
        None => ::redis::Client::open(info),
    }
    .map_err(|e| Error::internal("redis", e))?;
    // No retries inside the driver: the circuit breaker decides when to try again, so
    // a request never waits out a reconnect loop.
    let manager = ConnectionManagerConfig::new()
        .set_number_of_retries(0)
        .set_connection_timeout(Some(config.connection_timeout))
        .set_response_timeout(Some(config.response_timeout));
    let conn = ConnectionManager::new_lazy_with_config(client, manager)
        .map_err(|e| Error::internal("redis", e))?;
    Ok(RedisConnection::Single(conn))
}

/// The connection to the Redis Cluster that the comma-separated `config.url` seeds
/// belong to (one is enough: the client learns the rest from it).
fn cluster(config: &RedisConfig) -> Result<RedisConnection> {
    let seeds = config
        .url
        .split(',')
        .map(str::trim)
        .filter(|url| !url.is_empty());
    let mut builder = ClusterClientBuilder::new(seeds)
        .tcp_settings(tcp_settings())
        .connection_timeout(config.connection_timeout)
        // Bounds a call with every redirection and retry the client makes for it.
        .response_timeout(config.response_timeout);
    if let Some(root) = &config.tls_root_cert {
        builder = builder.certs(certificates(root));
    }
    let client = builder.build().map_err(|e| Error::internal("redis", e))?;
    Ok(RedisConnection::Cluster(Arc::new(LazyCluster::new(client))))
}

/// Every command is sent at once: one connection multiplexes many requests' small
/// commands, and with Nagle's algorithm (the driver's default) a command written while an
/// earlier one is unanswered would wait for that answer's ACK.
fn tcp_settings() -> TcpSettings {
    TcpSettings::default().set_nodelay(true)
}

/// The roots a `rediss://` server's certificate must chain to.
fn certificates(root: &[u8]) -> ::redis::TlsCertificates {
    ::redis::TlsCertificates {
        client_tls: None,
        root_cert: Some(root.to_vec()),
    }
}

/// A lifetime in whole milliseconds, as `PX` takes it (which refuses 0).
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}
