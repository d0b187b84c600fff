//! The Redis adapters' operations per second against a local Redis, beside a plain `SET`
//! baseline measured in the same run: idempotency `begin` + `complete` pairs (the fast
//! path's cost per order) and rate-limit checks (one per request).
//!
//! A load run rather than criterion: `TASKS` concurrent tasks share one multiplexed
//! connection (as a server's request handlers do) for `WINDOW` per measurement, the three
//! measurements interleaved over `ROUNDS` rounds so drift hits them alike, each starting
//! from the same keyspace (the previous one's keys deleted); it prints each round, the medians and the ratios to the baseline. `TASKS` is high enough to saturate
//! Redis (a capacity figure, like a flash sale's crowd); at 64 tasks every measurement is
//! bound by round trips instead, and a pair, two round trips in a row, gets half as many.
//!
//! Needs Redis: `LIVEDROP_BENCH_REDIS_URL` or `LIVEDROP_TEST_REDIS_URL`. Keys go under a
//! fresh prefix and are deleted at the end. `cargo bench --features redis --bench redis_ops`.

// A bench: a failed step should stop it loudly, and its output is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use livedrop::core::clock::{Clock, SystemClock};
use livedrop::core::domain::{IdempotencyKey, Quantity};
use livedrop::core::ids::{DropId, OrderId, UserId};
use livedrop::core::ports::{
    BucketPolicy, Fingerprint, IdempotencyStore, OrderRequest, RateLimiter, RateLimits, RouteClass,
};
use livedrop_adapters::redis::{RedisBackend, RedisConfig};
use redis::aio::ConnectionManager;

const TASKS: usize = 1_024;
const WINDOW: Duration = Duration::from_secs(3);
const ROUNDS: usize = 3;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let Some(url) = ["LIVEDROP_BENCH_REDIS_URL", "LIVEDROP_TEST_REDIS_URL"]
        .iter()
        .find_map(|name| std::env::var(name).ok())
    else {
        println!("redis_ops: skipped, set LIVEDROP_BENCH_REDIS_URL (or LIVEDROP_TEST_REDIS_URL)");
        return;
    };
    let prefix = format!("bench:{}:", uuid::Uuid::new_v4().simple());
    let mut config = RedisConfig::new(url.as_str());
    config.key_prefix = prefix.clone();
    // Every check allowed: the bench measures the bucket's cost, not its refusals.
    let open = BucketPolicy::per_second(u32::MAX / 2, 1_000_000);
    config.rate_limits = RateLimits {
        read: open,
        order: open,
        auth: open,
        upload: open,
    };
    config.idempotency.retention = Duration::from_secs(60);
    let backend = RedisBackend::new(config).unwrap();
    backend.ping().await.unwrap();
    let raw = ConnectionManager::new(redis::Client::open(url.as_str()).unwrap())
        .await
        .unwrap();
    settle(raw.clone()).await;
    let idempotency = Arc::new(backend.idempotency());
    let limiter = Arc::new(backend.rate_limiter());
    // A realistic answer to store: a confirmed order.
    let now = SystemClock.now();
    let answer = Ok(OrderRequest {
        order_id: OrderId::at(now),
        user_id: UserId::new(),
        drop_id: DropId::new(),
        qty: Quantity::ONE,
        idempotency_key: IdempotencyKey::try_from("order-0001").unwrap(),
        now,
        trace: None,
    }
    .confirmed_order());
    let fingerprint = Fingerprint::of(&[b"drop", b"qty"]);

    println!("redis_ops: {TASKS} tasks on one multiplexed connection, {WINDOW:?} per measurement");
    let (mut sets, mut set_ttls, mut pairs, mut checks) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for round in 1..=ROUNDS {
        let set = set_rate(&raw, format!("{prefix}set:{round}:"), None).await;
        fresh_keyspace(&raw, &prefix).await;
        // Context, not the baseline: every idempotency record has a lifetime, and a key
        // with one costs Redis more than a plain key does.
        let set_ttl = set_rate(&raw, format!("{prefix}ttl:{round}:"), Some(86_400_000)).await;
        fresh_keyspace(&raw, &prefix).await;
        let (store, stored) = (Arc::clone(&idempotency), answer.clone());
        let pair = rate(move |task, n| {
            let (store, answer) = (Arc::clone(&store), stored.clone());
            let (user, key) = (
                UserId::new(),
                IdempotencyKey::try_from(format!("r{round}-{task}-{n}")).unwrap(),
            );
            async move {
                store.begin(user, &key, &fingerprint).await.unwrap();
                store
                    .complete(user, &key, &fingerprint, &answer)
                    .await
                    .unwrap();
            }
        })
        .await;
        fresh_keyspace(&raw, &prefix).await;
        let shared = Arc::clone(&limiter);
        let check = rate(move |task, _| {
            let (limiter, subject) = (Arc::clone(&shared), format!("client-{task}"));
            async move {
                let decision = limiter.check(&subject, RouteClass::Order, 1).await.unwrap();
                assert!(decision.allowed);
            }
        })
        .await;
        println!(
            "redis_ops round {round}: SET {set:.0}/s (SET PX {set_ttl:.0}/s); begin+complete {pair:.0} pairs/s ({:.0}%); rate-limit checks {check:.0}/s ({:.0}%)",
            100.0 * pair / set,
            100.0 * check / set
        );
        sets.push(set);
        set_ttls.push(set_ttl);
        pairs.push(pair);
        checks.push(check);
    }
    assert!(
        backend.is_up(),
        "every measurement ran on Redis, not a fallback"
    );
    let (set, set_ttl) = (median(sets), median(set_ttls));
    let (pair, check) = (median(pairs), median(checks));
    println!(
        "redis_ops: medians: SET baseline {set:.0}/s; idempotency begin+complete {pair:.0} pairs/s = {:.0}% of baseline; rate-limit checks {check:.0}/s = {:.0}% of baseline",
        100.0 * pair / set,
        100.0 * check / set
    );
    println!(
        "redis_ops: context: SET with a TTL {set_ttl:.0}/s = {:.0}% of a plain SET; a pair writes two records with a TTL",
        100.0 * set_ttl / set
    );
    fresh_keyspace(&raw, &prefix).await;
}

