//! What an event consumer does with each event it is handed.

use std::fmt::Debug;

use async_trait::async_trait;

use crate::Result;
use crate::domain::Event;

/// The effects of events on one part of the system (notifications, caches and read
/// models, ...). A consumer loop joins [`group`](EventHandler::group) on the event bus,
/// calls [`handle`](EventHandler::handle) for each delivery and commits after it succeeds.
///
/// # Contract
/// - Every handler has its own consumer group, so each handler sees every event.
/// - The bus delivers at least once (after a crash or a rebalance an event comes again),
///   so `handle` MUST be idempotent by [`Event::id`]: handling an event twice has the
///   effect of handling it once.
/// - A retryable error ([`Error::is_retryable`](crate::Error::is_retryable)) means "try
///   this event again later"; the consumer does not move past it until it succeeds.
/// - Any other error means this version can never apply the event: the consumer logs it
///   at error level, counts it (`outcome="failed"`) and moves on, since holding the
///   partition would stop every later event. Return it only for events that are truly
///   unusable.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait EventHandler: Send + Sync + Debug + 'static {
    /// The consumer group this handler's consumers join.
    fn group(&self) -> &str;
    /// Applies `event`'s effects; `true` when something new was applied, `false` for an
    /// event this handler ignores or has already applied.
    async fn handle(&self, event: &Event) -> Result<bool>;

    /// Applies a batch of events in order, with the effect of [`handle`](Self::handle) on
    /// each, in one round trip where the backend allows; for each event, what `handle`
    /// would have answered. An error means the batch may be partly applied: the consumer
    /// retries it whole (handlers are idempotent) or, for an error retrying cannot help,
    /// handles its events one by one to find the unusable one.
    async fn handle_batch(&self, events: &[Event]) -> Result<Vec<bool>> {
        let mut applied = Vec::with_capacity(events.len());
        for event in events {
            applied.push(self.handle(event).await?);
        }
        Ok(applied)
    }
}
