//! A Redis backend per test, under a key prefix of its own.

use livedrop_adapters::redis::{RedisBackend, RedisConfig};
use livedrop_core::ports::{IdempotencyPolicy, Ports};

const URL_VARIABLE: &str = "LIVEDROP_TEST_REDIS_URL";

/// The Redis URL: the variable, else a container (feature `containers`), else `None`
/// with the reason.
pub async fn redis_url() -> Result<String, String> {
    if let Ok(url) = std::env::var(URL_VARIABLE) {
        return Ok(url);
    }
    #[cfg(feature = "containers")]
    {
        return container::url().await;
    }
    #[allow(unreachable_code)]
    Err(format!(
        "{URL_VARIABLE} is not set (or build with --features containers and run Docker)"
    ))
}

/// The settings of a test's backend: a key prefix of its own (so tests never see each
/// other's keys) and the testkit's short idempotency lifetimes.
pub fn config(url: String) -> RedisConfig {
    let mut config = RedisConfig::new(url);
    config.key_prefix = format!("test:{}:", uuid::Uuid::new_v4().simple());
    config.idempotency = IdempotencyPolicy::for_tests();
    config
}

/// A backend that answered a PING, or `None` (after saying why) when no Redis is
/// configured.
pub async fn backend() -> Option<RedisBackend> {
    backend_with(|_| {}).await
}

/// The same with `adjust` applied to the test's settings.
pub async fn backend_with(adjust: impl FnOnce(&mut RedisConfig)) -> Option<RedisBackend> {
    let url = match redis_url().await {
        Ok(url) => url,
        Err(why) => {
            super::missing("Redis", &why);
            return None;
        }
    };
    let mut config = config(url.clone());
    adjust(&mut config);
    let backend = RedisBackend::new(config).expect("a valid Redis URL");
    if let Err(error) = backend.ping().await {
        panic!("{URL_VARIABLE}={url} does not answer: {error}");
    }
    Some(backend)
}

/// The memory backend's ports with Redis's idempotency store, rate limiter and cache.
pub async fn ports() -> Option<Ports> {
    Some(backend().await?.ports(super::memory_ports()))
}

/// The same with every cached read going to Redis (no in-process near tier).
pub async fn ports_without_near_cache() -> Option<Ports> {
    let backend = backend_with(|config| config.near_cache = std::time::Duration::ZERO).await?;
    Some(backend.ports(super::memory_ports()))
}

#[cfg(feature = "containers")]
mod container {
    use testcontainers::ContainerAsync;
    use testcontainers_modules::redis::{REDIS_PORT, Redis};
    use tokio::sync::OnceCell;

    static CONTAINER: OnceCell<Result<(ContainerAsync<Redis>, String), String>> =
        OnceCell::const_new();

    pub(super) async fn url() -> Result<String, String> {
        super::super::container_url(&CONTAINER, Redis::default, REDIS_PORT, |port| {
            format!("redis://127.0.0.1:{port}")
        })
        .await
    }
}
