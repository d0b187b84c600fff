//! The composition root: which backends the server runs on, memory unless a backend's URL
//! is configured, each with the readiness probe `GET /readyz` runs.
//!
//! Every port starts on the in-memory backend; each configured backend then lays its own
//! ports over that set with the same overlay, `ports(base) -> Ports` (Postgres the durable
//! ones, Redis the idempotency fast path, rate limits and cache, Kafka the event bus, the
//! media backend the upload URLs and, when it is this server, the media host), so any
//! combination works and the rest stays in process. This is the one place they are
//! assembled.

use std::net::SocketAddr;
use std::sync::Arc;

use livedrop_adapters::media::{LocalMedia, UploadSigner};
use livedrop_adapters::memory::{MemoryBackend, MemoryConfig};
use livedrop_core::ports::Ports;

use crate::Config;
use crate::backend_settings::BackendSettings;
use crate::media::MediaConfig;
#[cfg(any(feature = "postgres", feature = "redis", feature = "kafka"))]
use crate::readiness::Probe;
use crate::readiness::ReadinessProbe;

/// The ports to serve with and what `/readyz` checks.
#[derive(Debug)]
pub struct Backends {
    /// Every port, each on its configured backend.
    pub ports: Ports,
    /// One probe per configured backend.
    pub probes: Vec<Arc<dyn ReadinessProbe>>,
    /// Whether orders and the catalog survive a restart (a database is configured).
    pub durable: bool,
}

/// Why the configured backends could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    /// A backend is configured but this binary was built without it.
    #[error(
        "{setting} is set, but this build has no {backend} backend (cargo feature `{backend}`)"
    )]
    NotBuilt {
        /// The setting that asks for it.
        setting: &'static str,
        /// The backend (and cargo feature).
        backend: &'static str,
    },
    /// A backend refused or did not answer at start-up.
    #[error("cannot start the {backend} backend")]
    Connect {
        /// The backend.
        backend: &'static str,
        /// Why.
        #[source]
        source: livedrop_core::Error,
    },
}

/// Connects what `config` names, each overlaid on the in-memory base.
///
/// Postgres and Kafka are connected (and migrated, and the topic created) now, so a bad
/// URL fails the start; Redis connects lazily, so a server starts while Redis is down and
/// `/readyz` says so.
///
/// # Errors
/// [`BackendError`] for a backend this build lacks or one that fails at start-up.
pub async fn connect(config: &Config) -> Result<Backends, BackendError> {
    let mut backends = Backends {
        ports: MemoryBackend::new(MemoryConfig {
            rate_limits: config.rate_limits.limits(),
            ..MemoryConfig::default()
        })
        .ports(),
        probes: Vec::new(),
        durable: false,
    };
    if let Some(url) = &config.database_url {
        postgres(&mut backends, url, &config.backend_settings).await?;
    }
    if let Some(url) = &config.redis_url {
        redis(&mut backends, url, config)?;
    }
    if let Some(brokers) = &config.kafka_brokers {
        kafka(&mut backends, brokers, &config.backend_settings).await?;
    }
    backends.ports = media(&config.media, config.listen, backends.ports).await?;
    Ok(backends)
}

#[cfg(feature = "postgres")]
async fn postgres(
    backends: &mut Backends,
    url: &str,
    settings: &BackendSettings,
) -> Result<(), BackendError> {
    use livedrop_adapters::postgres::{LedgerMode, PgBackend, PgConfig};
    let config = PgConfig {
        read_url: settings.database_read_url.clone(),
        max_connections: settings.database_pool_size,
        ledger: LedgerMode::default().with_lanes(usize::from(settings.ledger_lanes)),
        acquire_timeout: settings.database_acquire_timeout,
        statement_timeout: settings.database_statement_timeout,
        ..PgConfig::new(url)
    };
    let pg = PgBackend::connect(config)
        .await
        .map_err(|source| BackendError::Connect {
            backend: "postgres",
            source,
        })?;
    backends.ports = pg.ports(backends.ports.clone());
    backends.probes.push(Probe::new(
        "postgres",
        pg,
        |pg| async move { pg.ping().await },
    ));
    backends.durable = true;
    Ok(())
}

#[cfg(not(feature = "postgres"))]
async fn postgres(_: &mut Backends, _: &str, _: &BackendSettings) -> Result<(), BackendError> {
    Err(BackendError::NotBuilt {
        setting: "LIVEDROP_DATABASE_URL",
        backend: "postgres",
    })
}

