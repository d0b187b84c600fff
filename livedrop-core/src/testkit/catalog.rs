//! The [`Catalog`](crate::ports::Catalog) contract for users, creators and products:
//! uniqueness, references, the events and audit entries of each write, list order. Drops
//! are in [`catalog_drops`](super::catalog_drops).

use chrono::TimeDelta;

use super::fixtures::*;
use crate::domain::{AuditAction, AuditTarget, Email, EventData, Handle};
use crate::ids::{CreatorId, ProductId, UserId};
use crate::ports::Ports;
/// A target's audit entries as `(action, actor)`, newest first.
pub async fn audit_of(ports: &Ports, target: AuditTarget) -> Vec<(AuditAction, Option<UserId>)> {
    collect_pages(limit(50), |page| ports.audit.entries_for(target, page))
        .await
        .into_iter()
        .map(|e| {
            assert_eq!(e.target, target);
            (e.action, e.actor)
        })
        .collect()
}

/// Users read back as stored, by id and by email; a second user with the same email is
/// `AlreadyExists` and is not stored; unknown ones are `NotFound`.
pub async fn users_round_trip_and_emails_are_unique(ports: &Ports) {
    let user = user(&*ports.catalog).await;
    assert_eq!(ports.catalog.get_user(user.id).await.unwrap(), user);
    assert_eq!(
        ports.catalog.user_by_email(&user.email).await.unwrap(),
        user
    );

    let mut twin = new_user(now());
    twin.email = user.email.clone();
    assert_already_exists(ports.catalog.create_user(&twin).await, "same email");
    assert_not_found(ports.catalog.get_user(twin.id).await, "the refused user");
    assert_eq!(
        ports.catalog.user_by_email(&user.email).await.unwrap().id,
        user.id
    );

    assert_not_found(ports.catalog.get_user(UserId::new()).await, "unknown user");
    let nobody = Email::try_from(format!("{}@example.com", unique("nobody")).as_str()).unwrap();
    assert_not_found(ports.catalog.user_by_email(&nobody).await, "unknown email");
}

/// Creators read back by id and handle; a taken handle, a second creator of one owner and
/// an unknown owner are refused without storing anything.
pub async fn creators_are_unique_per_handle_and_owner(ports: &Ports) {
    let seller = seller(&*ports.catalog).await;
    let creator = &seller.creator;
    assert_eq!(
        ports.catalog.get_creator(creator.id).await.unwrap(),
        *creator
    );
    assert_eq!(
        ports
            .catalog
            .creator_by_handle(&creator.handle)
            .await
            .unwrap(),
        *creator
    );

    let other_owner = user(&*ports.catalog).await;
    let mut same_handle = new_creator(other_owner.id, now());
    same_handle.handle = creator.handle.clone();
    assert_already_exists(
        ports.catalog.create_creator(&same_handle).await,
        "taken handle",
    );
    let second_of_owner = new_creator(seller.owner.id, now());
    assert_already_exists(
        ports.catalog.create_creator(&second_of_owner).await,
        "second creator of one owner",
    );
    let orphan = new_creator(UserId::new(), now());
    assert_not_found(ports.catalog.create_creator(&orphan).await, "unknown owner");

    for refused in [&same_handle, &second_of_owner, &orphan] {
        assert_not_found(
            ports.catalog.get_creator(refused.id).await,
            "a refused creator",
        );
    }
    assert_not_found(
        ports
            .catalog
            .creator_by_handle(&second_of_owner.handle)
            .await,
        "a refused handle",
    );
    assert_not_found(
        ports.catalog.creator_by_handle(&orphan.handle).await,
        "a refused handle",
    );
    assert_not_found(
        ports.catalog.get_creator(CreatorId::new()).await,
        "unknown creator",
    );
    // The other owner may still become a creator under a free handle.
    let fine = new_creator(other_owner.id, now());
    ports.catalog.create_creator(&fine).await.unwrap();
}

