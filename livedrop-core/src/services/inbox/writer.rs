//! [`InboxWriter`]: the notification consumer, storing what users are told about in their
//! inboxes.

use std::sync::Arc;

use async_trait::async_trait;

use crate::Result;
use crate::domain::{Event, Notification};
use crate::ports::Notifier;
use crate::services::EventHandler;

/// Feeds the [`Notifier`] the notification each event causes
/// ([`Notification::for_event`]): followers hear of drops starting, running low and
/// selling out, buyers of their own orders.
///
/// Idempotent because the notifier is: it stores a notification once per event id.
#[derive(Clone, Debug)]
pub struct InboxWriter {
    notifier: Arc<dyn Notifier>,
}

impl InboxWriter {
    /// The consumer group of notification consumers.
    pub const GROUP: &'static str = "livedrop-notifications";

    /// A writer into `notifier`'s inboxes.
    pub fn new(notifier: Arc<dyn Notifier>) -> Self {
        Self { notifier }
    }
}

#[async_trait]
impl EventHandler for InboxWriter {
    fn group(&self) -> &str {
        Self::GROUP
    }

    async fn handle(&self, event: &Event) -> Result<bool> {
        match Notification::for_event(event) {
            Some(notification) => self.notifier.deliver(&notification).await,
            None => Ok(false),
        }
    }

    /// Every notification of the batch in one [`Notifier::deliver_all`].
    async fn handle_batch(&self, events: &[Event]) -> Result<Vec<bool>> {
        let (positions, notifications): (Vec<usize>, Vec<Notification>) = events
            .iter()
            .enumerate()
            .filter_map(|(at, event)| Some((at, Notification::for_event(event)?)))
            .unzip();
        let mut applied = vec![false; events.len()];
        if notifications.is_empty() {
            return Ok(applied);
        }
        let stored = self.notifier.deliver_all(&notifications).await?;
        for (at, stored) in positions.into_iter().zip(stored) {
            applied[at] = stored;
        }
        Ok(applied)
    }
}
