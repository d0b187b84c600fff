//! The event bus cases of the shared conformance suite against Kafka, a fresh topic per
//! case (the other ports come from memory: Kafka provides only the bus).
#![cfg(feature = "kafka")]

mod support;

use support::kafka::ports;

livedrop_core::conformance_suite!(event_bus: optional ports);
