//! Use cases, written only against ports.

mod browse;
mod cached_reads;
mod catalog;
mod follows;
mod orders;
mod relay;
mod scheduler;

pub use browse::BrowseService;
pub use cached_reads::{CachedReads, stale_keys};
pub use catalog::CatalogService;
pub use follows::FollowService;
pub use orders::{OrderService, Receipt};
pub use relay::Relay;
pub use scheduler::Scheduler;
