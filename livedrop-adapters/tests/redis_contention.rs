//! Redis adapters under contention, beyond the conformance suite: one idempotency key
//! begun by 1,000 tasks at once, and the token bucket's accuracy under 8 tasks.
#![cfg(feature = "redis")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use livedrop_adapters::redis::RedisBackend;
use livedrop_core::domain::IdempotencyKey;
use livedrop_core::ids::UserId;
use livedrop_core::ports::{
    Begin, BucketPolicy, Fingerprint, IdempotencyPolicy, IdempotencyRecord, IdempotencyStore,
    RateLimiter, RateLimits, RouteClass,
};
use livedrop_core::testkit::fixtures;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_begins_of_one_key_start_exactly_once() {
    let url = match support::redis::redis_url().await {
        Ok(url) => url,
        Err(why) => return support::missing("Redis", &why),
    };
    // The default 30 s lock: the testkit's 400 ms one could expire mid-race on a slow
    // machine and rightly let a second begin start.
    let mut config = support::redis::config(url);
    config.idempotency = IdempotencyPolicy::default();
    let backend = RedisBackend::new(config).unwrap();
    let store = Arc::new(backend.idempotency());
    let (user, key) = (UserId::new(), IdempotencyKey::try_from("one-key").unwrap());
    let fingerprint = Fingerprint::of(&[b"the request"]);
    let outcomes = fixtures::race(1_000, |_| {
        let (store, key) = (Arc::clone(&store), key.clone());
        async move { store.begin(user, &key, &fingerprint).await.unwrap() }
    })
    .await;
    let started = outcomes.iter().filter(|o| **o == Begin::Started).count();
    assert_eq!(started, 1, "exactly one begin wins");
    let in_flight = Begin::Existing(IdempotencyRecord::InFlight { fingerprint });
    assert!(
        outcomes
            .iter()
            .all(|o| *o == Begin::Started || *o == in_flight),
        "every loser sees the winner's in-flight record"
    );
    assert!(
        backend.is_up(),
        "the answers came from Redis, not a fallback"
    );
}

/// Capacity C, refill R per second, 10,000 checks from 8 tasks spread evenly over T.
const CAPACITY: u32 = 200;
const PER_SECOND: u32 = 1_000;
const SPAN: Duration = Duration::from_secs(2);
const TASKS: usize = 8;
const CHECKS: usize = 10_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bucket_grants_capacity_plus_refill_within_one_percent() {
    let url = match support::redis::redis_url().await {
        Ok(url) => url,
        Err(why) => return support::missing("Redis", &why),
    };
    let mut config = support::redis::config(url.clone());
    // The bucket's key, its hash tag (between prefix and name) left open.
    let bucket_pattern = format!("{}{{*}}:rate:order:one-client", config.key_prefix);
    let policy = BucketPolicy::per_second(CAPACITY, PER_SECOND);
    config.rate_limits = RateLimits {
        read: policy,
        order: policy,
        auth: policy,
        upload: policy,
    };
    let backend = RedisBackend::new(config).unwrap();
    let limiter = Arc::new(backend.rate_limiter());
    let per_task = CHECKS / TASKS;
    let pause = SPAN / u32::try_from(per_task - 1).unwrap();
    let started = Instant::now();
    let granted: Vec<(u32, Instant, Instant)> = fixtures::race(TASKS, |_| {
        let limiter = Arc::clone(&limiter);
        async move {
            let mut ticks = tokio::time::interval(pause);
            let (mut granted, mut first, mut last) = (0, None, Instant::now());
            for _ in 0..per_task {
                ticks.tick().await;
                first.get_or_insert_with(Instant::now);
                let decision = limiter
                    .check("one-client", RouteClass::Order, 1)
                    .await
                    .unwrap();
                granted += u32::from(decision.allowed);
                last = Instant::now();
            }
            (granted, first.unwrap(), last)
        }
    })
    .await;
    let allowed: u32 = granted.iter().map(|(n, _, _)| n).sum();
    // The span the checks actually covered, first request to last reply.
    let first = granted.iter().map(|(_, f, _)| *f).min().unwrap();
    let last = granted.iter().map(|(_, _, l)| *l).max().unwrap();
    let span = last.duration_since(first).as_secs_f64();
    let expected = f64::from(CAPACITY) + f64::from(PER_SECOND) * span;
    let error = (f64::from(allowed) - expected).abs() / expected;
    eprintln!(
        "allowed {allowed} of {CHECKS} over {span:.3} s (started after {:?}); C + R*T = {expected:.0}; off by {:.2}%",
        first.duration_since(started),
        error * 100.0
    );
    assert!(
        error <= 0.01,
        "allowed {allowed}, expected {expected:.0} within 1%"
    );
    // The decisions came from Redis, not from the in-process fallback: the bucket is there.
    let mut conn = redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let buckets: Vec<String> = redis::cmd("KEYS")
        .arg(&bucket_pattern)
        .query_async(&mut conn)
        .await
        .unwrap();
    let [bucket] = buckets.as_slice() else {
        panic!("one bucket matches {bucket_pattern}: {buckets:?}");
    };
    let ttl: i64 = redis::cmd("PTTL")
        .arg(bucket)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(ttl > 0, "bucket {bucket} in Redis (PTTL {ttl})");
}
