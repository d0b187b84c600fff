//! The ports: one async trait per backend concern, each with its contract in its doc
//! comment. Services hold them as `Arc<dyn Port>`, so the backend is chosen at run time.
//! The `testkit` feature checks every contract against any backend.
//!
//! # Layout
//! One file per port, with the types its calls take and return:
//! - the order path: `ledger` ([`Ledger`]), `idempotency` ([`IdempotencyStore`]);
//! - the catalog and accounts: `catalog`, `credentials`, `follows`;
//! - after the order: `outbox`, `event_bus`, `notifier` (inboxes), `cache`, `audit_log`;
//! - at the gate: `rate_limiter`;
//! - to the user's mailbox: `mailer` (registration confirmations);
//! - product images: `media` (signed upload URLs) and `media_host` (uploads and images the
//!   server itself accepts and serves);
//! - implemented by the server rather than a backend: `token_issuer` (signed tokens) and
//!   `password_hasher` (slow password hashes), so the sign-in use cases live in the core;
//! - `bundle`: [`Ports`], one backend's set, as the server and the testkit take it.

mod audit_log;
mod bundle;
mod cache;
mod catalog;
mod credentials;
mod event_bus;
mod follows;
mod idempotency;
mod ledger;
mod mailer;
mod media;
mod media_host;
mod notifier;
mod outbox;
mod password_hasher;
mod rate_limiter;
mod token_issuer;

pub use audit_log::AuditLog;
pub use bundle::Ports;
pub use cache::{Cache, CacheStats, CacheTtls, keys as cache_keys};
pub use catalog::Catalog;
pub use credentials::{Credentials, PasswordHash, RefreshRefusal, RefreshTokenHash, Rotation};
pub use event_bus::{Delivery, EventBus, EventSubscription, EventTail, PartitionLag};
pub use follows::FollowStore;
pub use idempotency::{
    Begin, Fingerprint, IdempotencyPolicy, IdempotencyRecord, IdempotencyStore, OrderAnswer,
};
pub use ledger::{DropTransition, Ledger, LedgerSummary, OrderRequest, Placement};
pub use mailer::{Mail, Mailer};
pub use media::{ImageType, Media, MediaKey, PresignedUpload, UploadRequest};
pub use media_host::{AuthorizedUpload, MediaHost, StoredObject, UploadGrant, UploadRefused};
pub use notifier::Notifier;
pub use outbox::{Outbox, OutboxBatch, OutboxLag, OutboxRecord};
pub use password_hasher::PasswordHasher;
pub use rate_limiter::{BucketPolicy, RateDecision, RateLimiter, RateLimits, RouteClass};
pub use token_issuer::{
    IssuedToken, REGISTRATION_TTL, TokenClaims, TokenId, TokenIssuer, TokenKind,
};

#[cfg(any(test, feature = "mocks"))]
pub use {
    audit_log::MockAuditLog, cache::MockCache, catalog::MockCatalog, credentials::MockCredentials,
    event_bus::MockEventBus, event_bus::MockEventSubscription, event_bus::MockEventTail,
    follows::MockFollowStore, idempotency::MockIdempotencyStore, ledger::MockLedger,
    media::MockMedia, notifier::MockNotifier, outbox::MockOutbox, rate_limiter::MockRateLimiter,
};
