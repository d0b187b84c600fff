//! The event bus, publishing each traced event inside a span of its own.

use std::sync::Arc;

use async_trait::async_trait;
use livedrop_core::Result;
use livedrop_core::domain::Event;
use livedrop_core::ports::{EventBus, EventSubscription, EventTail, PartitionLag};

/// Publishes each traced event in an `outbox.relay` span (a child of the span that wrote
/// it to the outbox) and sends the event on with that span's context, so each consumer's
/// span is the relay's child. Untraced batches and everything else go straight through.
#[derive(Debug)]
pub(super) struct TracedEventBus {
    inner: Arc<dyn EventBus>,
}

impl TracedEventBus {
    pub(super) fn new(inner: Arc<dyn EventBus>) -> Self {
        Self { inner }
    }
}

#[async_trait]
impl EventBus for TracedEventBus {
    async fn publish(&self, events: &[Event]) -> Result<()> {
        if events.iter().all(|event| event.trace.is_none()) {
            return self.inner.publish(events).await;
        }
        let mut spans = Vec::new();
        let mut sent = events.to_vec();
        for event in &mut sent {
            let Some(parent) = event.trace.take() else {
                continue;
            };
            let span = tracing::info_span!(
                "outbox.relay",
                otel.kind = "producer",
                event.id = %event.id,
                event.kind = event.kind(),
                error = tracing::field::Empty,
            );
            super::join(&span, &parent);
            event.trace = span.in_scope(super::current).or(Some(parent));
            spans.push(span);
        }
        let published = self.inner.publish(&sent).await;
        if let Err(error) = &published {
            for span in &spans {
                span.record("error", tracing::field::display(error));
            }
        }
        published
    }

    async fn subscribe(&self, group: &str) -> Result<Box<dyn EventSubscription>> {
        self.inner.subscribe(group).await
    }

    async fn lag(&self, group: &str) -> Result<Vec<PartitionLag>> {
        self.inner.lag(group).await
    }

    async fn tail(&self) -> Result<Box<dyn EventTail>> {
        self.inner.tail().await
    }
}