#[cfg(feature = "redis")]
fn redis(backends: &mut Backends, url: &str, config: &Config) -> Result<(), BackendError> {
    use livedrop_adapters::redis::{RedisBackend, RedisConfig};
    let tls_root_cert = match &config.backend_settings.redis_tls_ca {
        Some(path) => Some(std::fs::read(path).map_err(|error| BackendError::Connect {
            backend: "redis",
            source: livedrop_core::Error::internal(
                "redis",
                format!("cannot read the TLS CA file {}: {error}", path.display()),
            ),
        })?),
        None => None,
    };
    let config = RedisConfig {
        tls_root_cert,
        rate_limits: config.rate_limits.limits(),
        near_cache: config.near_cache,
        key_prefix: config.backend_settings.redis_key_prefix.clone(),
        cluster: config.backend_settings.redis_cluster,
        ..RedisConfig::new(url)
    };
    let redis = RedisBackend::new(config).map_err(|source| BackendError::Connect {
        backend: "redis",
        source,
    })?;
    backends.ports = redis.ports(backends.ports.clone());
    backends
        .probes
        .push(Probe::new("redis", redis, |redis| async move {
            redis.ping().await
        }));
    Ok(())
}

#[cfg(not(feature = "redis"))]
fn redis(_: &mut Backends, _: &str, _: &Config) -> Result<(), BackendError> {
    Err(BackendError::NotBuilt {
        setting: "LIVEDROP_REDIS_URL",
        backend: "redis",
    })
}

#[cfg(feature = "kafka")]
async fn kafka(
    backends: &mut Backends,
    brokers: &str,
    settings: &BackendSettings,
) -> Result<(), BackendError> {
    use livedrop_adapters::kafka::{KafkaConfig, KafkaEventBus};
    let config = KafkaConfig {
        topic: settings.kafka_topic.clone(),
        partitions: settings.kafka_partitions,
        replication: settings.kafka_replication,
        group_prefix: settings.kafka_group_prefix.clone(),
        properties: settings.kafka_properties.clone(),
        ..KafkaConfig::new(brokers)
    };
    let bus = KafkaEventBus::new(config)
        .await
        .map_err(|source| BackendError::Connect {
            backend: "kafka",
            source,
        })?;
    backends.ports = bus.ports(backends.ports.clone());
    backends.probes.push(Probe::new(
        "kafka",
        bus,
        |bus| async move { bus.ping().await },
    ));
    Ok(())
}

#[cfg(not(feature = "kafka"))]
async fn kafka(_: &mut Backends, _: &str, _: &BackendSettings) -> Result<(), BackendError> {
    Err(BackendError::NotBuilt {
        setting: "LIVEDROP_KAFKA_BROKERS",
        backend: "kafka",
    })
}

/// `base` with the media ports `config` names: a bucket's presigned uploads (S3), or this
/// server's own upload URLs and image serving, objects in a directory or in memory.
async fn media(
    config: &MediaConfig,
    listen: SocketAddr,
    base: Ports,
) -> Result<Ports, BackendError> {
    if let Some(bucket) = &config.s3_bucket {
        return s3(config, bucket, base);
    }
    let public = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{listen}"));
    let signer = config
        .media_secret
        .as_ref()
        .map_or_else(UploadSigner::random, |secret| {
            UploadSigner::new(secret.as_bytes().to_vec())
        });
    let local = match &config.media_dir {
        Some(dir) => LocalMedia::in_directory(&public, signer, dir)
            .await
            .map_err(|source| BackendError::Connect {
                backend: "media directory",
                source,
            })?,
        None => LocalMedia::in_memory(&public, signer),
    };
    Ok(Arc::new(local).ports(base))
}

#[cfg(feature = "s3")]
fn s3(config: &MediaConfig, bucket: &str, base: Ports) -> Result<Ports, BackendError> {
    use livedrop_adapters::media::{S3Config, S3Media};
    let mut s3 = S3Config::new(bucket);
    s3.endpoint.clone_from(&config.s3_endpoint);
    s3.region.clone_from(&config.s3_region);
    s3.public_base_url.clone_from(&config.s3_public_url);
    let media = S3Media::new(s3).map_err(|source| BackendError::Connect {
        backend: "s3",
        source,
    })?;
    Ok(Arc::new(media).ports(base))
}

#[cfg(not(feature = "s3"))]
fn s3(_: &MediaConfig, _: &str, _: Ports) -> Result<Ports, BackendError> {
    Err(BackendError::NotBuilt {
        setting: "LIVEDROP_S3_BUCKET",
        backend: "s3",
    })
}
