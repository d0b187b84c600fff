//! The [`IdempotencyStore`] contract: atomic set-if-absent
//! per `(user, key)`, lifetimes, and `complete` / `abandon` touching only the caller's
//! in-flight record.
//!
//! The expiry cases assume the store was built with
//! [`IdempotencyPolicy::for_tests`](crate::ports::IdempotencyPolicy::for_tests) (lock 400 ms,
//! retention 900 ms) and sleep in real time with wide margins.

use std::time::Duration;

use super::fixtures::*;
use crate::domain::{IdempotencyKey, OrderRejection, Quantity};
use crate::ids::{DropId, OrderId, UserId};
use crate::ports::{
    Begin, Fingerprint, IdempotencyPolicy, IdempotencyRecord, IdempotencyStore, OrderAnswer,
    OrderRequest, Ports,
};

fn fingerprint(tag: &str) -> Fingerprint {
    Fingerprint::of(&[b"testkit", tag.as_bytes()])
}

/// A confirmed answer, told apart from others by its order's key.
fn confirmed(tag: &str) -> OrderAnswer {
    let request = OrderRequest {
        order_id: OrderId::new(),
        user_id: UserId::new(),
        drop_id: DropId::new(),
        qty: Quantity::ONE,
        idempotency_key: IdempotencyKey::try_from(tag).expect("valid key"),
        now: now(),
        trace: None,
    };
    Ok(request.confirmed_order())
}

/// A refusal.
fn refused(already: u32) -> OrderAnswer {
    Err(OrderRejection::LimitReached { limit: 1, already })
}

fn in_flight(fp: &Fingerprint) -> Option<IdempotencyRecord> {
    Some(IdempotencyRecord::InFlight { fingerprint: *fp })
}

fn completed(fp: &Fingerprint, answer: &OrderAnswer) -> Option<IdempotencyRecord> {
    Some(IdempotencyRecord::Completed {
        fingerprint: *fp,
        answer: answer.clone(),
    })
}

/// The first begin owns the key; later begins (any fingerprint) see the in-flight record.
pub async fn begin_is_set_if_absent(store: &dyn IdempotencyStore) {
    let (user, k) = (UserId::new(), key());
    let (fp, other) = (fingerprint("a"), fingerprint("b"));
    assert_eq!(store.lookup(user, &k).await.unwrap(), None);
    assert_eq!(store.begin(user, &k, &fp).await.unwrap(), Begin::Started);
    assert_eq!(store.lookup(user, &k).await.unwrap(), in_flight(&fp));
    for attempt in [&fp, &other] {
        assert_eq!(
            store.begin(user, &k, attempt).await.unwrap(),
            Begin::Existing(IdempotencyRecord::InFlight { fingerprint: fp })
        );
    }
    assert_eq!(
        store.lookup(user, &k).await.unwrap(),
        in_flight(&fp),
        "a losing begin changes nothing"
    );
}

/// `complete` stores the answer, which every later begin and lookup returns byte for byte.
pub async fn complete_stores_the_answer_for_replay(store: &dyn IdempotencyStore) {
    let (user, k, fp) = (UserId::new(), key(), fingerprint("a"));
    let answer = confirmed("first");
    assert_eq!(store.begin(user, &k, &fp).await.unwrap(), Begin::Started);
    store.complete(user, &k, &fp, &answer).await.unwrap();
    assert_eq!(
        store.lookup(user, &k).await.unwrap(),
        completed(&fp, &answer)
    );
    for attempt in [fp, fingerprint("other")] {
        assert_eq!(
            store.begin(user, &k, &attempt).await.unwrap(),
            Begin::Existing(IdempotencyRecord::Completed {
                fingerprint: fp,
                answer: answer.clone()
            })
        );
    }
}

/// `abandon` deletes the caller's in-flight record so a retry starts afresh.
pub async fn abandon_frees_the_key(store: &dyn IdempotencyStore) {
    let (user, k, fp) = (UserId::new(), key(), fingerprint("a"));
    assert_eq!(store.begin(user, &k, &fp).await.unwrap(), Begin::Started);
    store.abandon(user, &k, &fp).await.unwrap();
    assert_eq!(store.lookup(user, &k).await.unwrap(), None);
    assert_eq!(store.begin(user, &k, &fp).await.unwrap(), Begin::Started);
}

/// Neither `complete` nor `abandon` touches a record with another fingerprint (whatever
/// they return).
pub async fn complete_and_abandon_ignore_other_fingerprints(store: &dyn IdempotencyStore) {
    let (user, k) = (UserId::new(), key());
    let (owner, intruder) = (fingerprint("owner"), fingerprint("intruder"));
    assert_eq!(store.begin(user, &k, &owner).await.unwrap(), Begin::Started);
    let _ = store
        .complete(user, &k, &intruder, &confirmed("stolen"))
        .await;
    assert_eq!(store.lookup(user, &k).await.unwrap(), in_flight(&owner));
    let _ = store.abandon(user, &k, &intruder).await;
    assert_eq!(store.lookup(user, &k).await.unwrap(), in_flight(&owner));

    let answer = confirmed("owner");
    store.complete(user, &k, &owner, &answer).await.unwrap();
    let _ = store.complete(user, &k, &intruder, &refused(0)).await;
    let _ = store.abandon(user, &k, &intruder).await;
    assert_eq!(
        store.lookup(user, &k).await.unwrap(),
        completed(&owner, &answer)
    );
}

