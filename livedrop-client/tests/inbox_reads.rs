//! The inbox's unread count and read mark through the client, against a real server in
//! process with its background loops, so the notifications come from a drop going live and
//! an order through the whole event pipeline.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use livedrop_client::{ApiErrorKind, Client, ClientError};
use livedrop_core::wire::{InboxPosition, READ_MARK_IN_FUTURE, UnreadCount};

/// Polls the unread count until it is `expected` (the pipeline delivers asynchronously).
async fn wait_unread(client: &Client, expected: u32) -> UnreadCount {
    let mut last = None;
    for _ in 0..200 {
        let count = client.notifications().unread().await.unwrap();
        if count.unread == expected {
            return count;
        }
        last = Some(count);
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the unread count never reached {expected}: {last:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_marks_what_the_pipeline_delivered_as_read() {
    let server = support::start(support::roomy_limits(), true).await;
    let owner = support::signed_up(&server, "maker").await;
    let creator = support::creator(&owner).await;
    let product = support::product(&owner, &creator).await;
    let buyer = support::signed_up(&server, "buyer").await;
    buyer.follows().follow(creator.id).await.unwrap();
    let nothing = buyer.notifications().unread().await.unwrap();
    assert_eq!((nothing.unread, nothing.capped), (0, false));
    assert_eq!(nothing.read_up_to, None);

    // The drop starting (followed) and the buyer's order (own): two unread.
    let drop = support::live_drop(&server, &owner, &product, 5, None).await;
    buyer.orders().place(drop.id, 1).await.unwrap();
    let unread = wait_unread(&buyer, 2).await;
    assert!(!unread.capped);
    assert_eq!(unread.read_up_to, None);

    let page = buyer.notifications().inbox().page(None).await.unwrap();
    assert_eq!(page.items.len(), 2);
    let (newest, older) = (&page.items[0], &page.items[1]);
    buyer.notifications().mark_read(newest).await.unwrap();
    let read = buyer.notifications().unread().await.unwrap();
    assert_eq!(read.unread, 0);
    assert_eq!(read.read_up_to, Some(InboxPosition::of(&newest.event)));
    // An older position changes nothing.
    buyer.notifications().mark_read(&older.event).await.unwrap();
    assert_eq!(buyer.notifications().unread().await.unwrap(), read);

    // A later order is unread again; the owner's count is their own.
    buyer.orders().place(drop.id, 1).await.unwrap();
    wait_unread(&buyer, 1).await;
    assert_eq!(
        owner.notifications().unread().await.unwrap().read_up_to,
        None
    );

    // A position ahead of the server's clock is refused, typed, and changes nothing.
    let ahead = InboxPosition {
        occurred_at: Utc::now() + TimeDelta::days(1),
        ..InboxPosition::of(&newest.event)
    };
    let refused = buyer.notifications().mark_read(ahead).await.unwrap_err();
    assert_eq!(refused.code(), Some(READ_MARK_IN_FUTURE));
    assert_eq!(refused.kind(), Some(ApiErrorKind::Validation));
    assert_eq!(buyer.notifications().unread().await.unwrap().unread, 1);

    let anonymous = support::client(&server.base);
    assert!(matches!(
        anonymous.notifications().unread().await,
        Err(ClientError::NotSignedIn)
    ));
    assert!(matches!(
        anonymous.notifications().mark_read(newest).await,
        Err(ClientError::NotSignedIn)
    ));
}
