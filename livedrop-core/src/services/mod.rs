//! Use cases, written only against ports.

mod browse;
mod cached_reads;
mod catalog;
mod database_updater;
mod event_handler;
mod follows;
mod notification_feed;
mod orders;
mod relay;
mod scheduler;

pub use browse::BrowseService;
pub use cached_reads::{CachedReads, stale_keys};
pub use catalog::CatalogService;
pub use database_updater::DatabaseUpdater;
pub use event_handler::EventHandler;
#[cfg(any(test, feature = "mocks"))]
pub use event_handler::MockEventHandler;
pub use follows::FollowService;
pub use notification_feed::NotificationFeed;
pub use orders::{OrderService, Receipt};
pub use relay::Relay;
pub use scheduler::Scheduler;
