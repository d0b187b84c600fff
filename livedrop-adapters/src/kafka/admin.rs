//! The topic, created at start-up when missing.

use livedrop_core::{Error, Result};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::RDKafkaErrorCode;

use super::BACKEND;
use super::config::KafkaConfig;
use super::error::{is_transient_code, to_error};

/// Creates `config.topic` unless it exists. An existing topic is left as it is (its
/// partition count included: changing it would move keys between partitions).
pub(super) async fn ensure_topic(config: &KafkaConfig) -> Result<()> {
    let admin: AdminClient<DefaultClientContext> = config.client().create().map_err(to_error)?;
    let topic = NewTopic::new(
        &config.topic,
        config.partitions,
        TopicReplication::Fixed(config.replication),
    );
    let options = AdminOptions::new()
        .request_timeout(Some(config.request_timeout))
        .operation_timeout(Some(config.request_timeout));
    let results = admin
        .create_topics([&topic], &options)
        .await
        .map_err(to_error)?;
    for result in results {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((name, code)) => {
                let why = format!("cannot create topic {name}: {code}");
                return Err(if is_transient_code(code) {
                    Error::unavailable(BACKEND, why)
                } else {
                    Error::internal(BACKEND, why)
                });
            }
        }
    }
    Ok(())
}
