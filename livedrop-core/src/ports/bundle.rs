//! [`Ports`]: one backend's set of ports, as the server and the testkit take them.

use std::sync::Arc;

use super::{
    AuditLog, Cache, Catalog, Credentials, EventBus, FollowStore, IdempotencyStore, Ledger, Media,
    MediaHost, Notifier, Outbox, RateLimiter,
};

/// Every port, each chosen independently at run time (Postgres ledger with a Redis
/// idempotency store, say). Cloning clones the `Arc`s.
#[derive(Clone, Debug)]
pub struct Ports {
    /// Orders and stock.
    pub ledger: Arc<dyn Ledger>,
    /// Users, creators, products, drops.
    pub catalog: Arc<dyn Catalog>,
    /// Password hashes and refresh-token families.
    pub credentials: Arc<dyn Credentials>,
    /// Follows.
    pub follows: Arc<dyn FollowStore>,
    /// Idempotency records (fast path).
    pub idempotency: Arc<dyn IdempotencyStore>,
    /// Events waiting for the relay.
    pub outbox: Arc<dyn Outbox>,
    /// Event fan-out.
    pub bus: Arc<dyn EventBus>,
    /// Inboxes.
    pub notifier: Arc<dyn Notifier>,
    /// Read cache.
    pub cache: Arc<dyn Cache>,
    /// Rate limits.
    pub rate_limiter: Arc<dyn RateLimiter>,
    /// Audit trail.
    pub audit: Arc<dyn AuditLog>,
    /// Upload URLs.
    pub media: Arc<dyn Media>,
    /// Where uploads `media` signs are accepted and served, when this server does it
    /// itself (the local media backends); `None` when they go to a bucket.
    pub media_host: Option<Arc<dyn MediaHost>>,
}
