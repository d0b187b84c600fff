//! The in-memory backend: every port, always built, and the server's default.
//!
//! Production quality rather than a test fake: concurrent (each drop has its own lock, so
//! a hot drop never queues unrelated drops behind it; they share only short-lived shard
//! locks), bounded where it must be (idempotency records expire, the cache is
//! size-bounded, inboxes keep their newest entries, idle rate buckets are forgotten, the
//! bus trims what every group committed). Orders, the audit trail and an outbox nobody
//! relays grow with use. It is not durable: everything is gone when the process exits.
//!
//! # Layout
//! One file per port, and one per table that several ports share. [`MemoryBackend::new`]
//! builds each shared table once and hands it to every port that uses it; that is how a
//! write and its event (or audit entry) land in one critical section, and how one port
//! sees rows another created:
//! - `books`: the drops' books, one lock per drop (the ledger's atomic unit), plus the
//!   status and due-time indexes. Shared by the catalog (creates and edits drops), the
//!   ledger (orders, stock, transitions) and the audit log (reads the orders' trails).
//! - `key_table`: one entry per `(user, idempotency key)`, shared by the idempotency
//!   store (its `record` half) and the ledger (its `holder` half, the unique index), so an
//!   order's three touches of a key find one hot entry.
//! - `order_index`: the order-id and per-buyer indexes, and the key table as the unique
//!   index; shared by the ledger and the audit log. `order_place`: where an order lives in
//!   its drop's cell, the type both the indexes and the key table point with.
//!   `order_record`: an order as its cell keeps it, its audit entries built when read.
//! - `catalog`: the catalog port; users, creators and products in one locked table set
//!   (`Tables`), shared with `credentials` (a user and its password are registered under
//!   one lock) and `follows` (which checks users and creators exist).
//! - `follows`: the follow store and its graph, shared with `notifier` (inboxes), which
//!   fans a creator's feed out to a follower when the follower reads.
//! - `outbox`: events partitioned by key; the ledger, catalog and follow store append
//!   inside their own critical sections, and the relay drains it as the outbox port.
//! - `audit_log`: append-only entries per target; the ledger, catalog, follow store and
//!   credentials store record into it.
//! - `idempotency`: the idempotency store, its records in the key table.
//! - Ports that share nothing: `event_bus`, `cache`, `rate_limiter`, `mailbox` (and the media store,
//!   [`LocalMedia`](crate::media::LocalMedia) over memory blobs).
//! - Helpers: `keyset` (keyset pages over sorted indexes), `sync` (locks that recover
//!   from poisoning instead of propagating it).

mod audit_log;
mod books;
mod cache;
mod catalog;
mod credentials;
mod event_bus;
mod follows;
mod idempotency;
mod key_table;
mod keyset;
mod ledger;
mod mailbox;
mod notifier;
mod order_index;
mod order_place;
mod order_record;
mod outbox;
mod rate_limiter;
mod sync;

use std::sync::{Arc, RwLock};

/// Concurrent map with foldhash: SipHash dominated the hot path's profile. foldhash seeds
/// itself randomly per process, which keeps keys chosen by clients (idempotency keys) from
/// being aimed at one bucket.
pub(crate) type FastMap<K, V> = dashmap::DashMap<K, V, foldhash::fast::RandomState>;
/// Single-threaded map with the same hasher.
pub(crate) type FastHashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

use livedrop_core::ports::{IdempotencyPolicy, Ports, RateLimits};

use crate::media::UploadSigner;

pub use crate::media::UploadGrant;
pub use audit_log::MemoryAuditLog;
pub use cache::MemoryCache;
pub use catalog::MemoryCatalog;
pub use credentials::MemoryCredentials;
pub use event_bus::MemoryEventBus;
pub use follows::MemoryFollowStore;
pub use idempotency::MemoryIdempotencyStore;
pub use ledger::MemoryLedger;
pub use mailbox::{KEPT_MAILS, MemoryMailbox};

/// The memory backend's media: signed uploads the server accepts, objects in memory.
pub type MemoryMedia = crate::media::LocalMedia;
pub use notifier::MemoryNotifier;
pub use outbox::MemoryOutbox;
pub use rate_limiter::MemoryRateLimiter;

/// Settings of the in-memory backend.
#[derive(Clone, Debug)]
pub struct MemoryConfig {
    /// Idempotency record lifetimes (default: 30 s lock, 24 h retention).
    pub idempotency: IdempotencyPolicy,
    /// Token-bucket policies per route class.
    pub rate_limits: RateLimits,
    /// Largest total size of cached values, in bytes.
    pub cache_max_bytes: u64,
    /// Public base URL that media URLs start with (the server's own address).
    pub media_base_url: String,
    /// Key signing upload URLs; random per process when `None`.
    pub media_secret: Option<Vec<u8>>,
    /// Outbox partitions (independent locks and relay leases).
    pub outbox_partitions: usize,
    /// Events the bus keeps when no consumer group exists.
    pub bus_retention: usize,
    /// Notifications kept per user and per creator feed.
    pub inbox_per_feed: usize,
}

