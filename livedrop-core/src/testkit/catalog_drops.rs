//! The [`Catalog`](crate::ports::Catalog) contract for drops: stock created with the drop,
//! products of the drop's own creator, edits only while scheduled, and the status lists.

use chrono::TimeDelta;

use super::catalog::audit_of;
use super::fixtures::*;
use crate::Error;
use crate::domain::{AuditAction, AuditTarget, Drop, DropStatus, EventData};
use crate::ids::{DropId, ProductId};
use crate::ports::Ports;

/// A drop reads back as created (scheduled), its stock exists at once with the full initial
/// stock, and `drop.created` plus an audit entry with the actor are written.
pub async fn create_drop_creates_its_stock_event_and_audit(ports: &Ports) {
    let shop = shop(
        &*ports.catalog,
        scheduled_window(now()),
        plan(7, 2, Some(3)),
    )
    .await;
    let drop = &shop.drop;
    assert_eq!(ports.catalog.get_drop(drop.id).await.unwrap(), *drop);
    let stock = ports.ledger.stock(drop.id).await.unwrap();
    assert_eq!(
        (stock.drop_id, stock.available, stock.status),
        (drop.id, 7, DropStatus::Scheduled)
    );
    let summary = assert_invariant(&*ports.ledger, drop.id).await;
    assert_eq!((summary.initial_stock, summary.confirmed_orders), (7, 0));

    let events = outbox_events(&*ports.outbox, 1, |e| {
        e.kind() == "drop.created" && e.creator_id == shop.seller.creator.id
    })
    .await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        events[0].data,
        EventData::DropCreated {
            product_id: shop.product.id,
            start_at: drop.window.start_at(),
            end_at: drop.window.end_at(),
            initial_stock: 7,
        }
    );
    assert_eq!(
        audit_of(ports, AuditTarget::Drop(drop.id)).await,
        [(AuditAction::DropCreated, Some(shop.seller.owner.id))]
    );
}

/// A drop of an unknown product, or of another creator's product, is refused and leaves
/// neither a drop nor stock behind.
pub async fn create_drop_needs_a_product_of_its_creator(ports: &Ports) {
    let mine = seller(&*ports.catalog).await;
    let theirs = seller(&*ports.catalog).await;
    let their_product = product(&*ports.catalog, &theirs).await;
    let unknown = Drop::new(
        ProductId::new(),
        mine.creator.id,
        live_window(now()),
        plan(3, 0, None),
        now(),
    );
    assert_not_found(
        ports.catalog.create_drop(&unknown, mine.owner.id).await,
        "unknown product",
    );
    let foreign = Drop::new(
        their_product.id,
        mine.creator.id,
        live_window(now()),
        plan(3, 0, None),
        now(),
    );
    match ports.catalog.create_drop(&foreign, mine.owner.id).await {
        Err(Error::NotFound { .. } | Error::Forbidden(_)) => {}
        other => panic!(
            "a drop of another creator's product: expected NotFound or Forbidden, got {other:?}"
        ),
    }
    for refused in [&unknown, &foreign] {
        assert_not_found(ports.catalog.get_drop(refused.id).await, "a refused drop");
        assert_not_found(
            ports.ledger.stock(refused.id).await,
            "a refused drop's stock",
        );
    }
    assert_not_found(ports.catalog.get_drop(DropId::new()).await, "unknown drop");
}

/// A scheduled drop's window and plan are replaced, its stock reset to the new initial
/// stock; `drop.updated` and an audit entry are written.
pub async fn update_drop_replaces_a_scheduled_drop(ports: &Ports) {
    let shop = shop(&*ports.catalog, scheduled_window(now()), plan(10, 0, None)).await;
    let mut edited = shop.drop.clone();
    edited.window = window(now() + TimeDelta::hours(3), now() + TimeDelta::hours(5));
    edited.plan = plan(20, 5, Some(2));
    ports
        .catalog
        .update_drop(&edited, shop.seller.owner.id, now())
        .await
        .unwrap();

    assert_eq!(ports.catalog.get_drop(edited.id).await.unwrap(), edited);
    assert_eq!(ports.ledger.stock(edited.id).await.unwrap().available, 20);
    let summary = assert_invariant(&*ports.ledger, edited.id).await;
    assert_eq!((summary.initial_stock, summary.available), (20, 20));
    let events = drop_events(&*ports.outbox, edited.id, 1).await;
    let updated: Vec<_> = events
        .iter()
        .filter(|e| e.kind() == "drop.updated")
        .collect();
    assert_eq!(updated.len(), 1, "{events:?}");
    assert_eq!(
        updated[0].data,
        EventData::DropUpdated {
            start_at: edited.window.start_at(),
            end_at: edited.window.end_at()
        }
    );
    let actor = Some(shop.seller.owner.id);
    assert_eq!(
        audit_of(ports, AuditTarget::Drop(edited.id)).await,
        [
            (AuditAction::DropUpdated, actor),
            (AuditAction::DropCreated, actor)
        ]
    );
}

