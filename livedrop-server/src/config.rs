//! Configuration: command-line flags, each with a `LIVEDROP_*` environment variable.
//!
//! With nothing set the server listens on `127.0.0.1:8080` and runs on the in-memory
//! backends; each backend URL set moves its ports there (see [`backends`](crate::backends)).

use std::fmt;
use std::net::SocketAddr;

use clap::Parser;

use crate::auth::JwtSecret;
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
