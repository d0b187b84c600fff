//! Use cases, written only against ports.

mod browse;
mod catalog;
mod follows;
mod orders;
mod relay;
mod scheduler;

pub use browse::BrowseService;
pub use catalog::CatalogService;
pub use follows::FollowService;
pub use orders::{OrderService, Receipt};
pub use relay::Relay;
pub use scheduler::Scheduler;
