//! The Redis adapters on a six-node Redis Cluster beyond the conformance cases: batches
//! whose keys fall in many slots (each script call may touch one), keys spread over every
//! primary, and invalidations naming keys of many slots at once.
#![cfg(feature = "redis")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use livedrop_core::domain::{IdempotencyKey, OrderRejection};
use livedrop_core::ids::UserId;
use livedrop_core::ports::{
    Begin, Fingerprint, IdempotencyRecord, OrderAnswer, Ports, RateLimits, RouteClass,
};
use support::redis_cluster::{self, ports};

/// Calls sent at once: enough to fill several batches of up to 128.
const CONCURRENT: usize = 600;

/// Ports on the cluster and the key prefix they write under.
async fn ports_and_prefix() -> Option<(Ports, String)> {
    let (backend, prefix) = redis_cluster::backend_and_prefix().await?;
    Some((backend.ports(support::memory_ports()), prefix))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_claims_of_many_slots_each_start_once_and_complete() {
    let Some(ports) = ports().await else {
        return;
    };
    let store = Arc::clone(&ports.idempotency);
    let fingerprint = Fingerprint::of(&[b"one unit"]);
    let key = IdempotencyKey::try_from("order-1").unwrap();
    let users: Vec<UserId> = (0..CONCURRENT).map(|_| UserId::new()).collect();
    let claims = users.iter().map(|user| {
        let (store, key, user) = (Arc::clone(&store), key.clone(), *user);
        tokio::spawn(async move { store.begin(user, &key, &fingerprint).await })
    });
    for claim in claims.collect::<Vec<_>>() {
        assert!(matches!(claim.await.unwrap().unwrap(), Begin::Started));
    }
    let answer: OrderAnswer = Err(OrderRejection::LimitReached {
        limit: 1,
        already: 1,
    });
    let completions = users.iter().map(|user| {
        let (store, key, answer, user) = (Arc::clone(&store), key.clone(), answer.clone(), *user);
        tokio::spawn(async move { store.complete(user, &key, &fingerprint, &answer).await })
    });
    for completion in completions.collect::<Vec<_>>() {
        completion.await.unwrap().unwrap();
    }
    for user in users {
        let record = store.lookup(user, &key).await.unwrap();
        assert!(
            matches!(record, Some(IdempotencyRecord::Completed { .. })),
            "{record:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_checks_of_many_buckets_grant_each_its_capacity() {
    let Some(ports) = ports().await else {
        return;
    };
    let limiter = Arc::clone(&ports.rate_limiter);
    let class = RouteClass::Auth;
    let capacity = RateLimits::default().policy(class).capacity as usize;
    let subjects: Vec<String> = (0..CONCURRENT / capacity.max(1))
        .map(|n| format!("client-{n}-{}", uuid::Uuid::new_v4()))
        .collect();
    // Each subject checked one more time than its capacity, all at once.
    let checks = subjects.iter().flat_map(|subject| {
        (0..=capacity).map({
            let limiter = Arc::clone(&limiter);
            move |_| {
                let (limiter, subject) = (Arc::clone(&limiter), subject.clone());
                tokio::spawn(async move { limiter.check(&subject, class, 1).await })
            }
        })
    });
    let decisions: Vec<_> = checks.collect();
    let mut allowed = 0;
    for decision in decisions {
        allowed += usize::from(decision.await.unwrap().unwrap().allowed);
    }
    assert_eq!(allowed, subjects.len() * capacity);
}

#[tokio::test]
async fn cached_entries_spread_over_every_primary_and_one_invalidation_drops_them_all() {
    let Some((ports, prefix)) = ports_and_prefix().await else {
        return;
    };
    let keys: Vec<String> = (0..200).map(|n| format!("drop:{n}")).collect();
    for key in &keys {
        ports
            .cache
            .put(key, b"page".to_vec(), Duration::from_secs(60))
            .await
            .unwrap();
    }
    let holding = primaries_holding(&prefix).await;
    assert!(
        holding.len() >= 3,
        "the keys sit on every primary: {holding:?}"
    );
    ports.cache.invalidate(&keys).await.unwrap();
    for key in &keys {
        assert_eq!(ports.cache.get(key).await.unwrap(), None, "{key}");
    }
}

/// The primaries (by address) holding at least one key under `prefix`, asked node by node.
async fn primaries_holding(prefix: &str) -> BTreeSet<String> {
    let urls = redis_cluster::cluster_url().unwrap();
    let mut holding = BTreeSet::new();
    for url in urls.split(',') {
        let client = redis::Client::open(url).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let role: Vec<redis::Value> = redis::cmd("ROLE").query_async(&mut conn).await.unwrap();
        let is_primary =
            matches!(role.first(), Some(redis::Value::BulkString(r)) if r == b"master");
        let mut scan = redis::cmd("SCAN");
        scan.arg(0)
            .arg("MATCH")
            .arg(format!("{prefix}*"))
            .arg("COUNT")
            .arg(100_000);
        let (_, keys): (u64, Vec<String>) = scan.query_async(&mut conn).await.unwrap();
        if is_primary && !keys.is_empty() {
            holding.insert(url.to_owned());
        }
    }
    holding
}
