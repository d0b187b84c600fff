//! Configuration: command-line flags, each with a `LIVEDROP_*` environment variable.
//!
//! With nothing set the server listens on `127.0.0.1:8080` and runs on the in-memory
//! backends; each backend URL set moves its ports there (see [`backends`](crate::backends)).

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;

use crate::auth::{JwtSecret, Passwords};
use crate::backend_settings::BackendSettings;
use crate::client_addr::TrustedProxies;
use crate::cors::CorsOrigins;
use crate::duration_flag::{duration, positive_duration};
use crate::rate_limit::RateLimitConfig;
use crate::realtime::HubConfig;
use crate::serve::ServeConfig;
use crate::telemetry::LogFormat;

/// The server's configuration. Flags win over environment variables, which win over the
/// defaults.
#[derive(Clone, PartialEq, Eq, Parser)]
#[command(name = "livedrop-server", version, about = "LiveDrop REST server")]
#[non_exhaustive]
pub struct Config {
    /// Address to listen on (`HOST:PORT`; port 0 picks a free one).
    #[arg(long, env = "LIVEDROP_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// PostgreSQL URL: the durable ledger, catalog, follows, outbox, notifications and
    /// audit (needs a build with feature `postgres`). Unset: in memory, not persisted.
    #[arg(long, env = "LIVEDROP_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Redis URL: the idempotency fast path, shared rate limits and the read cache (needs
    /// feature `redis`). Unset: in process.
    #[arg(long, env = "LIVEDROP_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,
    /// With Redis: how long a cached read is also kept in this process, so a hot page is
    /// not a Redis round trip per request (`250ms`; `0s`: none). This instance drops its
    /// copies when its tail of the bus sees an edit's event, so the lifetime only bounds
    /// what a lost event leaves.
    #[arg(long, env = "LIVEDROP_NEAR_CACHE", default_value = "250ms", value_parser = duration)]
    pub near_cache: Duration,
    /// Kafka bootstrap brokers (`HOST:PORT[,HOST:PORT...]`): the event bus (needs feature
    /// `kafka`). Unset: in process.
    #[arg(long, env = "LIVEDROP_KAFKA_BROKERS")]
    pub kafka_brokers: Option<String>,
    /// The backends' operating settings: pools, the read replica, key prefix, topic.
    #[command(flatten)]
    pub backend_settings: BackendSettings,
    /// Secret the access and realtime tokens are signed with (HS256, at least 32 bytes).
    /// Every instance serving the same users needs the same one. Unset: a random secret,
    /// so tokens do not survive a restart.
    #[arg(long, env = "LIVEDROP_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<JwtSecret>,
    /// Where product images are uploaded to and served from.
    #[command(flatten)]
    pub media: crate::media::MediaConfig,
    /// Where the registration messages go.
    #[command(flatten)]
    pub mail: crate::mail::MailConfig,
    /// Log line format: `text` for people, `json` (one object per line) for collectors.
    #[arg(long, env = "LIVEDROP_LOG_FORMAT", value_enum, default_value_t)]
    pub log_format: LogFormat,
    /// An OTLP/HTTP collector to export spans to (`http://127.0.0.1:4318`; needs feature
    /// `otel`): each request's trace, joined to the caller's `traceparent`, followed through
    /// the ledger, the outbox, the bus and the consumers. Unset: no spans exported.
    #[arg(long, env = "LIVEDROP_OTLP_ENDPOINT")]
    pub otlp_endpoint: Option<String>,
    /// How long a client has to send a whole request head, on a new connection or between
    /// the requests of a kept-alive one, before it is disconnected (`10s`, `500ms`, `2.5`:
    /// seconds without a unit; not zero).
    #[arg(long, env = "LIVEDROP_HEADER_READ_TIMEOUT", default_value = "10s", value_parser = positive_duration)]
    pub header_read_timeout: Duration,
    /// How long a shutdown waits for the requests in flight before dropping their
    /// connections (`10s`, `500ms`, `0`).
    #[arg(long, env = "LIVEDROP_SHUTDOWN_GRACE", default_value = "10s", value_parser = duration)]
    pub shutdown_grace: Duration,
    /// The most HTTP connections open at once, event streams included; one more is closed
    /// as soon as it is accepted.
    #[arg(long, env = "LIVEDROP_MAX_CONNECTIONS", default_value_t = 19_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// Event streams this node serves at most; one more is `503 streams_full` with
    /// `Retry-After`. Each stream is a socket: stay under the open-file limit.
    #[arg(long, env = "LIVEDROP_MAX_STREAMS", default_value_t = 18_000)]
    pub max_streams: usize,
    /// Event streams one user may hold open on this node; one more is `429`.
    #[arg(long, env = "LIVEDROP_STREAMS_PER_USER", default_value_t = 5)]
    pub streams_per_user: usize,
    /// How long sent events are kept for exact resumes (`Last-Event-ID`); a gap older is
    /// a `reset` (`2m`, `90s`).
    #[arg(long, env = "LIVEDROP_REALTIME_HISTORY", default_value = "2m", value_parser = positive_duration)]
    pub realtime_history: Duration,
    /// The most memory the resume window holds, in MiB (the oldest events go first). At
    /// the default a node keeps the whole 2 minutes up to about 225 events/s, and the last
    /// 2.5 s or so at a flash sale's 10,000/s; a resume from before the window is a
    /// `reset`. Measured, each MiB here costs about 1.5 MiB of resident memory once full
    /// (allocator rounding and spare room the budget does not see).
    #[arg(long, env = "LIVEDROP_REALTIME_HISTORY_MIB", default_value_t = 16)]
    pub realtime_history_mib: usize,
    /// The rate limits per route class, or none (`--no-rate-limits`).
    #[command(flatten)]
    pub rate_limits: RateLimitConfig,
    /// Proxies (load balancers) whose `Forwarded` / `X-Forwarded-For` client address is
    /// believed, as addresses and networks: `10.0.0.0/8,127.0.0.1`. From any other peer
    /// those headers are ignored. None by default.
    #[arg(long, env = "LIVEDROP_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: TrustedProxies,
    /// How long a handler may take to answer before the request gets `503 timed_out`
    /// (event streams answer at once and are not cut by it).
    #[arg(long, env = "LIVEDROP_REQUEST_TIMEOUT", default_value = "10s", value_parser = positive_duration)]
    pub request_timeout: Duration,
    /// Origins whose browser apps may call the API (CORS): `https://shop.example,...`.
    /// None by default (the web app is served from the API's own origin).
    #[arg(long, env = "LIVEDROP_CORS_ORIGINS", default_value = "")]
    pub cors_origins: CorsOrigins,
    /// Serve `GET /metrics` on this address instead of the API's (`127.0.0.1:9090`), so
    /// only what can reach it can scrape. Unset: on the API's listener.
    #[arg(long, env = "LIVEDROP_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// argon2id cost for new password hashes: `MEMORY_KIB,PASSES,LANES` (OWASP's
    /// `19456,2,1` by default). Stored hashes keep their own cost, so lowering it (say,
    /// for a load-test environment) affects only new passwords.
    #[arg(long, env = "LIVEDROP_PASSWORD_HASH", default_value = "19456,2,1", value_parser = password_cost)]
    pub password_hash: (u32, u32, u32),
}

