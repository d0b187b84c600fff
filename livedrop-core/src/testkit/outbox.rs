//! The [`Outbox`] contract: per-key commit order, one lease per key at
//! a time, `mark_sent` for good, `release` and lease expiry giving records back, lag.
//!
//! Records are produced through the catalog (a creator and its products, all keyed by the
//! creator's id) and each case only asserts about its own key. Batches are opaque: a case
//! releases or marks exactly the batch `claim` returned (a backend may lease whole
//! partitions and act on the lease id). So [`mark_sent_removes_records_for_good`] and
//! [`small_claims_drain_a_key_once_in_order`], which mark whole batches sent, also consume
//! other cases' events: run them against an outbox of their own (the
//! [`conformance_suite!`](crate::conformance_suite) macro does when its factory builds a
//! fresh backend). The other cases only hold leases briefly and release them.

use std::time::Duration;

use uuid::Uuid;

use super::fixtures::*;
use crate::domain::{EventData, TraceParent};
use crate::ids::ProductId;
use crate::ports::{Outbox, OutboxBatch, OutboxRecord, Placement, Ports};

const ALL: usize = 10_000;
const LONG: Duration = Duration::from_secs(30);

/// A creator with `products` products: `1 + products` records under the creator's key.
async fn keyed_records(ports: &Ports, products: usize) -> (Uuid, Vec<ProductId>) {
    let seller = seller(&*ports.catalog).await;
    let mut ids = Vec::new();
    for _ in 0..products {
        ids.push(product(&*ports.catalog, &seller).await.id);
    }
    (seller.creator.id.as_uuid(), ids)
}

/// The records of `batch` with `key`.
fn mine(batch: &OutboxBatch, key: Uuid) -> Vec<OutboxRecord> {
    batch
        .records
        .iter()
        .filter(|r| r.event.key() == key)
        .cloned()
        .collect()
}

/// Claims everything (leased for `lease_for`) until the batch holds at least `expected`
/// records of `key` (a concurrent case may hold them briefly); returns the whole batch,
/// which the caller must release or mark.
async fn claim_with(
    outbox: &dyn Outbox,
    key: Uuid,
    expected: usize,
    lease_for: Duration,
) -> OutboxBatch {
    for _ in 0..250 {
        let batch = outbox.claim(ALL, lease_for).await.unwrap();
        if mine(&batch, key).len() >= expected {
            return batch;
        }
        outbox.release(&batch).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the outbox never offered the {expected} records of key {key}");
}

/// The records of `key` one claim offers now; the batch is released again.
async fn offered_now(outbox: &dyn Outbox, key: Uuid) -> Vec<OutboxRecord> {
    let batch = outbox.claim(ALL, LONG).await.unwrap();
    outbox.release(&batch).await.unwrap();
    mine(&batch, key)
}

fn seqs(records: &[OutboxRecord]) -> Vec<u64> {
    records.iter().map(|r| r.seq).collect()
}

fn products_in(records: &[OutboxRecord]) -> Vec<ProductId> {
    records
        .iter()
        .filter_map(|r| match r.event.data {
            EventData::ProductCreated { product_id } => Some(product_id),
            _ => None,
        })
        .collect()
}

/// A key's records come in commit order with increasing sequence numbers.
pub async fn claim_returns_a_keys_records_in_commit_order(ports: &Ports) {
    let (key, products) = keyed_records(ports, 3).await;
    let batch = claim_with(&*ports.outbox, key, 4, LONG).await;
    ports.outbox.release(&batch).await.unwrap();
    let records = mine(&batch, key);
    assert_eq!(records.len(), 4, "{records:?}");
    assert!(
        seqs(&records).windows(2).all(|w| w[0] < w[1]),
        "seq must increase: {records:?}"
    );
    assert_eq!(records[0].event.kind(), "creator.created");
    assert_eq!(products_in(&records), products, "in commit order");
}

/// A traced order's events come out of the outbox joined to its trace; an untraced order's
/// carry none (the relay hands the trace to the bus, so consumers join the request's trace).
pub async fn an_orders_trace_comes_out_with_its_events(ports: &Ports) {
    let shop = live_drop(&*ports.catalog, 2).await;
    let buyer = user(&*ports.catalog).await;
    let parent =
        TraceParent::parse("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01").unwrap();
    let traced = crate::ports::OrderRequest {
        trace: Some(parent.clone()),
        ..order_request(buyer.id, shop.drop.id, 1, &key())
    };
    let Ok(Placement::Confirmed(first)) = ports.ledger.place_order(&traced).await else {
        panic!("the traced order is confirmed");
    };
    let second = buy_ok(&*ports.ledger, buyer.id, shop.drop.id, 1).await;
    let events = drop_events(&*ports.outbox, shop.drop.id, 3).await;
    let confirmed = |id: crate::ids::OrderId| {
        events
            .iter()
            .find(
                |e| matches!(e.data, EventData::OrderConfirmed { order_id, .. } if order_id == id),
            )
            .unwrap_or_else(|| panic!("order.confirmed of {id} in {events:?}"))
    };
    assert_eq!(confirmed(first.id).trace, Some(parent.clone()));
    assert_eq!(confirmed(second.id).trace, None);
    // The sell-out the untraced order caused is not the traced request's doing.
    let sold_out = events.iter().find(|e| e.kind() == "drop.sold_out").unwrap();
    assert_eq!(sold_out.trace, None);
}

/// While one lease holds a key's records, no other claim gets any record of that key, not
/// even one committed after the lease was taken; a release hands them all back, oldest first.
pub async fn a_key_is_leased_to_one_claimer_at_a_time(ports: &Ports) {
    let outbox = &*ports.outbox;
    let seller = seller(&*ports.catalog).await;
    let key = seller.creator.id.as_uuid();
    product(&*ports.catalog, &seller).await;
    let held = claim_with(outbox, key, 2, LONG).await;

    assert!(offered_now(outbox, key).await.is_empty(), "leased twice");
    let late = product(&*ports.catalog, &seller).await;
    let meanwhile = offered_now(outbox, key).await;
    assert!(
        meanwhile.is_empty(),
        "a newer record of a leased key would overtake the leased ones: {meanwhile:?}"
    );

    outbox.release(&held).await.unwrap();
    let again = claim_with(outbox, key, 3, LONG).await;
    outbox.release(&again).await.unwrap();
    let (before, after) = (mine(&held, key), mine(&again, key));
    assert_eq!(
        seqs(&after[..2]),
        seqs(&before),
        "released records come back first"
    );
    assert_eq!(
        after[2].event.data,
        EventData::ProductCreated {
            product_id: late.id
        }
    );
}

/// `mark_sent` removes records for good, and marking again is harmless.
pub async fn mark_sent_removes_records_for_good(ports: &Ports) {
    let outbox = &*ports.outbox;
    let (key, _) = keyed_records(ports, 2).await;
    // A short lease: if marking did nothing, the records would come back once it expires.
    let batch = claim_with(outbox, key, 3, Duration::from_millis(500)).await;
    outbox.mark_sent(&batch).await.unwrap();
    outbox.mark_sent(&batch).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let after = offered_now(outbox, key).await;
    assert!(after.is_empty(), "sent records came back: {after:?}");
    outbox.mark_sent(&batch).await.unwrap();
}

/// Claims of at most `max` records, each batch marked sent, drain a key exactly once and in
/// order.
pub async fn small_claims_drain_a_key_once_in_order(ports: &Ports) {
    let outbox = &*ports.outbox;
    let (key, products) = keyed_records(ports, 5).await;
    let mut drained: Vec<OutboxRecord> = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while drained.len() < 6 && tokio::time::Instant::now() < deadline {
        let batch = outbox.claim(2, LONG).await.unwrap();
        assert!(
            batch.records.len() <= 2,
            "claim(2) returned {}",
            batch.records.len()
        );
        if batch.records.is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        }
        outbox.mark_sent(&batch).await.unwrap();
        drained.extend(mine(&batch, key));
    }
    assert_eq!(drained.len(), 6, "each record exactly once: {drained:?}");
    assert_eq!(drained[0].event.kind(), "creator.created");
    assert_eq!(products_in(&drained), products, "in commit order");
    assert!(offered_now(outbox, key).await.is_empty());
}

