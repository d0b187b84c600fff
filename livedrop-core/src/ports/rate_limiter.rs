//! The rate limiter port: token buckets per subject and route class.

use std::{fmt::Debug, time::Duration};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::Result;

/// Route classes with separate buckets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteClass {
    /// Reads and browsing.
    Read,
    /// Placing and cancelling orders.
    Order,
    /// Login, register, refresh.
    Auth,
    /// Image upload URLs: not a route class of the HTTP limiter but a quota the catalog
    /// service takes from per user, since each URL may store an image.
    Upload,
}

impl RouteClass {
    /// Every class.
    pub const ALL: [RouteClass; 4] = [
        RouteClass::Read,
        RouteClass::Order,
        RouteClass::Auth,
        RouteClass::Upload,
    ];

    /// The class's name in keys and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            RouteClass::Read => "read",
            RouteClass::Order => "order",
            RouteClass::Auth => "auth",
            RouteClass::Upload => "upload",
        }
    }
}

/// One bucket: holds `capacity` tokens, gains one every `refill_every`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BucketPolicy {
    /// Burst size.
    pub capacity: u32,
    /// Time to regain one token.
    pub refill_every: Duration,
}

impl BucketPolicy {
    /// `capacity` tokens, refilled at `per_second` tokens per second.
    pub fn per_second(capacity: u32, per_second: u32) -> Self {
        Self {
            capacity,
            refill_every: Duration::from_secs(1) / per_second.max(1),
        }
    }
}

/// A policy per route class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimits {
    /// Reads.
    pub read: BucketPolicy,
    /// Orders.
    pub order: BucketPolicy,
    /// Auth.
    pub auth: BucketPolicy,
    /// Image upload URLs, per user.
    pub upload: BucketPolicy,
}

impl RateLimits {
    /// The policy of `class`.
    pub fn policy(&self, class: RouteClass) -> BucketPolicy {
        match class {
            RouteClass::Read => self.read,
            RouteClass::Order => self.order,
            RouteClass::Auth => self.auth,
            RouteClass::Upload => self.upload,
        }
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            read: BucketPolicy::per_second(100, 50),
            order: BucketPolicy::per_second(10, 5),
            auth: BucketPolicy {
                capacity: 10,
                refill_every: Duration::from_secs(6),
            },
            // 20 images at once (a product shows 8), then one every 3 minutes: at most
            // 500 a day, 2.5 GB at the 5 MiB an image may weigh, per user.
            upload: BucketPolicy {
                capacity: 20,
                refill_every: Duration::from_secs(180),
            },
        }
    }
}

/// The answer to one check, enough for `RateLimit-*` and `Retry-After` headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateDecision {
    /// Whether the request may proceed (its tokens were taken).
    pub allowed: bool,
    /// The bucket's capacity.
    pub limit: u32,
    /// How often the bucket gains a token (with `limit`, the policy the `RateLimit-Policy`
    /// header states).
    pub refill_every: Duration,
    /// Tokens left after this check (reported as 0 on a denial).
    pub remaining: u32,
    /// When denied: how long until the request would be allowed; `None` when it never
    /// will (the cost exceeds the capacity).
    pub retry_after: Option<Duration>,
}

/// Token-bucket rate limiting per `(subject, class)`.
///
/// # Contract
/// - Refill and take are one atomic step: under any concurrency, over an interval of length
///   T starting from a full bucket, at most `capacity + T / refill_every` tokens are granted.
/// - A denied check takes nothing and says when to retry (`None` if the cost exceeds the
///   capacity, so no wait will help).
/// - Subjects are independent (a user, or an IP when anonymous); so are classes.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait RateLimiter: Send + Sync + Debug + 'static {
    /// Takes `cost` tokens from `subject`'s `class` bucket if it has them.
    async fn check(&self, subject: &str, class: RouteClass, cost: u32) -> Result<RateDecision>;
}
