//! The bus's producer handle, shared by the bus and its subscriptions.
//!
//! Its own file because both sides hold it: the bus publishes through it and replaces
//! the producer in place when it cannot send again, and each subscription reads the
//! current one for its watermark queries.

use std::sync::Arc;

use rdkafka::producer::FutureProducer;

/// The bus's current producer, replaced in place when it cannot send again.
pub(super) type SharedProducer = Arc<parking_lot::RwLock<FutureProducer>>;
