//! [`InboxSignal`]: "an inbox changed", from the notification consumer to the streams.

use std::sync::Arc;

use async_trait::async_trait;
use livedrop_core::Result;
use livedrop_core::domain::Event;
use livedrop_core::services::EventHandler;
use tokio::sync::watch;

/// A counter bumped whenever this instance stores a notification. A `watch` rather than a
/// `Notify`: a stream busy reading the inbox when the bump happens still sees it changed
/// at its next wait, so no wake-up is lost.
#[derive(Clone, Debug)]
pub struct InboxSignal(Arc<watch::Sender<u64>>);

impl InboxSignal {
    /// A signal nobody has bumped.
    pub fn new() -> Self {
        Self(Arc::new(watch::channel(0).0))
    }

    /// Wakes every stream.
    pub fn bump(&self) {
        self.0
            .send_modify(|version| *version = version.wrapping_add(1));
    }

    /// A receiver for one stream.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.0.subscribe()
    }
}

impl Default for InboxSignal {
    fn default() -> Self {
        Self::new()
    }
}

/// Wraps the notification consumer's handler: after it stores a notification, bump the
/// signal.
#[derive(Debug)]
pub struct SignallingHandler {
    inner: Arc<dyn EventHandler>,
    signal: InboxSignal,
}

impl SignallingHandler {
    /// `inner`, bumping `signal` on every stored notification.
    pub fn new(inner: Arc<dyn EventHandler>, signal: InboxSignal) -> Self {
        Self { inner, signal }
    }
}

#[async_trait]
impl EventHandler for SignallingHandler {
    fn group(&self) -> &str {
        self.inner.group()
    }

    async fn handle(&self, event: &Event) -> Result<bool> {
        let stored = self.inner.handle(event).await?;
        if stored {
            self.signal.bump();
        }
        Ok(stored)
    }

    /// One bump for the whole batch: the streams read everything new at once.
    async fn handle_batch(&self, events: &[Event]) -> Result<Vec<bool>> {
        let stored = self.inner.handle_batch(events).await?;
        if stored.contains(&true) {
            self.signal.bump();
        }
        Ok(stored)
    }
}
