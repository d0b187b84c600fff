//! Kafka as managed services serve it: TLS only, often SASL on top. Against a broker of
//! the test's own behind a TLS front (see `support::tls_front` for why a front), with the
//! operator's librdkafka properties (`--kafka-property`): the bus carries events over TLS
//! with the broker's authority, and connects to nothing without it or in plain text. A
//! broker requiring SASL refuses a client without it; the SCRAM properties themselves are
//! taken by this build (librdkafka with OpenSSL), so the refusal is the broker's, not a
//! configuration error. No test broker here can accept a SASL login (see
//! `support::tansu::Tansu::start_tls`).
#![cfg(feature = "kafka")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use livedrop_adapters::kafka::{KafkaConfig, KafkaEventBus};
use livedrop_core::Error;
use support::tansu::Tansu;

/// Long enough for a TLS handshake on a busy machine, short enough for the refusals.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// A test bus's settings for the broker at `port`, with `properties` on top.
fn config(port: u16, properties: &[(&str, &str)]) -> KafkaConfig {
    let mut config = support::kafka::config(format!("127.0.0.1:{port}"));
    config.request_timeout = REQUEST_TIMEOUT;
    config.properties = properties
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    config
}

#[tokio::test]
async fn over_tls_with_the_brokers_authority_every_event_arrives_in_order() {
    let Some((_broker, front)) = Tansu::start_tls(false) else {
        return;
    };
    let ca = front.ca_file().display().to_string();
    let tls = [("security.protocol", "SSL"), ("ssl.ca.location", &ca)];
    let bus = KafkaEventBus::new(config(front.port(), &tls))
        .await
        .expect("a bus over TLS");
    // A conformance case end to end: publish, subscribe as a group, receive in key order.
    livedrop_core::testkit::event_bus::subscribers_receive_every_event_in_key_order(&bus).await;
}

#[tokio::test]
async fn a_broker_whose_certificate_does_not_chain_to_the_roots_is_never_used() {
    let Some((_broker, front)) = Tansu::start_tls(false) else {
        return;
    };
    // The system's roots: the test's authority is not among them.
    let refused = KafkaEventBus::new(config(front.port(), &[("security.protocol", "SSL")])).await;
    assert!(refused.is_err(), "connected to an unverified broker");
    let plain =
        KafkaEventBus::new(config(front.port(), &[("security.protocol", "PLAINTEXT")])).await;
    assert!(plain.is_err(), "plain text reached a TLS-only port");
}

#[tokio::test]
async fn a_broker_requiring_sasl_refuses_clients_that_do_not_log_in() {
    let Some((_broker, front)) = Tansu::start_tls(true) else {
        return;
    };
    let ca = front.ca_file().display().to_string();
    let tls_only = [("security.protocol", "SSL"), ("ssl.ca.location", &ca)];
    assert!(
        matches!(
            KafkaEventBus::new(config(front.port(), &tls_only)).await,
            Err(Error::Unavailable { .. })
        ),
        "served a client that never authenticated"
    );
    let scram = [
        ("security.protocol", "SASL_SSL"),
        ("sasl.mechanism", "SCRAM-SHA-512"),
        ("sasl.username", "nobody-the-broker-knows"),
        ("sasl.password", "a guess"),
        ("ssl.ca.location", &ca),
    ];
    let refused = KafkaEventBus::new(config(front.port(), &scram)).await;
    assert!(
        matches!(refused, Err(Error::Unavailable { .. })),
        "the SCRAM settings are taken and the broker refuses the login: {refused:?}"
    );
}
