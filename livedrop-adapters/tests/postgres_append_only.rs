//! What the database itself guarantees, whoever connects to it: the audit log is
//! append-only, and so is an order row (it is also its `order.placed` audit entry), except
//! for its one cancellation.
#![cfg(feature = "postgres")]

mod support;

use livedrop_adapters::postgres::LedgerMode;
use livedrop_core::testkit::fixtures::{key, live_drop, now, order_request, user};

#[tokio::test]
async fn orders_and_the_audit_log_refuse_rewrites_and_deletes() {
    let Some(backend) = support::postgres::backend(LedgerMode::PerOrder).await else {
        return;
    };
    let ports = backend.ports(support::postgres::base());
    let shop = live_drop(&*ports.catalog, 5).await;
    let buyer = user(&*ports.catalog).await;
    let order = ports
        .ledger
        .place_order(&order_request(buyer.id, shop.drop.id, 1, &key()))
        .await
        .unwrap()
        .order()
        .clone();
    let pool = backend.pool();
    for refused in [
        "UPDATE orders SET qty = 2",
        "UPDATE orders SET created_at = created_at - interval '1 day'",
        "UPDATE orders SET status = 'cancelled', cancelled_at = now(), user_id = gen_random_uuid()",
        "DELETE FROM orders",
        "TRUNCATE orders",
        "UPDATE audit_log SET actor = NULL",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ] {
        let error = sqlx::query(refused).execute(pool).await.unwrap_err();
        assert!(
            error.to_string().contains("append-only"),
            "{refused}: {error}"
        );
    }
    let trail_before: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_trail")
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(
        trail_before >= 1,
        "the order's placed entry is in the trail"
    );

    // The one change an order may take, once: its cancellation.
    let cancelled = ports
        .ledger
        .cancel_order(order.id, buyer.id, now())
        .await
        .unwrap();
    assert!(cancelled.changed);
    let error = sqlx::query("UPDATE orders SET status = 'confirmed', cancelled_at = NULL")
        .execute(pool)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("append-only"), "{error}");
}