/// A lease that expires gives its records back unchanged (the relay died: at least once).
pub async fn expired_leases_release_their_records(ports: &Ports) {
    let outbox = &*ports.outbox;
    let (key, _) = keyed_records(ports, 1).await;
    let short = claim_with(outbox, key, 2, Duration::from_millis(500)).await;
    assert!(
        offered_now(outbox, key).await.is_empty(),
        "lease not honoured"
    );
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let again = claim_with(outbox, key, 2, LONG).await;
    outbox.release(&again).await.unwrap();
    assert_eq!(
        mine(&again, key),
        mine(&short, key),
        "the same records, unchanged"
    );
    assert_ne!(again.lease, short.lease);
}

/// Unsent records, leased or not, count as pending, and the oldest one's age grows.
pub async fn lag_counts_unsent_records(ports: &Ports) {
    let outbox = &*ports.outbox;
    let (key, _) = keyed_records(ports, 2).await;
    tokio::time::sleep(Duration::from_millis(60)).await;
    let lag = outbox.lag().await.unwrap();
    assert!(lag.pending >= 3, "{lag:?}");
    assert!(
        lag.oldest
            .is_some_and(|age| age >= Duration::from_millis(50)),
        "{lag:?}"
    );
    let held = claim_with(outbox, key, 3, LONG).await;
    let leased = outbox.lag().await.unwrap();
    outbox.release(&held).await.unwrap();
    assert!(
        leased.pending >= 3,
        "leased records are still unsent: {leased:?}"
    );
}

/// A wait ends by `at_most` at the latest, and a waiter hears of an append soon: well
/// before its `at_most` (spurious early ends are allowed, so that is all a shared backend
/// lets a case check).
pub async fn a_waiting_relay_hears_of_appends(ports: &Ports) {
    let started = std::time::Instant::now();
    ports
        .outbox
        .wait_for_events(Duration::from_millis(300))
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "a wait ends by its at_most"
    );
    let outbox = ports.outbox.clone();
    let waiter = tokio::spawn(async move {
        let started = std::time::Instant::now();
        outbox
            .wait_for_events(Duration::from_secs(60))
            .await
            .unwrap();
        started.elapsed()
    });
    // Let the waiter start waiting (a backend may connect a listener first).
    tokio::time::sleep(Duration::from_millis(300)).await;
    live_drop(&*ports.catalog, 1).await;
    let waited = tokio::time::timeout(Duration::from_secs(10), waiter)
        .await
        .expect("the append woke the waiter, long before its 60 s")
        .unwrap();
    assert!(
        waited < Duration::from_secs(5),
        "woken {waited:?} after it started waiting"
    );
}