/// A completed record is final: completing again or abandoning it changes nothing.
pub async fn completed_records_are_not_touched(store: &dyn IdempotencyStore) {
    let (user, k, fp) = (UserId::new(), key(), fingerprint("a"));
    let answer = refused(1);
    assert_eq!(store.begin(user, &k, &fp).await.unwrap(), Begin::Started);
    store.complete(user, &k, &fp, &answer).await.unwrap();
    let _ = store.complete(user, &k, &fp, &confirmed("second")).await;
    let _ = store.abandon(user, &k, &fp).await;
    assert_eq!(
        store.lookup(user, &k).await.unwrap(),
        completed(&fp, &answer)
    );
}

/// One key text used by two users is two independent records.
pub async fn keys_of_different_users_never_collide(store: &dyn IdempotencyStore) {
    let k = key();
    let (alice, bob) = (UserId::new(), UserId::new());
    let (fa, fb) = (fingerprint("alice"), fingerprint("bob"));
    assert_eq!(store.begin(alice, &k, &fa).await.unwrap(), Begin::Started);
    assert_eq!(store.lookup(bob, &k).await.unwrap(), None);
    assert_eq!(store.begin(bob, &k, &fb).await.unwrap(), Begin::Started);
    let answer = confirmed("alice");
    store.complete(alice, &k, &fa, &answer).await.unwrap();
    store.abandon(bob, &k, &fb).await.unwrap();
    assert_eq!(
        store.lookup(alice, &k).await.unwrap(),
        completed(&fa, &answer)
    );
    assert_eq!(store.lookup(bob, &k).await.unwrap(), None);
}

/// An in-flight record lives for `lock_ttl` and is then as if absent.
pub async fn in_flight_records_expire_after_the_lock_ttl(store: &dyn IdempotencyStore) {
    let policy = IdempotencyPolicy::for_tests();
    let (user, k, fp) = (UserId::new(), key(), fingerprint("a"));
    assert_eq!(store.begin(user, &k, &fp).await.unwrap(), Begin::Started);
    tokio::time::sleep(policy.lock_ttl / 4).await;
    assert_eq!(
        store.lookup(user, &k).await.unwrap(),
        in_flight(&fp),
        "expired too early"
    );
    tokio::time::sleep(policy.lock_ttl + Duration::from_millis(300)).await;
    assert_eq!(
        store.lookup(user, &k).await.unwrap(),
        None,
        "the dead owner's lock must expire"
    );
    assert_eq!(
        store.begin(user, &k, &fingerprint("b")).await.unwrap(),
        Begin::Started
    );
}

/// A completed record outlives the lock and lives for `retention`, then is as if absent.
pub async fn completed_records_expire_after_retention(store: &dyn IdempotencyStore) {
    let policy = IdempotencyPolicy::for_tests();
    let (user, k, fp) = (UserId::new(), key(), fingerprint("a"));
    let answer = confirmed("kept");
    assert_eq!(store.begin(user, &k, &fp).await.unwrap(), Begin::Started);
    store.complete(user, &k, &fp, &answer).await.unwrap();
    // Past the lock's lifetime, well inside the retention.
    tokio::time::sleep(policy.lock_ttl + Duration::from_millis(100)).await;
    assert_eq!(
        store.lookup(user, &k).await.unwrap(),
        completed(&fp, &answer),
        "kept only for the lock's ttl"
    );
    tokio::time::sleep(policy.retention + Duration::from_millis(300) - policy.lock_ttl).await;
    assert_eq!(
        store.lookup(user, &k).await.unwrap(),
        None,
        "retention passed"
    );
    assert_eq!(store.begin(user, &k, &fp).await.unwrap(), Begin::Started);
}

/// Of 1000 concurrent begins with one `(user, key)`, exactly one gets `Started`; the others
/// see its in-flight record. Run on a multi-thread runtime.
pub async fn concurrent_begins_start_exactly_once(ports: &Ports) {
    let store = ports.idempotency.clone();
    let (user, k) = (UserId::new(), key());
    let answers = race(1000, |i| {
        let (store, k) = (store.clone(), k.clone());
        let fp = fingerprint(&format!("task-{i}"));
        async move { (fp, store.begin(user, &k, &fp).await.unwrap()) }
    })
    .await;
    let mut winners = Vec::new();
    let mut seen = Vec::new();
    for answer in answers {
        match answer {
            (fp, Begin::Started) => winners.push(fp),
            (_, Begin::Existing(IdempotencyRecord::InFlight { fingerprint })) => {
                seen.push(fingerprint)
            }
            (_, other) => panic!("nobody completed, yet a begin saw {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one begin may win");
    assert!(
        seen.iter().all(|fp| *fp == winners[0]),
        "the losers see the winner's record"
    );
    assert_eq!(
        store.lookup(user, &k).await.unwrap(),
        in_flight(&winners[0])
    );
}
