//! Safe retries: an order whose answer is lost after the server committed it is retried
//! with the same Idempotency-Key and returns the same order, and exactly one exists; the
//! event stream resumes after its connection is cut, without repeats, and says so when it
//! cannot resume exactly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use futures_util::TryStreamExt;
use livedrop_core::domain::EventData;
use support::proxy::Proxy;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_order_answer_is_retried_into_the_same_order() {
    let server = support::start(support::roomy_limits(), false).await;
    let proxy = Proxy::start(&server.base).await;
    let owner = support::signed_up(&server, "maker").await;
    let creator = support::creator(&owner).await;
    let product = support::product(&owner, &creator).await;
    let drop = support::live_drop(&server, &owner, &product, 10, None).await;

    // The buyer talks to the server through the proxy.
    let buyer = support::client(&proxy.base);
    support::register(&buyer, &server, &support::email("buyer"), "buyer")
        .await
        .unwrap();
    proxy.drop_next_order_answer();
    let order = buyer.orders().place(drop.id, 2).await.unwrap();

    assert_eq!(proxy.dropped_answers(), 1, "the first answer was dropped");
    assert_eq!(proxy.order_requests(), 2, "the client retried once");
    let mine: Vec<_> = buyer
        .orders()
        .mine()
        .await
        .unwrap()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0].id, order.id);
    assert_eq!(buyer.orders().get(order.id).await.unwrap(), order);
    let view = owner.drops().get(drop.id).await.unwrap();
    assert_eq!(view.stock.available, 8, "stock taken once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_stream_resumes_after_a_cut_without_repeats() {
    let server = support::start(support::roomy_limits(), true).await;
    let proxy = Proxy::start(&server.base).await;
    let owner = support::signed_up(&server, "maker").await;
    let creator = support::creator(&owner).await;
    let product = support::product(&owner, &creator).await;
    let drop = support::live_drop(&server, &owner, &product, 10, None).await;

    let buyer = support::client(&proxy.base);
    support::register(&buyer, &server, &support::email("buyer"), "buyer")
        .await
        .unwrap();
    // The stream is read in a task of its own, as an application would.
    let mut events = support::spawn_stream(buyer.realtime().events());
    // Give the stream time to connect before the first order.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let first = buyer.orders().place(drop.id, 1).await.unwrap();
    let event = next(&mut events).await;
    assert!(
        matches!(event.event.data, EventData::OrderConfirmed { order_id, .. } if order_id == first.id)
    );

    proxy.cut_all();
    let second = buyer.orders().place(drop.id, 1).await.unwrap();
    let event = next(&mut events).await;
    assert!(
        matches!(event.event.data, EventData::OrderConfirmed { order_id, .. } if order_id == second.id),
        "{event:?}"
    );
    // Nothing else (no repeat of the first) within a moment.
    let more = tokio::time::timeout(Duration::from_millis(1500), events.recv()).await;
    assert!(more.is_err(), "unexpected {more:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_the_server_cannot_resume_says_reset_and_goes_on() {
    let server = support::start(support::roomy_limits(), true).await;
    let owner = support::signed_up(&server, "maker").await;
    let creator = support::creator(&owner).await;
    let product = support::product(&owner, &creator).await;
    let drop = support::live_drop(&server, &owner, &product, 10, None).await;
    let buyer = support::signed_up(&server, "buyer").await;

    // An id from another server generation: the server cannot replay from it.
    let mut events = support::spawn_stream(
        buyer
            .realtime()
            .events_after(Some("not-a-position".to_owned())),
    );
    let reset = tokio::time::timeout(Duration::from_secs(10), events.recv())
        .await
        .expect("an item within 10 s")
        .expect("the stream goes on");
    match reset {
        Err(livedrop_client::ClientError::StreamReset { reason }) => {
            assert_eq!(reason, "unreadable_id");
        }
        other => panic!("expected a reset, got {other:?}"),
    }
    let order = buyer.orders().place(drop.id, 1).await.unwrap();
    let event = next(&mut events).await;
    assert!(
        matches!(event.event.data, EventData::OrderConfirmed { order_id, .. } if order_id == order.id),
        "{event:?}"
    );
}

async fn next(
    events: &mut tokio::sync::mpsc::UnboundedReceiver<
        livedrop_client::Result<livedrop_client::RealtimeEvent>,
    >,
) -> livedrop_client::RealtimeEvent {
    tokio::time::timeout(Duration::from_secs(10), events.recv())
        .await
        .expect("an event within 10 s")
        .expect("the stream goes on")
        .unwrap()
}
