//! In-process token buckets: governor's keyed GCRA limiter, one per route class.
//!
//! GCRA is the token bucket expressed as a single "theoretical arrival time" per key, so
//! refill-and-take is one atomic compare-and-swap with no background refill task.

use std::{
    num::NonZeroU32,
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use async_trait::async_trait;
use governor::{
    Quota, RateLimiter as Governor,
    clock::{Clock, DefaultClock},
    middleware::StateInformationMiddleware,
    state::keyed::DashMapStateStore,
};
use livedrop_core::Result;
use livedrop_core::ports::{BucketPolicy, RateDecision, RateLimiter, RateLimits, RouteClass};

type Keyed = Governor<String, DashMapStateStore<String>, DefaultClock, StateInformationMiddleware>;

#[derive(Debug)]
struct Bucket {
    limiter: Keyed,
    capacity: u32,
    refill_every: Duration,
}

impl Bucket {
    fn new(policy: BucketPolicy, clock: &DefaultClock) -> Self {
        let capacity = NonZeroU32::new(policy.capacity).unwrap_or(NonZeroU32::MIN);
        let period = policy.refill_every.max(Duration::from_nanos(1));
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(capacity);
        Self {
            limiter: Governor::dashmap_with_clock(quota, clock.clone())
                .with_middleware::<StateInformationMiddleware>(),
            capacity: capacity.get(),
            refill_every: period,
        }
    }
}

/// Token buckets per `(subject, class)`, in this process only.
#[derive(Debug)]
pub struct MemoryRateLimiter {
    read: Bucket,
    order: Bucket,
    auth: Bucket,
    upload: Bucket,
    clock: DefaultClock,
    checks: AtomicU64,
}

impl MemoryRateLimiter {
    /// Buckets with these policies.
    pub fn new(limits: RateLimits) -> Self {
        let clock = DefaultClock::default();
        Self {
            read: Bucket::new(limits.read, &clock),
            order: Bucket::new(limits.order, &clock),
            auth: Bucket::new(limits.auth, &clock),
            upload: Bucket::new(limits.upload, &clock),
            clock,
            checks: AtomicU64::new(0),
        }
    }

    fn bucket(&self, class: RouteClass) -> &Bucket {
        match class {
            RouteClass::Read => &self.read,
            RouteClass::Order => &self.order,
            RouteClass::Auth => &self.auth,
            RouteClass::Upload => &self.upload,
        }
    }

    /// Every 64k checks, forget subjects whose buckets are full again: they are
    /// indistinguishable from new ones, so memory stays bounded by recent activity.
    fn maybe_forget_idle(&self) {
        if self.checks.fetch_add(1, Ordering::Relaxed) % 65_536 == 65_535 {
            for class in RouteClass::ALL {
                let limiter = &self.bucket(class).limiter;
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
        }
    }
}

#[async_trait]
impl RateLimiter for MemoryRateLimiter {
    async fn check(&self, subject: &str, class: RouteClass, cost: u32) -> Result<RateDecision> {
        self.maybe_forget_idle();
        let bucket = self.bucket(class);
        let cost = NonZeroU32::new(cost).unwrap_or(NonZeroU32::MIN);
        let denied = |retry_after| RateDecision {
            allowed: false,
            limit: bucket.capacity,
            refill_every: bucket.refill_every,
            remaining: 0,
            retry_after,
        };
        Ok(
            match bucket.limiter.check_key_n(&subject.to_owned(), cost) {
                Ok(Ok(snapshot)) => RateDecision {
                    allowed: true,
                    limit: bucket.capacity,
                    refill_every: bucket.refill_every,
                    remaining: snapshot.remaining_burst_capacity(),
                    retry_after: None,
                },
                Ok(Err(not_until)) => denied(Some(not_until.wait_time_from(self.clock.now()))),
                // More than the bucket can ever hold: retrying will not help.
                Err(_) => denied(None),
            },
        )
    }
}
