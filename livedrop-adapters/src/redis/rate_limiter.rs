//! Token buckets shared by every server instance, in Redis, with in-process buckets while
//! Redis is down.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use ::redis::{FromRedisValue, Script};
use async_trait::async_trait;
use livedrop_core::ports::{RateDecision, RateLimiter, RateLimits, RouteClass};
use livedrop_core::{Error, Result};

use super::connection::RedisConnection;
use super::health::Health;
use super::keys::KeySpace;
use super::script_batch::ScriptBatcher;
use crate::memory::MemoryRateLimiter;

static TOKEN_BUCKET: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("../../lua/token_bucket.lua")));

/// Token buckets per `(subject, class)` in Redis. See [`RateLimiter`] for the contract.
///
/// Each check is one script run (`lua/token_bucket.lua`) that refills and takes on Redis's
/// clock, so instances with skewed clocks share one consistent bucket; concurrent checks
/// share one script call (see `script_batch`). While Redis is
/// unavailable the check runs on in-process buckets with the same policies: each instance
/// then limits on its own (a client could get up to one allowance per instance), which
/// beats refusing every request or letting every request through.
#[derive(Debug)]
pub struct RedisRateLimiter {
    checks: ScriptBatcher,
    keys: KeySpace,
    limits: RateLimits,
    fallback: MemoryRateLimiter,
}

impl RedisRateLimiter {
    pub(crate) fn new(
        conn: RedisConnection,
        health: Arc<Health>,
        keys: KeySpace,
        limits: RateLimits,
        deadline: Duration,
    ) -> Self {
        Self {
            checks: ScriptBatcher::new(&TOKEN_BUCKET, conn, health, deadline),
            keys,
            limits,
            fallback: MemoryRateLimiter::new(limits),
        }
    }
}

#[async_trait]
impl RateLimiter for RedisRateLimiter {
    async fn check(&self, subject: &str, class: RouteClass, cost: u32) -> Result<RateDecision> {
        let policy = self.limits.policy(class);
        let interval = u64::try_from(policy.refill_every.as_micros())
            .unwrap_or(u64::MAX)
            .max(1);
        let key = self
            .keys
            .key("rate", &format!("{}:{subject}", class.as_str()));
        let args = [u64::from(policy.capacity), interval, u64::from(cost)]
            .map(|n| n.to_string().into_bytes())
            .to_vec();
        let (allowed, remaining, retry_after) = match self.checks.call(key, args).await {
            Ok(reply) => <(i64, i64, i64)>::from_redis_value(reply)
                .map_err(|e| Error::internal("redis", e))?,
            // Whatever went wrong, the request deserves an answer: the local buckets give it.
            Err(error) => {
                tracing::debug!(%error, "rate limit checked in process");
                return self.fallback.check(subject, class, cost).await;
            }
        };
        Ok(RateDecision {
            allowed: allowed == 1,
            limit: policy.capacity,
            refill_every: policy.refill_every,
            remaining: u32::try_from(remaining).unwrap_or(0),
            retry_after: (allowed != 1)
                .then(|| u64::try_from(retry_after).ok().map(Duration::from_micros))
                .flatten(),
        })
    }
}