impl Config {
    /// The accept loop's settings ([`run_with`](crate::run_with)).
    #[must_use]
    pub fn serve_config(&self) -> ServeConfig {
        ServeConfig {
            header_read_timeout: self.header_read_timeout,
            shutdown_grace: self.shutdown_grace,
            max_connections: usize::try_from(self.max_connections).unwrap_or(usize::MAX),
        }
    }

    /// The realtime hub's limits: the flags above, the rest at their defaults.
    #[must_use]
    pub fn hub_config(&self) -> HubConfig {
        HubConfig {
            max_streams: self.max_streams,
            streams_per_user: self.streams_per_user,
            history: self.realtime_history,
            history_bytes: self.realtime_history_mib.saturating_mul(1 << 20),
            ..HubConfig::default()
        }
    }

    /// The password hasher for `--password-hash`.
    ///
    /// # Errors
    /// When argon2 refuses the cost (checked again here: the parser cannot build it).
    pub fn passwords(&self) -> Result<Passwords, String> {
        let (memory_kib, passes, lanes) = self.password_hash;
        Passwords::new(memory_kib, passes, lanes)
    }
}

/// `MEMORY_KIB,PASSES,LANES`, each a positive whole number argon2 accepts.
fn password_cost(text: &str) -> Result<(u32, u32, u32), String> {
    let parts: Vec<u32> = text
        .split(',')
        .map(|part| part.trim().parse::<u32>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("`{text}` is not MEMORY_KIB,PASSES,LANES (like 19456,2,1)"))?;
    let [memory_kib, passes, lanes] = parts[..] else {
        return Err(format!(
            "`{text}` is not MEMORY_KIB,PASSES,LANES (like 19456,2,1)"
        ));
    };
    Passwords::new(memory_kib, passes, lanes)?;
    Ok((memory_kib, passes, lanes))
}

