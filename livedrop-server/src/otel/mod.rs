//! OpenTelemetry (feature `otel`): spans exported over OTLP, and one order's trace carried
//! from its request through the ledger, the outbox, the bus and every consumer.
//!
//! The trace context travels as data ([`TraceParent`] on the order request and on each
//! event): the ledger copies the request's onto the events it writes, the Postgres outbox
//! keeps it in a column, the Kafka bus in a `traceparent` header. This module makes the spans
//! around those hops: the request's (joined to a caller's `traceparent`), the ledger's, the
//! relay's publish and each consumer's handling, each a child of the one before.
//!
//! # Layout
//! - `export`: the OTLP exporter and the `tracing` layer feeding it; the guard that flushes.
//! - `context`: between `tracing` spans and W3C trace contexts, both ways.
//! - `traced_ledger`, `traced_bus`: the ports wrapped so placing and publishing make spans
//!   and hand their context on.

mod context;
mod export;
mod traced_bus;
mod traced_ledger;

use std::sync::Arc;

use livedrop_core::domain::Event;
use livedrop_core::ports::Ports;

pub use context::{current, join};
pub use export::{ExportGuard, layer};
use livedrop_core::domain::TraceParent;
use traced_bus::TracedEventBus;
use traced_ledger::TracedLedger;

/// `ports` with the ledger and the bus making spans and handing the trace on. Only for a
/// server that exports spans: untraced, the hot path pays nothing for any of this.
pub fn traced(ports: Ports) -> Ports {
    Ports {
        ledger: Arc::new(TracedLedger::new(ports.ledger)),
        bus: Arc::new(TracedEventBus::new(ports.bus)),
        ..ports
    }
}

/// One span per traced event of a consumer group's batch, each a child of the publish that
/// carried the event; they close when dropped (after the batch is handled). Empty when no
/// event is traced.
pub fn consumer_spans(group: &str, events: &[Event]) -> Vec<tracing::Span> {
    events
        .iter()
        .filter_map(|event| {
            let parent: &TraceParent = event.trace.as_ref()?;
            let span = tracing::info_span!(
                "consume",
                otel.kind = "consumer",
                messaging.consumer.group.name = group,
                event.id = %event.id,
                event.kind = event.kind(),
            );
            join(&span, parent);
            Some(span)
        })
        .collect()
}