/// Deletes the run's keys and waits until Redis has freed them, so every measurement
/// starts from the same keyspace (millions of leftover keys would make the later ones pay
/// for rehashing a bigger table).
async fn fresh_keyspace(raw: &ConnectionManager, prefix: &str) {
    cleanup(raw.clone(), prefix).await;
    settle(raw.clone()).await;
}

/// `SET`s of fresh 33-byte keys under `prefix` per second, with a TTL (ms) if given.
async fn set_rate(raw: &ConnectionManager, prefix: String, ttl: Option<u64>) -> f64 {
    let conn = raw.clone();
    rate(move |task, n| {
        let (mut conn, mut set) = (conn.clone(), redis::cmd("SET"));
        set.arg(format!("{prefix}{task}:{n}")).arg(&[b'I'; 33][..]);
        if let Some(ttl) = ttl {
            set.arg("PX").arg(ttl);
        }
        async move { set.query_async::<()>(&mut conn).await.unwrap() }
    })
    .await
}

/// Runs `op(task, n)` from `TASKS` tasks for `WINDOW`; returns completed operations per
/// second.
async fn rate<F, Fut>(op: F) -> f64
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send,
{
    let op = Arc::new(op);
    let started = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let op = Arc::clone(&op);
            tokio::spawn(async move {
                let mut done = 0;
                while started.elapsed() < WINDOW {
                    op(task, done).await;
                    done += 1;
                }
                done
            })
        })
        .collect();
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap();
    }
    total as f64 / started.elapsed().as_secs_f64()
}

fn median(mut rates: Vec<f64>) -> f64 {
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

/// Waits until Redis has freed what an earlier run unlinked (in a background thread that
/// would otherwise compete with this run for the CPU).
async fn settle(mut conn: ConnectionManager) {
    loop {
        let info: String = redis::cmd("INFO")
            .arg("memory")
            .query_async(&mut conn)
            .await
            .unwrap();
        let pending = info
            .lines()
            .find_map(|line| line.strip_prefix("lazyfree_pending_objects:"))
            .map_or(0, |n| n.trim().parse::<u64>().unwrap_or(0));
        if pending == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Deletes the run's keys, a batch at a time (`KEYS` would block Redis on millions).
async fn cleanup(mut conn: ConnectionManager, prefix: &str) {
    let mut cursor = 0u64;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}*"))
            .arg("COUNT")
            .arg(10_000)
            .query_async(&mut conn)
            .await
            .unwrap();
        if !keys.is_empty() {
            redis::cmd("UNLINK")
                .arg(&keys)
                .query_async::<()>(&mut conn)
                .await
                .unwrap();
        }
        if next == 0 {
            return;
        }
        cursor = next;
    }
}
