//! Configuration: command-line flags, each with a `LIVEDROP_*` environment variable.
//!
//! With nothing set the server listens on `127.0.0.1:8080` and runs on the in-memory
//! backends; each backend URL set moves its ports there (see [`backends`](crate::backends)).

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;

use crate::auth::JwtSecret;
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
    /// Kafka bootstrap brokers (`HOST:PORT[,HOST:PORT...]`): the event bus (needs feature
    /// `kafka`). Unset: in process.
    #[arg(long, env = "LIVEDROP_KAFKA_BROKERS")]
    pub kafka_brokers: Option<String>,
    /// Secret the access and realtime tokens are signed with (HS256, at least 32 bytes).
    /// Every instance serving the same users needs the same one. Unset: a random secret,
    /// so tokens do not survive a restart.
    #[arg(long, env = "LIVEDROP_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<JwtSecret>,
    /// Where product images are uploaded to and served from.
    #[command(flatten)]
    pub media: crate::media::MediaConfig,
    /// Log line format: `text` for people, `json` (one object per line) for collectors.
    #[arg(long, env = "LIVEDROP_LOG_FORMAT", value_enum, default_value_t)]
    pub log_format: LogFormat,
    /// How long a client has to send a whole request head, on a new connection or between
    /// the requests of a kept-alive one, before it is disconnected (`10s`, `500ms`, `2.5`:
    /// seconds without a unit; not zero).
    #[arg(long, env = "LIVEDROP_HEADER_READ_TIMEOUT", default_value = "10s", value_parser = positive_duration)]
    pub header_read_timeout: Duration,
    /// How long a shutdown waits for the requests in flight before dropping their
    /// connections (`10s`, `500ms`, `0`).
    #[arg(long, env = "LIVEDROP_SHUTDOWN_GRACE", default_value = "10s", value_parser = duration)]
    pub shutdown_grace: Duration,
}

impl Config {
    /// The accept loop's settings ([`run_with`](crate::run_with)).
    #[must_use]
    pub fn serve_config(&self) -> ServeConfig {
        ServeConfig {
            header_read_timeout: self.header_read_timeout,
            shutdown_grace: self.shutdown_grace,
        }
    }
}

/// A duration: a non-negative number with a unit, `ms`, `s` or `m` (seconds without one).
fn duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| c.is_ascii_alphabetic()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let scale = match unit.trim() {
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        other => return Err(format!("unknown unit `{other}` (use ms, s or m)")),
    };
    let number: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (like `10s` or `500ms`)"))?;
    Duration::try_from_secs_f64(number * scale)
        .map_err(|_| format!("`{text}` is not a duration (like `10s` or `500ms`)"))
}

/// A [`duration`] other than zero.
fn positive_duration(text: &str) -> Result<Duration, String> {
    match duration(text)? {
        Duration::ZERO => Err("must be more than zero".to_owned()),
        duration => Ok(duration),
    }
}

/// Set or unset, never the URL: backend URLs carry passwords and configs get logged.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = |url: &Option<String>| if url.is_some() { "set" } else { "unset" };
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("database_url", &set(&self.database_url))
            .field("redis_url", &set(&self.redis_url))
            .field("kafka_brokers", &self.kafka_brokers)
            .field(
                "jwt_secret",
                &set(&self.jwt_secret.as_ref().map(|_| String::new())),
            )
            .field("media", &self.media)
            .field("log_format", &self.log_format)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("shutdown_grace", &self.shutdown_grace)
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
    fn backend_urls_are_optional_and_never_printed() {
        let config = Config::try_parse_from([
            "livedrop-server",
            "--database-url",
            "postgres://app:hunter2@db/livedrop",
            "--redis-url",
            "redis://:hunter2@cache",
        ])
        .unwrap();
        let printed = format!("{config:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("database_url: \"set\""), "{printed}");
    }
}