/// Live, sold-out and ended drops are `DropNotEditable` with their status, and unchanged.
pub async fn update_drop_after_start_is_not_editable(ports: &Ports) {
    let live = live_drop(&*ports.catalog, 5).await;
    let sold = live_drop(&*ports.catalog, 1).await;
    let ended = shop(&*ports.catalog, ended_window(now()), plan(5, 0, None)).await;
    let buyer = user(&*ports.catalog).await;
    buy_ok(&*ports.ledger, buyer.id, live.drop.id, 1).await;
    buy_ok(&*ports.ledger, buyer.id, sold.drop.id, 1).await;
    rejection(buy(&*ports.ledger, buyer.id, ended.drop.id, 1).await);
    for (shop, status) in [
        (&live, DropStatus::Live),
        (&sold, DropStatus::SoldOut),
        (&ended, DropStatus::Ended),
    ] {
        let before = ports.catalog.get_drop(shop.drop.id).await.unwrap();
        assert_eq!(before.status, status);
        let mut edited = before.clone();
        edited.window = scheduled_window(now());
        edited.plan = plan(50, 0, None);
        match ports
            .catalog
            .update_drop(&edited, shop.seller.owner.id, now())
            .await
        {
            Err(Error::DropNotEditable { status: got }) => assert_eq!(got, status),
            other => panic!("editing a {status} drop: expected DropNotEditable, got {other:?}"),
        }
        assert_eq!(ports.catalog.get_drop(shop.drop.id).await.unwrap(), before);
        assert_invariant(&*ports.ledger, shop.drop.id).await;
    }
}

/// Drops of a status come by `(start_at, id)` ascending, each once; the lists follow the
/// ledger's status once transitions are applied.
pub async fn drops_by_status_are_ordered_by_start(ports: &Ports) {
    let seller = seller(&*ports.catalog).await;
    let product = product(&*ports.catalog, &seller).await;
    let far = now() + TimeDelta::days(400);
    let mut mine = Vec::new();
    for offset in [3, 1, 4, 1, 5, 9, 2] {
        let start = far + TimeDelta::minutes(offset);
        mine.push(
            drop_of(
                &*ports.catalog,
                &seller,
                &product,
                window(start, start + TimeDelta::hours(1)),
                plan(1, 0, None),
            )
            .await,
        );
    }
    mine.sort_by_key(|d| (d.window.start_at(), d.id));
    for size in [2, 100] {
        let all = collect_pages(limit(size), |page| {
            ports.catalog.drops_by_status(DropStatus::Scheduled, page)
        })
        .await;
        assert!(all.iter().all(|d| d.status == DropStatus::Scheduled));
        assert!(
            all.windows(2)
                .all(|w| (w[0].window.start_at(), w[0].id) < (w[1].window.start_at(), w[1].id)),
            "not strictly ascending by (start_at, id)"
        );
        let listed: Vec<Drop> = all
            .into_iter()
            .filter(|d| d.product_id == product.id)
            .collect();
        assert_eq!(listed, mine, "page size {size}");
    }

    let live = drop_of(
        &*ports.catalog,
        &seller,
        &product,
        live_window(now()),
        plan(1, 0, None),
    )
    .await;
    ports.ledger.advance_drops(now(), 10_000).await.unwrap();
    let in_status = |status| async move {
        collect_pages(limit(100), |page| {
            ports.catalog.drops_by_status(status, page)
        })
        .await
        .into_iter()
        .filter(|d: &Drop| d.id == live.id)
        .count()
    };
    assert_eq!(
        in_status(DropStatus::Live).await,
        1,
        "a started drop is listed as live"
    );
    assert_eq!(
        in_status(DropStatus::Scheduled).await,
        0,
        "and no longer as scheduled"
    );
}

/// A creator's drops come newest first by `(created_at, id)`, whatever their status, each
/// once, only theirs.
pub async fn drops_by_creator_are_newest_first_and_paginated(ports: &Ports) {
    let nobody = seller(&*ports.catalog).await;
    let other = seller(&*ports.catalog).await;
    let theirs = product(&*ports.catalog, &other).await;
    let seller = seller(&*ports.catalog).await;
    let product = product(&*ports.catalog, &seller).await;
    let base = now() - TimeDelta::hours(1);
    let mut mine = Vec::new();
    for offset in [2, 0, 5, 1, 1, 3] {
        let created = base + TimeDelta::seconds(offset);
        // Some already started: the list is not by status.
        let start = created + TimeDelta::minutes(if offset % 2 == 0 { 5 } else { 90 });
        let plan = plan(3, 0, None);
        let drop = Drop::new(
            product.id,
            seller.creator.id,
            window(start, start + TimeDelta::hours(2)),
            plan,
            created,
        );
        ports
            .catalog
            .create_drop(&drop, seller.owner.id)
            .await
            .expect("create drop");
        mine.push(ports.catalog.get_drop(drop.id).await.expect("stored drop"));
        let window = window(start, start + TimeDelta::hours(2));
        drop_of(&*ports.catalog, &other, &theirs, window, plan).await;
    }
    mine.sort_by_key(|d| std::cmp::Reverse((d.created_at, d.id)));
    for size in [1, 2, 4, 100] {
        let listed = collect_pages(limit(size), |page| {
            ports.catalog.drops_by_creator(seller.creator.id, page)
        })
        .await;
        let ids: Vec<DropId> = listed.iter().map(|d| d.id).collect();
        let expected: Vec<DropId> = mine.iter().map(|d| d.id).collect();
        assert_eq!(ids, expected, "page size {size}");
    }
    let none = collect_pages(limit(10), |page| {
        ports.catalog.drops_by_creator(nobody.creator.id, page)
    })
    .await;
    assert!(none.is_empty());
}
