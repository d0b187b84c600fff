//! The backends' operating settings beyond their URLs: pool sizes, the read replica, the
//! Redis key prefix, the Kafka topic, groups and client properties. Each is a flag with a
//! `LIVEDROP_*` variable; the defaults are the adapters' own.

use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::{ArgAction, Args};

use crate::duration_flag::positive_duration;

/// `--database-*`, `--redis-*` and `--kafka-*` (see each field).
#[derive(Clone, PartialEq, Eq, Args)]
#[non_exhaustive]
pub struct BackendSettings {
    /// A PostgreSQL read replica for browse reads (drop lists, a buyer's orders, inboxes,
    /// follower lists); orders, the ledger and every write stay on the primary. Reads
    /// there may lag the primary by the replication delay.
    #[arg(long, env = "LIVEDROP_DATABASE_READ_URL", hide_env_values = true)]
    pub database_read_url: Option<String>,
    /// Connections in each PostgreSQL pool (the primary's, and the replica's). Several
    /// instances open this many each: keep their sum under the server's `max_connections`
    /// (or the pooler's).
    #[arg(long, env = "LIVEDROP_DATABASE_POOL_SIZE", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..))]
    pub database_pool_size: u32,
    /// Batches of one drop the PostgreSQL ledger has in flight at once (its lanes), each
    /// selling from stock allotted to it and holding a connection while the drop is busy.
    /// Two overlap a hot drop's commits (see `LedgerMode::Batched`); more lanes make
    /// smaller batches, so where CPU is the limit (the server's, or a database with few
    /// cores, whose instances' lanes add up) fewer do better.
    #[arg(long, env = "LIVEDROP_LEDGER_LANES", default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub ledger_lanes: u16,
    /// Longest a request waits for a PostgreSQL connection before failing with 503.
    #[arg(long, env = "LIVEDROP_DATABASE_ACQUIRE_TIMEOUT", default_value = "3s", value_parser = positive_duration)]
    pub database_acquire_timeout: Duration,
    /// Longest a PostgreSQL statement may run before the database cancels it.
    #[arg(long, env = "LIVEDROP_DATABASE_STATEMENT_TIMEOUT", default_value = "5s", value_parser = positive_duration)]
    pub database_statement_timeout: Duration,
    /// With a `rediss://` URL: a PEM file of the certificate authority the Redis server's
    /// certificate must chain to (a provider's CA). Unset: the system's trusted roots.
    #[arg(long, env = "LIVEDROP_REDIS_TLS_CA")]
    pub redis_tls_ca: Option<std::path::PathBuf>,
    /// The Redis URL names a Redis Cluster: one or more of its nodes, comma-separated (the
    /// rest are found from them); each command goes to the node holding its keys' slot.
    /// The variable takes `1`/`true`/`yes`/`on` (or `0`/`false`/`no`/`off`).
    #[arg(long, env = "LIVEDROP_REDIS_CLUSTER", action = ArgAction::SetTrue, value_parser = BoolishValueParser::new())]
    pub redis_cluster: bool,
    /// Prepended to every Redis key, so deployments sharing one Redis keep apart (no
    /// braces: Redis Cluster would take the key's hash tag from them).
    #[arg(long, env = "LIVEDROP_REDIS_KEY_PREFIX", default_value = "livedrop:")]
    pub redis_key_prefix: String,
    /// The Kafka topic every event goes to (created when missing).
    #[arg(long, env = "LIVEDROP_KAFKA_TOPIC", default_value = "livedrop.events")]
    pub kafka_topic: String,
    /// Partitions of the topic when it is created: the most members of one consumer group
    /// that work at once.
    #[arg(long, env = "LIVEDROP_KAFKA_PARTITIONS", default_value_t = 6, value_parser = clap::value_parser!(i32).range(1..))]
    pub kafka_partitions: i32,
    /// Replicas of each partition when the topic is created (3 on a real cluster).
    #[arg(long, env = "LIVEDROP_KAFKA_REPLICATION", default_value_t = 1, value_parser = clap::value_parser!(i32).range(1..))]
    pub kafka_replication: i32,
    /// Prepended to every consumer group's name, so deployments sharing a cluster (each
    /// with its own topic) keep apart.
    #[arg(long, env = "LIVEDROP_KAFKA_GROUP_PREFIX", default_value = "livedrop.")]
    pub kafka_group_prefix: String,
    /// A librdkafka property, `KEY=VALUE`, set on every Kafka client after LiveDrop's own
    /// (repeat the flag; in the variable, separate them with `;`): `security.protocol`,
    /// `sasl.*`, `ssl.*`, tuning.
    #[arg(long = "kafka-property", env = "LIVEDROP_KAFKA_PROPERTIES", value_delimiter = ';', value_parser = property)]
    pub kafka_properties: Vec<(String, String)>,
}

impl std::fmt::Debug for BackendSettings {
    /// Everything but the replica's URL (it may carry a password) and the Kafka properties'
    /// values (`sasl.password`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys: Vec<&str> = self
            .kafka_properties
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        f.debug_struct("BackendSettings")
            .field(
                "database_read_url",
                &self.database_read_url.as_ref().map(|_| "set"),
            )
            .field("database_pool_size", &self.database_pool_size)
            .field("ledger_lanes", &self.ledger_lanes)
            .field("database_acquire_timeout", &self.database_acquire_timeout)
            .field(
                "database_statement_timeout",
                &self.database_statement_timeout,
            )
            .field("redis_tls_ca", &self.redis_tls_ca)
            .field("redis_cluster", &self.redis_cluster)
            .field("redis_key_prefix", &self.redis_key_prefix)
            .field("kafka_topic", &self.kafka_topic)
            .field("kafka_partitions", &self.kafka_partitions)
            .field("kafka_replication", &self.kafka_replication)
            .field("kafka_group_prefix", &self.kafka_group_prefix)
            .field("kafka_properties", &keys)
            .finish()
    }
}

/// `KEY=VALUE`, the key not empty.
fn property(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_owned(), value.trim().to_owned()))
        }
        _ => Err(format!("`{text}` is not KEY=VALUE")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        settings: BackendSettings,
    }

    #[test]
    fn defaults_are_the_adapters_own() {
        let settings = Cli::try_parse_from(["livedrop"]).unwrap().settings;
        assert_eq!(settings.database_pool_size, 16);
        assert_eq!(settings.ledger_lanes, 2);
        assert!(Cli::try_parse_from(["livedrop", "--ledger-lanes", "0"]).is_err());
        assert_eq!(settings.redis_key_prefix, "livedrop:");
        assert!(!settings.redis_cluster);
        assert_eq!(settings.kafka_topic, "livedrop.events");
        assert_eq!(
            (settings.kafka_partitions, settings.kafka_replication),
            (6, 1)
        );
        assert!(settings.kafka_properties.is_empty());
    }

    #[test]
    fn kafka_properties_repeat_and_hide_their_values() {
        let settings = Cli::try_parse_from([
            "livedrop",
            "--kafka-property",
            "security.protocol=SASL_SSL",
            "--kafka-property",
            "sasl.password=hunter2",
        ])
        .unwrap()
        .settings;
        assert_eq!(
            settings.kafka_properties,
            [
                ("security.protocol".to_owned(), "SASL_SSL".to_owned()),
                ("sasl.password".to_owned(), "hunter2".to_owned())
            ]
        );
        assert!(!format!("{settings:?}").contains("hunter2"));
        assert!(Cli::try_parse_from(["livedrop", "--kafka-property", "novalue"]).is_err());
        assert!(Cli::try_parse_from(["livedrop", "--kafka-partitions", "0"]).is_err());
    }
}
