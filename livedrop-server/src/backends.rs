//! Which backends the server runs on: memory unless a backend's URL is configured, each
//! with the readiness probe `GET /readyz` runs.
//!
//! Each backend replaces only its own ports (Postgres the durable ones, Redis the
//! idempotency fast path, rate limits and cache, Kafka the event bus), so any combination
//! works, and the rest stays in process.

use std::sync::Arc;
#[cfg(any(feature = "postgres", feature = "redis", feature = "kafka"))]
use std::{fmt, pin::Pin};

#[cfg(any(feature = "postgres", feature = "redis", feature = "kafka"))]
use async_trait::async_trait;
use livedrop_adapters::memory::{MemoryBackend, MemoryConfig};
use livedrop_core::ports::Ports;

use crate::Config;
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
    /// The media store the server's `/media` routes serve (`None`: S3 serves).
    pub media_store: Option<Arc<livedrop_adapters::media::LocalMedia>>,
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

/// Connects what `config` names, over an in-memory base.
///
/// Postgres and Kafka are connected (and migrated, and the topic created) now, so a bad
/// URL fails the start; Redis connects lazily, so a server starts while Redis is down and
/// `/readyz` says so.
///
/// # Errors
/// [`BackendError`] for a backend this build lacks or one that fails at start-up.
pub async fn connect(config: &Config) -> Result<Backends, BackendError> {
    let mut backends = Backends {
        ports: MemoryBackend::new(MemoryConfig::default()).ports(),
        probes: Vec::new(),
        durable: false,
        media_store: None,
    };
    if let Some(url) = &config.database_url {
        postgres(&mut backends, url).await?;
    }
    if let Some(url) = &config.redis_url {
        redis(&mut backends, url)?;
    }
    if let Some(brokers) = &config.kafka_brokers {
        kafka(&mut backends, brokers).await?;
    }
    (backends.ports.media, backends.media_store) =
        crate::media::connect(&config.media, config.listen).await?;
    Ok(backends)
}

#[cfg(feature = "postgres")]
async fn postgres(backends: &mut Backends, url: &str) -> Result<(), BackendError> {
    use livedrop_adapters::postgres::{PgBackend, PgConfig};
    let pg = PgBackend::connect(PgConfig::new(url))
        .await
        .map_err(|source| BackendError::Connect {
            backend: "postgres",
            source,
        })?;
    // Postgres first, so its ports become the base: the durable ones on the database, the
    // cache, rate limiter and bus in process until Redis and Kafka take theirs.
    backends.ports = pg.ports();
    backends.probes.push(Probe::new(
        "postgres",
        pg,
        |pg| async move { pg.ping().await },
    ));
    backends.durable = true;
    Ok(())
}

#[cfg(not(feature = "postgres"))]
async fn postgres(_: &mut Backends, _: &str) -> Result<(), BackendError> {
    Err(BackendError::NotBuilt {
        setting: "LIVEDROP_DATABASE_URL",
        backend: "postgres",
    })
}

#[cfg(feature = "redis")]
fn redis(backends: &mut Backends, url: &str) -> Result<(), BackendError> {
    use livedrop_adapters::redis::{RedisBackend, RedisConfig};
    let redis =
        RedisBackend::new(RedisConfig::new(url)).map_err(|source| BackendError::Connect {
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
fn redis(_: &mut Backends, _: &str) -> Result<(), BackendError> {
    Err(BackendError::NotBuilt {
        setting: "LIVEDROP_REDIS_URL",
        backend: "redis",
    })
}

#[cfg(feature = "kafka")]
async fn kafka(backends: &mut Backends, brokers: &str) -> Result<(), BackendError> {
    use livedrop_adapters::kafka::{KafkaConfig, KafkaEventBus};
    let bus = KafkaEventBus::new(KafkaConfig::new(brokers))
        .await
        .map_err(|source| BackendError::Connect {
            backend: "kafka",
            source,
        })?;
    backends.ports.bus = Arc::new(bus.clone());
    backends.probes.push(Probe::new(
        "kafka",
        bus,
        |bus| async move { bus.ping().await },
    ));
    Ok(())
}

#[cfg(not(feature = "kafka"))]
async fn kafka(_: &mut Backends, _: &str) -> Result<(), BackendError> {
    Err(BackendError::NotBuilt {
        setting: "LIVEDROP_KAFKA_BROKERS",
        backend: "kafka",
    })
}

#[cfg(any(feature = "postgres", feature = "redis", feature = "kafka"))]
/// The future a [`Probe`] runs.
type Ping = Pin<Box<dyn Future<Output = livedrop_core::Result<()>> + Send>>;

#[cfg(any(feature = "postgres", feature = "redis", feature = "kafka"))]
/// A backend's own `ping` as a readiness probe.
struct Probe {
    name: &'static str,
    ping: Box<dyn Fn() -> Ping + Send + Sync>,
}

#[cfg(any(feature = "postgres", feature = "redis", feature = "kafka"))]
impl Probe {
    /// Probes a clone of `backend` with `ping`.
    fn new<B, F, Fut>(name: &'static str, backend: B, ping: F) -> Arc<Self>
    where
        B: Clone + Send + Sync + 'static,
        F: Fn(B) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = livedrop_core::Result<()>> + Send + 'static,
    {
        Arc::new(Self {
            name,
            ping: Box::new(move || Box::pin(ping(backend.clone()))),
        })
    }
}

#[cfg(any(feature = "postgres", feature = "redis", feature = "kafka"))]
impl fmt::Debug for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Probe").field("name", &self.name).finish()
    }
}

#[cfg(any(feature = "postgres", feature = "redis", feature = "kafka"))]
#[async_trait]
impl ReadinessProbe for Probe {
    fn name(&self) -> &'static str {
        self.name
    }
    async fn check(&self) -> livedrop_core::Result<()> {
        (self.ping)().await
    }
}
