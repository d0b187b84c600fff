//! What the load-run benches share: where their services are and a fresh schema each.
#![allow(dead_code)] // Each bench uses the part it needs.

/// The first of `variables` that is set.
pub fn env_first(variables: &[&str]) -> Option<String> {
    variables.iter().find_map(|name| std::env::var(name).ok())
}

#[cfg(feature = "postgres")]
pub mod postgres {
    use livedrop_adapters::postgres::{LedgerMode, PgBackend, PgConfig};
    use sqlx::Connection;

    /// A backend on a schema of its own, and the schema's name.
    pub async fn fresh_backend(
        url: &str,
        mode: LedgerMode,
        max_connections: u32,
    ) -> (PgBackend, String) {
        let schema = format!("bench_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&mut admin)
            .await
            .unwrap();
        let backend = backend_in(url, &schema, mode, max_connections).await;
        (backend, schema)
    }

    /// Another backend (its own pool, as another server process has) on `schema`.
    pub async fn backend_in(
        url: &str,
        schema: &str,
        mode: LedgerMode,
        max_connections: u32,
    ) -> PgBackend {
        let mut config = PgConfig::new(url);
        config.schema = Some(schema.to_owned());
        config.max_connections = max_connections;
        config.ledger = mode;
        PgBackend::connect(config).await.unwrap()
    }

    /// Drops a bench's schema: its rows are not worth keeping.
    pub async fn drop_schema(backend: &PgBackend, schema: &str) {
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
            .execute(backend.pool())
            .await
            .unwrap();
    }
}

#[cfg(feature = "kafka")]
pub mod kafka {
    use std::sync::Arc;

    use livedrop::core::ports::EventBus;
    use livedrop_adapters::kafka::{KafkaConfig, KafkaEventBus};

    /// A bus on a topic of its own: each phase starts on an empty topic, so its new
    /// consumer groups (which start at the oldest event) read only its own events.
    pub async fn fresh_bus(brokers: &str) -> Arc<dyn EventBus> {
        let mut config = KafkaConfig::new(brokers);
        let run = uuid::Uuid::new_v4().simple();
        config.topic = format!("livedrop.bench.{run}");
        config.group_prefix = format!("livedrop.bench.{run}.");
        Arc::new(KafkaEventBus::new(config).await.unwrap())
    }
}