/// Set or unset, never the URL: backend URLs carry passwords and configs get logged.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = |url: &Option<String>| if url.is_some() { "set" } else { "unset" };
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("database_url", &set(&self.database_url))
            .field("redis_url", &set(&self.redis_url))
            .field("near_cache", &self.near_cache)
            .field("kafka_brokers", &self.kafka_brokers)
            .field("backend_settings", &self.backend_settings)
            .field(
                "jwt_secret",
                &set(&self.jwt_secret.as_ref().map(|_| String::new())),
            )
            .field("media", &self.media)
            .field("mail", &self.mail)
            .field("log_format", &self.log_format)
            .field("otlp_endpoint", &self.otlp_endpoint)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("shutdown_grace", &self.shutdown_grace)
            .field("max_connections", &self.max_connections)
            .field("max_streams", &self.max_streams)
            .field("streams_per_user", &self.streams_per_user)
            .field("realtime_history", &self.realtime_history)
            .field("realtime_history_mib", &self.realtime_history_mib)
            .field("rate_limits", &self.rate_limits)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("request_timeout", &self.request_timeout)
            .field("cors_origins", &self.cors_origins)
            .field("metrics_listen", &self.metrics_listen)
            .field("password_hash", &self.password_hash)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Config::command().debug_assert();
    }

    #[test]
    fn listen_flag_parses_an_address() {
        let config =
            Config::try_parse_from(["livedrop-server", "--listen", "0.0.0.0:9000"]).unwrap();
        assert_eq!(config.listen, "0.0.0.0:9000".parse().unwrap());
        assert!(Config::try_parse_from(["livedrop-server", "--listen", "nowhere"]).is_err());
    }

    #[test]
    fn serving_limits_default_to_ten_seconds_and_take_units() {
        let config = Config::try_parse_from(["livedrop-server"]).unwrap();
        assert_eq!(config.serve_config(), ServeConfig::default());
        assert_eq!(config.header_read_timeout, Duration::from_secs(10));
        assert_eq!(config.shutdown_grace, Duration::from_secs(10));

        let config = Config::try_parse_from([
            "livedrop-server",
            "--header-read-timeout",
            "500ms",
            "--shutdown-grace",
            "2.5",
        ])
        .unwrap();
        assert_eq!(config.header_read_timeout, Duration::from_millis(500));
        assert_eq!(config.shutdown_grace, Duration::from_millis(2500));
        assert_eq!(duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(duration("0"), Ok(Duration::ZERO));
    }

    #[test]
    fn malformed_or_zero_serving_limits_are_refused() {
        for (flag, value) in [
            ("--header-read-timeout", "0s"),
            ("--header-read-timeout", "soon"),
            ("--shutdown-grace", "-1s"),
            ("--shutdown-grace", "10h"),
            ("--shutdown-grace", "s"),
        ] {
            assert!(
                Config::try_parse_from(["livedrop-server", flag, value]).is_err(),
                "{flag} {value}"
            );
        }
    }

    #[test]
    fn realtime_limits_and_password_cost_come_from_flags() {
        let config = Config::try_parse_from(["livedrop-server"]).unwrap();
        let hub = config.hub_config();
        assert_eq!((hub.max_streams, hub.streams_per_user), (18_000, 5));
        assert_eq!(hub.history, Duration::from_secs(120));
        assert_eq!(hub.history_bytes, 16 << 20);
        assert_eq!(config.password_hash, (19_456, 2, 1));

        let config = Config::try_parse_from([
            "livedrop-server",
            "--max-streams",
            "100",
            "--realtime-history",
            "30s",
            "--password-hash",
            "1024,1,1",
        ])
        .unwrap();
        assert_eq!(config.hub_config().max_streams, 100);
        assert_eq!(config.hub_config().history, Duration::from_secs(30));
        assert!(config.passwords().is_ok());
        for bad in ["1024,1", "0,1,1", "1024,0,1", "a,b,c", "1024,1,1,1"] {
            assert!(
                Config::try_parse_from(["livedrop-server", "--password-hash", bad]).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn backend_urls_are_optional_and_never_printed() {
        let config = Config::try_parse_from([
            "livedrop-server",
            "--database-url",
            "postgres://app:hunter2@db/livedrop",
            "--redis-url",
            "redis://:hunter2@cache",
            "--smtp-url",
            "smtps://mailer:hunter2@relay.example",
            "--mail-from",
            "drops@shop.example",
        ])
        .unwrap();
        let printed = format!("{config:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("database_url: \"set\""), "{printed}");
        assert!(printed.contains("smtp_url: Some(\"set\")"), "{printed}");
    }
}