impl Default for MemoryConfig {
    fn default() -> Self {
        Self {
            idempotency: IdempotencyPolicy::default(),
            rate_limits: RateLimits::default(),
            cache_max_bytes: 64 * 1024 * 1024,
            media_base_url: "http://127.0.0.1:8080".to_owned(),
            media_secret: None,
            outbox_partitions: 16,
            bus_retention: 100_000,
            inbox_per_feed: 1_000,
        }
    }
}

/// Every port in memory, sharing one set of tables.
#[derive(Clone, Debug)]
pub struct MemoryBackend {
    ledger: Arc<MemoryLedger>,
    catalog: Arc<MemoryCatalog>,
    credentials: Arc<MemoryCredentials>,
    follows: Arc<MemoryFollowStore>,
    idempotency: Arc<MemoryIdempotencyStore>,
    outbox: Arc<MemoryOutbox>,
    bus: Arc<MemoryEventBus>,
    notifier: Arc<MemoryNotifier>,
    cache: Arc<MemoryCache>,
    rate_limiter: Arc<MemoryRateLimiter>,
    audit: Arc<MemoryAuditLog>,
    media: Arc<MemoryMedia>,
}

impl MemoryBackend {
    /// A fresh, empty backend.
    pub fn new(config: MemoryConfig) -> Self {
        let outbox = Arc::new(MemoryOutbox::new(config.outbox_partitions));
        let books: Arc<books::Books> = Arc::default();
        let keys: Arc<key_table::KeyTable> = Arc::default();
        let orders = Arc::new(order_index::OrderIndexes {
            by_key: Arc::clone(&keys),
            ..Default::default()
        });
        let audit = Arc::new(MemoryAuditLog::with_orders(
            Arc::clone(&books),
            Arc::clone(&orders),
        ));
        let tables = Arc::new(RwLock::default());
        let graph: Arc<follows::FollowGraph> = Arc::default();
        let signer = config
            .media_secret
            .map_or_else(UploadSigner::random, UploadSigner::new);
        Self {
            ledger: Arc::new(MemoryLedger {
                books: Arc::clone(&books),
                orders,
                outbox: Arc::clone(&outbox),
                audit: Arc::clone(&audit),
            }),
            catalog: Arc::new(MemoryCatalog {
                tables: Arc::clone(&tables),
                books,
                outbox: Arc::clone(&outbox),
                audit: Arc::clone(&audit),
            }),
            credentials: Arc::new(MemoryCredentials::new(
                Arc::clone(&tables),
                Arc::clone(&audit),
            )),
            follows: Arc::new(MemoryFollowStore {
                graph: Arc::clone(&graph),
                tables,
                outbox: Arc::clone(&outbox),
                audit: Arc::clone(&audit),
            }),
            idempotency: Arc::new(MemoryIdempotencyStore::new(config.idempotency, keys)),
            outbox,
            bus: Arc::new(MemoryEventBus::new(config.bus_retention)),
            notifier: Arc::new(MemoryNotifier::new(graph, config.inbox_per_feed)),
            cache: Arc::new(MemoryCache::new(config.cache_max_bytes)),
            rate_limiter: Arc::new(MemoryRateLimiter::new(config.rate_limits)),
            audit,
            media: Arc::new(MemoryMedia::in_memory(&config.media_base_url, signer)),
        }
    }

    /// The ports, as trait objects.
    pub fn ports(&self) -> Ports {
        Ports {
            ledger: self.ledger.clone(),
            catalog: self.catalog.clone(),
            credentials: self.credentials.clone(),
            follows: self.follows.clone(),
            idempotency: self.idempotency.clone(),
            outbox: self.outbox.clone(),
            bus: self.bus.clone(),
            notifier: self.notifier.clone(),
            cache: self.cache.clone(),
            rate_limiter: self.rate_limiter.clone(),
            audit: self.audit.clone(),
            media: self.media.clone(),
            media_host: Some(self.media.clone()),
        }
    }

    /// The media store, for the server's upload and serving routes.
    pub fn media(&self) -> Arc<MemoryMedia> {
        Arc::clone(&self.media)
    }
}

impl Default for MemoryBackend {
    fn default() -> Self {
        Self::new(MemoryConfig::default())
    }
}
