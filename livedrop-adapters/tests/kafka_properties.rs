//! The operator's librdkafka properties reach the clients: one this build cannot honour
//! fails the connection with librdkafka's own reason, rather than being dropped.
#![cfg(feature = "kafka")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use livedrop_adapters::kafka::KafkaEventBus;

#[tokio::test]
async fn a_property_the_build_cannot_honour_fails_the_connection_naming_it() {
    let brokers = match support::kafka::brokers().await {
        Ok(brokers) => brokers,
        Err(why) => return support::missing("Kafka", &why),
    };
    let mut config = support::kafka::config(brokers);
    config.properties = vec![("security.protocol".to_owned(), "ssl".to_owned())];
    let error = format!("{:?}", KafkaEventBus::new(config).await.unwrap_err());
    assert!(error.to_lowercase().contains("ssl"), "{error}");
}
