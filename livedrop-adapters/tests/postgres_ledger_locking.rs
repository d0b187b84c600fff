//! An order queued on a drop's lock is decided with the drop as it is when the lock is
//! granted, not as it was when the order arrived: Postgres re-reads only the row a
//! statement locks, so the ledger reads the drop in a second statement after the lock.
#![cfg(feature = "postgres")]

mod support;

use std::time::Duration;

use livedrop_adapters::postgres::LedgerMode;
use livedrop_core::Error;
use livedrop_core::domain::OrderRejection;
use livedrop_core::testkit::fixtures::{key, live_drop, order_request, user};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_waiting_on_the_lock_sees_the_drop_postponed_meanwhile() {
    let Some(backend) = support::postgres::backend(LedgerMode::PerOrder).await else {
        return;
    };
    let ports = backend.ports(support::postgres::base());
    let shop = live_drop(&*ports.catalog, 5).await;
    let buyer = user(&*ports.catalog).await;
    let drop_id = shop.drop.id.as_uuid();

    // Another writer holds the drop's lock and postpones the drop to tomorrow.
    let mut editor = backend.pool().begin().await.unwrap();
    sqlx::query("SELECT 1 FROM drop_stock WHERE drop_id = $1 FOR UPDATE")
        .bind(drop_id)
        .execute(&mut *editor)
        .await
        .unwrap();
    let order = tokio::spawn({
        let ledger = ports.ledger.clone();
        let request = order_request(buyer.id, shop.drop.id, 1, &key());
        async move { ledger.place_order(&request).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!order.is_finished(), "the order waits for the drop's lock");
    sqlx::query(
        "UPDATE drops SET start_at = now() + interval '1 day', \
         end_at = now() + interval '2 days' WHERE id = $1",
    )
    .bind(drop_id)
    .execute(&mut *editor)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE drop_stock SET status = 'scheduled', start_at = now() + interval '1 day', \
         next_due = now() + interval '1 day' WHERE drop_id = $1",
    )
    .bind(drop_id)
    .execute(&mut *editor)
    .await
    .unwrap();
    editor.commit().await.unwrap();

    let answer = order.await.unwrap();
    assert!(
        matches!(
            answer,
            Err(Error::Rejected(OrderRejection::DropNotLive { .. }))
        ),
        "decided against the postponed window, got {answer:?}"
    );
    let stock = ports.ledger.stock(shop.drop.id).await.unwrap();
    assert_eq!(stock.available, 5, "nothing taken");
}
