//! Every endpoint of the server through the client, against a real server in process with
//! its background loops: auth (register, login, me, refresh, logout), creators, products
//! and image uploads, drops (authoritative, cached, browsed across pages), follows,
//! orders (replay, cancel, lists), notifications and the event stream, and the typed
//! errors on the way.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use futures_util::TryStreamExt;
use livedrop_client::{ApiErrorKind, ClientError};
use livedrop_core::domain::{DropStatus, EventData, IdempotencyKey};
use livedrop_core::ports::ImageType;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_sessions_refresh_and_end() {
    let server = support::start(support::roomy_limits(), false).await;
    let client = support::client(&server.base);
    assert_eq!(client.health().await.unwrap().status, "ok");
    assert_eq!(client.ready().await.unwrap().status, "ready");
    // Not signed in: nothing is sent.
    assert!(matches!(
        client.auth().me().await,
        Err(ClientError::NotSignedIn)
    ));

    let email = support::email("ada");
    let started = client.auth().register(&email, "Ada").await.unwrap();
    assert_eq!(started.sent_to, email);
    let token = support::confirmation_token(&server, &email);
    let registered = client
        .auth()
        .confirm_registration(&token, support::PASSWORD)
        .await
        .unwrap();
    assert_eq!(client.auth().me().await.unwrap().id, registered.user.id);
    // A taken email is answered like a new one; its link, used again, finds the account.
    assert_eq!(
        client.auth().register(&email, "Ada").await.unwrap(),
        started
    );
    let used = client
        .auth()
        .confirm_registration(&token, support::PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(used.kind(), Some(ApiErrorKind::Conflict));
    let other = support::email("x");
    client.auth().register(&other, "X").await.unwrap();
    let short = client
        .auth()
        .confirm_registration(&support::confirmation_token(&server, &other), "short")
        .await
        .unwrap_err();
    assert_eq!(short.kind(), Some(ApiErrorKind::Validation));
    let forged = client
        .auth()
        .confirm_registration("a.b.c", support::PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(forged.code(), Some("invalid_registration_token"));

    // Login on another client; a wrong password is 401.
    let other = support::client(&server.base);
    let wrong = other
        .auth()
        .login(&email, "not the password")
        .await
        .unwrap_err();
    assert_eq!(wrong.kind(), Some(ApiErrorKind::Unauthorized));
    assert_eq!(wrong.code(), Some("invalid_credentials"));
    let first = other.auth().login(&email, support::PASSWORD).await.unwrap();

    // A refresh replaces the pair; calls go on with the new one.
    let second = other.auth().refresh().await.unwrap();
    assert_ne!(first.refresh_token, second.refresh_token);
    assert_eq!(other.auth().me().await.unwrap().id, registered.user.id);

    // Concurrent calls with an expired-looking access token refresh once between them
    // (a second refresh with the spent token would revoke the sign-in).
    let mut stale = other.tokens().unwrap();
    stale.access_token_expires_at = Utc::now();
    other.set_tokens(Some(stale));
    let (a, b, c) = tokio::join!(other.auth().me(), other.auth().me(), other.auth().me());
    for me in [a, b, c] {
        assert_eq!(me.unwrap().id, registered.user.id);
    }

    // A 401 (a garbled access token) refreshes once and repeats the call.
    let mut garbled = other.tokens().unwrap();
    garbled.access_token.push('x');
    other.set_tokens(Some(garbled));
    assert_eq!(other.auth().me().await.unwrap().id, registered.user.id);

    // Logout revokes the sign-in: its refresh token no longer works.
    let spent = other.tokens().unwrap();
    other.auth().logout().await.unwrap();
    assert!(!other.is_signed_in());
    other.set_tokens(Some(spent));
    let refused = other.auth().refresh().await.unwrap_err();
    assert_eq!(refused.kind(), Some(ApiErrorKind::Unauthorized));
    assert!(!other.is_signed_in(), "a refused refresh ends the session");
    // The first client's own sign-in is untouched.
    assert_eq!(client.auth().me().await.unwrap().id, registered.user.id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_images_and_browsing() {
    let server = support::start(support::roomy_limits(), false).await;
    let owner = support::signed_up(&server, "maker").await;
    let creator = support::creator(&owner).await;
    assert_eq!(owner.creators().get(creator.id).await.unwrap(), creator);

    let product = support::product(&owner, &creator).await;
    assert_eq!(
        owner.products().get(product.id).await.unwrap().id,
        product.id
    );
    let anonymous = support::client(&server.base);
    let missing = anonymous
        .products()
        .get(livedrop_core::ids::ProductId::new())
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), Some(ApiErrorKind::NotFound));

    // Images: a signed URL, the upload through it, and the image served back.
    let upload = owner
        .products()
        .image_upload_url(product.id, ImageType::Png)
        .await
        .unwrap();
    let image = b"\x89PNG\r\n\x1a\n a sneaker".to_vec();
    owner
        .products()
        .upload_image(&upload, image.clone())
        .await
        .unwrap();
    let served = reqwest::get(&upload.public_url).await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.bytes().await.unwrap(), image);

    // Someone else may not touch the creator's catalog: 403.
    let stranger = support::signed_up(&server, "stranger").await;
    let forbidden = stranger
        .products()
        .image_upload_url(product.id, ImageType::Png)
        .await
        .unwrap_err();
    assert_eq!(forbidden.kind(), Some(ApiErrorKind::Forbidden));
    let forbidden = stranger
        .products()
        .create(&support::product_body(&creator, "Not mine"))
        .await
        .unwrap_err();
    assert_eq!(forbidden.kind(), Some(ApiErrorKind::Forbidden));

    // A creator's products across pages, newest first.
    for n in 0..4 {
        owner
            .products()
            .create(&support::product_body(&creator, &format!("Extra {n}")))
            .await
            .unwrap();
    }
    let products: Vec<_> = anonymous
        .products()
        .by_creator(creator.id)
        .limit(2)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(products.len(), 5);
    assert_eq!(products.last().unwrap().id, product.id);

    // Drops: upcoming ones, browsed across pages (cached and authoritative reads agree).
    let start = Utc::now() + TimeDelta::hours(1);
    let mut created = Vec::new();
    for n in 0..5 {
        let body = support::drop_body(&product, start + TimeDelta::minutes(n), 10);
        created.push(owner.drops().create(&body).await.unwrap().id);
    }
    let upcoming: Vec<_> = anonymous
        .drops()
        .browse(DropStatus::Scheduled)
        .limit(2)
        .items()
        .map_ok(|drop| drop.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(upcoming, created, "soonest start first, across three pages");
    let pages: Vec<_> = anonymous
        .drops()
        .browse(DropStatus::Scheduled)
        .limit(2)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 3);
    let view = anonymous.drops().get(created[0]).await.unwrap();
    assert_eq!(view.stock.available, 10);
    assert_eq!(
        anonymous.drops().get_cached(created[0]).await.unwrap(),
        view.drop
    );
    let bad = support::drop_body(&product, start, 0);
    let refused = owner.drops().create(&bad).await.unwrap_err();
    assert_eq!(refused.kind(), Some(ApiErrorKind::Validation));
    // An order for a drop that is not live yet.
    let early = stranger.orders().place(created[0], 1).await.unwrap_err();
    assert_eq!(early.kind(), Some(ApiErrorKind::DropNotLive));
    // An unknown drop.
    let unknown = anonymous
        .drops()
        .get(livedrop_core::ids::DropId::new())
        .await
        .unwrap_err();
    assert_eq!(unknown.kind(), Some(ApiErrorKind::NotFound));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follows_orders_notifications_and_events() {
    let server = support::start(support::roomy_limits(), true).await;
    let owner = support::signed_up(&server, "maker").await;
    let creator = support::creator(&owner).await;
    let product = support::product(&owner, &creator).await;

    // The buyer follows the creator and opens the event stream.
    let buyer = support::signed_up(&server, "buyer").await;
    let me = buyer.auth().me().await.unwrap();
    let change = buyer.follows().follow(creator.id).await.unwrap();
    assert!(change.changed && change.following);
    assert!(!buyer.follows().follow(creator.id).await.unwrap().changed);
    assert!(buyer.follows().check(me.id, creator.id).await.unwrap());
    assert!(owner.follows().check(me.id, creator.id).await.unwrap());
    // Follows are private: the follower list is the creator's owner's.
    let followers: Vec<_> = owner
        .follows()
        .followers(creator.id)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(followers.len(), 1);
    assert_eq!(followers[0].user_id, me.id);
    let refused = buyer.follows().followers(creator.id).page(None).await;
    assert_eq!(refused.unwrap_err().kind(), Some(ApiErrorKind::Forbidden));
    let following: Vec<_> = buyer
        .follows()
        .following(me.id)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(following[0].creator_id, creator.id);
    // Another user's following list does not exist for the caller.
    let hidden = owner
        .follows()
        .following(me.id)
        .page(None)
        .await
        .unwrap_err();
    assert_eq!(hidden.kind(), Some(ApiErrorKind::NotFound));
    let mut events = support::spawn_stream(buyer.realtime().events());
    let token = buyer.realtime().token().await.unwrap();
    assert!(token.expires_at > Utc::now());
    tokio::time::sleep(Duration::from_millis(300)).await;

    // The drop goes live: the stream says so.
    let drop = support::live_drop(&server, &owner, &product, 3, Some(2)).await;
    let started = next_event(&mut events, |data| {
        matches!(data, EventData::DropStarted { .. })
    })
    .await;
    assert_eq!(started.event.drop_id, Some(drop.id));

    // An order, its replay with the same key, and its confirmation on the stream.
    let key = IdempotencyKey::try_from("order-1").unwrap();
    let order = buyer
        .orders()
        .place_with_key(drop.id, 1, key.clone())
        .await
        .unwrap();
    let replayed = buyer
        .orders()
        .place_with_key(drop.id, 1, key.clone())
        .await
        .unwrap();
    assert_eq!(replayed, order);
    let reused = buyer
        .orders()
        .place_with_key(drop.id, 2, key)
        .await
        .unwrap_err();
    assert_eq!(reused.kind(), Some(ApiErrorKind::IdempotencyKeyReused));
    let confirmed = next_event(&mut events, |data| {
        matches!(data, EventData::OrderConfirmed { .. })
    })
    .await;
    assert!(
        matches!(confirmed.event.data, EventData::OrderConfirmed { order_id, .. } if order_id == order.id)
    );
    assert_eq!(buyer.orders().get(order.id).await.unwrap(), order);
    let theirs = owner.orders().get(order.id).await.unwrap_err();
    assert_eq!(theirs.kind(), Some(ApiErrorKind::NotFound));

    // The per-user limit, insufficient stock and sold out, typed.
    let limit = buyer.orders().place(drop.id, 2).await.unwrap_err();
    assert_eq!(
        limit.kind(),
        Some(ApiErrorKind::LimitReached {
            limit: 2,
            already: 1
        })
    );
    owner.orders().place(drop.id, 1).await.unwrap();
    let third = support::signed_up(&server, "third").await;
    let too_many = third.orders().place(drop.id, 2).await.unwrap_err();
    assert_eq!(
        too_many.kind(),
        Some(ApiErrorKind::InsufficientStock { available: 1 })
    );
    third.orders().place(drop.id, 1).await.unwrap();
    let sold_out = buyer.orders().place(drop.id, 1).await.unwrap_err();
    assert_eq!(sold_out.kind(), Some(ApiErrorKind::SoldOut));
    assert!(matches!(
        buyer.orders().place(drop.id, 0).await,
        Err(ClientError::Invalid(_))
    ));

    // Cancel: once changes, twice does not.
    let cancelled = buyer.orders().cancel(order.id).await.unwrap();
    assert!(cancelled.changed);
    assert!(!buyer.orders().cancel(order.id).await.unwrap().changed);
    let mine: Vec<_> = buyer
        .orders()
        .mine()
        .await
        .unwrap()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    let others = owner.orders().list(me.id).page(None).await.unwrap_err();
    assert_eq!(others.kind(), Some(ApiErrorKind::NotFound));

    // The inbox holds what the stream said.
    let mut kinds = Vec::new();
    for _ in 0..100 {
        let inbox: Vec<_> = buyer
            .notifications()
            .inbox()
            .items()
            .try_collect()
            .await
            .unwrap();
        kinds = inbox.iter().map(|n| n.event.kind()).collect();
        if kinds.contains(&"drop.started") && kinds.contains(&"order.confirmed") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        kinds.contains(&"drop.started") && kinds.contains(&"order.confirmed"),
        "{kinds:?}"
    );

    let change = buyer.follows().unfollow(creator.id).await.unwrap();
    assert!(change.changed && !change.following);
    assert!(!buyer.follows().check(me.id, creator.id).await.unwrap());
}

/// The next event whose data matches, skipping others (`stock.low`, ...).
async fn next_event(
    events: &mut tokio::sync::mpsc::UnboundedReceiver<
        livedrop_client::Result<livedrop_client::RealtimeEvent>,
    >,
    wanted: impl Fn(&EventData) -> bool,
) -> livedrop_client::RealtimeEvent {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .expect("an event within 10 s")
            .expect("the stream goes on")
            .unwrap();
        if wanted(&event.event.data) {
            return event;
        }
    }
}
