//! Use cases, written only against ports: what a request or a background loop runs.
//!
//! # Layout
//! - `catalog`: [`CatalogService`], users' creators, products (and their image upload
//!   URLs) and drops, with ownership checks, and a drop's authoritative stock.
//! - `orders`: [`OrderService`], placing (idempotent), cancelling and reading orders.
//! - `sessions`: [`SessionService`], registration, sign-in, refresh-token rotation,
//!   logout and realtime tokens; `new_refresh`, a refresh token as it is made;
//!   `registration_mail`, the messages a registration sends, and `app_url` ([`AppUrl`]),
//!   where their links point.
//! - `follows`, `browse`: [`FollowService`] and the paginated lists of [`BrowseService`].
//! - `encoded`: [`Encoded`], a value's JSON as the cache holds it.
//! - `cached_reads`: [`CachedReads`], catalog and stock reads through the cache, and what
//!   each event makes stale.
//! - `inbox/`: [`InboxService`] (inbox pages, read marks, unread counts) and the [`InboxWriter`]
//!   consumer that fills inboxes.
//! - `media`: [`MediaService`], uploads and images when this server hosts them.
//! - Background: `scheduler` ([`Scheduler`], drop lifecycles), `relay` ([`Relay`], outbox to
//!   bus), `event_handler` (the [`EventHandler`] a consumer runs) and `cache_invalidator`
//!   ([`CacheInvalidator`], the design's "database updater").

mod app_url;
mod browse;
mod cache_invalidator;
mod cached_reads;
mod catalog;
mod encoded;
mod event_handler;
mod follows;
mod inbox;
mod media;
mod new_refresh;
mod orders;
mod registration_mail;
mod relay;
mod scheduler;
mod sessions;

pub use app_url::AppUrl;
pub use browse::BrowseService;
pub use cache_invalidator::CacheInvalidator;
pub use cached_reads::{CachedReads, add_stale_keys, stale_keys};
pub use catalog::{CatalogService, MAX_IMAGE_BYTES, MAX_PRODUCT_IMAGES, UPLOAD_URL_TTL};
pub use encoded::Encoded;
pub use event_handler::EventHandler;
#[cfg(any(test, feature = "mocks"))]
pub use event_handler::MockEventHandler;
pub use follows::FollowService;
pub use inbox::{InboxService, InboxWriter, MarkedRead, READ_MARK_LEAD, UNREAD_CAP, Unread};
pub use media::MediaService;
pub use new_refresh::REFRESH_TTL;
pub use orders::{OrderService, Receipt};
pub use registration_mail::{CONFIRM_SUBJECT, EXISTING_SUBJECT, confirmation_token};
pub use relay::Relay;
pub use scheduler::Scheduler;
pub use sessions::{SessionService, SignedIn};
