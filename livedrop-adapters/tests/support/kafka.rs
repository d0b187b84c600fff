//! A Kafka event bus per test, on a topic of its own.

use std::sync::Arc;
use std::time::Duration;

use livedrop_adapters::kafka::{KafkaConfig, KafkaEventBus};
use livedrop_core::ports::Ports;

const BROKERS_VARIABLE: &str = "LIVEDROP_TEST_KAFKA_BROKERS";

/// A joining member waits about half the session timeout for its group to settle, and
/// the testkit joins groups often; 6 s keeps that near 3 s while staying well above the
/// heartbeat interval (1 s), so a busy machine does not expel live members.
const SESSION_TIMEOUT: Duration = Duration::from_millis(6000);

/// The bootstrap brokers: the variable, else a container (feature `containers`), else
/// `None` with the reason.
pub async fn brokers() -> Result<String, String> {
    if let Ok(brokers) = std::env::var(BROKERS_VARIABLE) {
        return Ok(brokers);
    }
    #[cfg(feature = "containers")]
    {
        return container::brokers().await;
    }
    #[allow(unreachable_code)]
    Err(format!(
        "{BROKERS_VARIABLE} is not set (or build with --features containers and run Docker)"
    ))
}

/// The settings of a test's bus: a topic and group prefix of its own, so tests running at
/// once never see each other's events nor rebalance each other's groups.
pub fn config(brokers: String) -> KafkaConfig {
    let test = uuid::Uuid::new_v4().simple();
    let mut config = KafkaConfig::new(brokers);
    config.topic = format!("livedrop.test.{test}");
    config.group_prefix = format!("livedrop.test.{test}.");
    config.session_timeout = SESSION_TIMEOUT;
    config
}

/// A bus whose topic was created, or `None` (after saying why) when no brokers are
/// configured.
pub async fn bus() -> Option<KafkaEventBus> {
    let brokers = match brokers().await {
        Ok(brokers) => brokers,
        Err(why) => {
            super::missing("Kafka", &why);
            return None;
        }
    };
    match KafkaEventBus::new(config(brokers.clone())).await {
        Ok(bus) => Some(bus),
        Err(error) => panic!("{BROKERS_VARIABLE}={brokers} does not answer: {error}"),
    }
}

/// The memory backend's ports with a fresh Kafka bus.
pub async fn ports() -> Option<Ports> {
    Some(Ports {
        bus: Arc::new(bus().await?),
        ..super::memory_ports()
    })
}

#[cfg(feature = "containers")]
mod container {
    use testcontainers::ContainerAsync;
    use testcontainers_modules::kafka::apache::{KAFKA_PORT, Kafka};
    use tokio::sync::OnceCell;

    static CONTAINER: OnceCell<Result<(ContainerAsync<Kafka>, String), String>> =
        OnceCell::const_new();

    pub(super) async fn brokers() -> Result<String, String> {
        super::super::container_url(&CONTAINER, Kafka::default, KAFKA_PORT.as_u16(), |port| {
            format!("127.0.0.1:{port}")
        })
        .await
    }
}
