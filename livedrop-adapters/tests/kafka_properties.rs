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
    // Kerberos: this build's librdkafka has OpenSSL (TLS, SCRAM) but no libsasl2.
    config.properties = [
        ("security.protocol", "SASL_SSL"),
        ("sasl.mechanism", "GSSAPI"),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .to_vec();
    let error = format!("{:?}", KafkaEventBus::new(config).await.unwrap_err());
    assert!(error.contains("GSSAPI"), "{error}");
}