/// Creating and renaming a creator append `creator.created` and `creator.updated`; the new
/// handle replaces the old one and may not take another creator's.
pub async fn creator_writes_append_events_and_move_the_handle(ports: &Ports) {
    let other = seller(&*ports.catalog).await;
    let seller = seller(&*ports.catalog).await;
    let id = seller.creator.id;
    let created = outbox_events(&*ports.outbox, 1, |e| {
        e.creator_id == id && e.kind() == "creator.created"
    })
    .await;
    assert_eq!(created.len(), 1, "{created:?}");
    assert_eq!(
        created[0].data,
        EventData::CreatorCreated {
            owner_id: seller.owner.id
        }
    );

    let mut renamed = seller.creator.clone();
    renamed.display_name = crate::domain::DisplayName::try_from("Renamed").unwrap();
    renamed.handle = Handle::try_from(unique("r").as_str()).unwrap();
    ports.catalog.update_creator(&renamed, now()).await.unwrap();
    assert_eq!(ports.catalog.get_creator(id).await.unwrap(), renamed);
    assert_eq!(
        ports
            .catalog
            .creator_by_handle(&renamed.handle)
            .await
            .unwrap()
            .id,
        id
    );
    assert_not_found(
        ports
            .catalog
            .creator_by_handle(&seller.creator.handle)
            .await,
        "the old handle",
    );
    let updated = outbox_events(&*ports.outbox, 1, |e| {
        e.creator_id == id && e.kind() == "creator.updated"
    })
    .await;
    assert_eq!(updated.len(), 1, "{updated:?}");

    let mut thief = renamed.clone();
    thief.handle = other.creator.handle.clone();
    assert_already_exists(
        ports.catalog.update_creator(&thief, now()).await,
        "renaming onto a taken handle",
    );
    assert_eq!(ports.catalog.get_creator(id).await.unwrap(), renamed);
    assert_eq!(
        ports
            .catalog
            .creator_by_handle(&other.creator.handle)
            .await
            .unwrap()
            .id,
        other.creator.id
    );
}

/// Products read back as stored; an unknown creator is `NotFound`; create and update append
/// `product.created` / `product.updated` and audit entries carrying the actor.
pub async fn product_writes_are_evented_and_audited(ports: &Ports) {
    let seller = seller(&*ports.catalog).await;
    let product = product(&*ports.catalog, &seller).await;
    assert_eq!(
        ports.catalog.get_product(product.id).await.unwrap(),
        product
    );

    let mut orphan = product.clone();
    orphan.id = ProductId::new();
    orphan.creator_id = CreatorId::new();
    assert_not_found(
        ports.catalog.create_product(&orphan, seller.owner.id).await,
        "unknown creator",
    );
    assert_not_found(
        ports.catalog.get_product(orphan.id).await,
        "the refused product",
    );
    assert_not_found(
        ports.catalog.get_product(ProductId::new()).await,
        "unknown product",
    );

    let mut edited = product.clone();
    edited.details = details("Limited sneaker, second run");
    edited.images = vec![
        format!("products/{}/a.png", product.id),
        format!("products/{}/b.png", product.id),
    ];
    ports
        .catalog
        .update_product(&edited, seller.owner.id, now())
        .await
        .unwrap();
    assert_eq!(ports.catalog.get_product(product.id).await.unwrap(), edited);

    let events = outbox_events(&*ports.outbox, 2, |e| {
        e.creator_id == seller.creator.id && e.drop_id.is_none()
    })
    .await;
    assert_eq!(
        kinds_among(&events, &["product.created", "product.updated"]),
        ["product.created", "product.updated"],
        "{events:?}"
    );
    assert!(events.iter().any(|e| e.data
        == EventData::ProductCreated {
            product_id: product.id
        }));
    assert!(events.iter().any(|e| e.data
        == EventData::ProductUpdated {
            product_id: product.id
        }));
    let actor = Some(seller.owner.id);
    assert_eq!(
        audit_of(ports, AuditTarget::Product(product.id)).await,
        [
            (AuditAction::ProductUpdated, actor),
            (AuditAction::ProductCreated, actor)
        ]
    );
}

/// A creator's products come newest first by `(created_at, id)`, each once, only theirs.
pub async fn products_by_creator_are_newest_first_and_paginated(ports: &Ports) {
    let other = seller(&*ports.catalog).await;
    let seller = seller(&*ports.catalog).await;
    let base = now() - TimeDelta::hours(1);
    let mut mine = Vec::new();
    for offset in [2, 0, 5, 1, 1, 3] {
        mine.push(product_at(&*ports.catalog, &seller, base + TimeDelta::seconds(offset)).await);
        product_at(&*ports.catalog, &other, base + TimeDelta::seconds(offset)).await;
    }
    mine.sort_by_key(|p| std::cmp::Reverse((p.created_at, p.id)));
    for size in [1, 2, 4, 100] {
        let listed = collect_pages(limit(size), |page| {
            ports.catalog.products_by_creator(seller.creator.id, page)
        })
        .await;
        assert_eq!(listed, mine, "page size {size}");
    }
}

/// A user's creator is found by its owner; a user without one is `NotFound`.
pub async fn creator_of_finds_the_owners_creator(ports: &Ports) {
    let seller = seller(&*ports.catalog).await;
    let found = ports
        .catalog
        .creator_of(seller.owner.id)
        .await
        .expect("the owner's creator");
    assert_eq!(found, seller.creator);
    let fan = user(&*ports.catalog).await;
    assert!(matches!(
        ports.catalog.creator_of(fan.id).await,
        Err(crate::Error::NotFound { .. })
    ));
}
