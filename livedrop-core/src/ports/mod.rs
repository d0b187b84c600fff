//! The ports: one async trait per backend concern, each with its contract in its doc
//! comment. Services hold them as `Arc<dyn Port>`, so the backend is chosen at run time.
//! The `testkit` feature checks every contract against any backend.

mod audit_log;
mod bundle;
mod cache;
mod catalog;
mod credentials;
mod event_bus;
mod follows;
mod idempotency;
mod ledger;
mod media;
mod notifier;
mod outbox;
mod rate_limiter;

pub use audit_log::AuditLog;
pub use bundle::Ports;
pub use cache::{Cache, CacheStats, CacheTtls, keys as cache_keys};
pub use catalog::Catalog;
pub use credentials::{Credentials, PasswordHash, RefreshRefusal, RefreshTokenHash, Rotation};
pub use event_bus::{Delivery, EventBus, EventSubscription};
pub use follows::FollowStore;
pub use idempotency::{
    Begin, Fingerprint, IdempotencyPolicy, IdempotencyRecord, IdempotencyStore, OrderAnswer,
};
pub use ledger::{Cancellation, DropTransition, Ledger, LedgerSummary, OrderRequest, Placement};
pub use media::{ImageType, Media, MediaKey, PresignedUpload, UploadRequest};
pub use notifier::Notifier;
pub use outbox::{Outbox, OutboxBatch, OutboxLag, OutboxRecord};
pub use rate_limiter::{BucketPolicy, RateDecision, RateLimiter, RateLimits, RouteClass};

#[cfg(any(test, feature = "mocks"))]
pub use {
    audit_log::MockAuditLog, cache::MockCache, catalog::MockCatalog, credentials::MockCredentials,
    event_bus::MockEventBus, event_bus::MockEventSubscription, follows::MockFollowStore,
    idempotency::MockIdempotencyStore, ledger::MockLedger, media::MockMedia,
    notifier::MockNotifier, outbox::MockOutbox, rate_limiter::MockRateLimiter,
};
