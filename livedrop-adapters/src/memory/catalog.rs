//! In-memory catalog: users, creators and products in one table set; drops in [`Books`].

use std::{
    collections::BTreeSet,
    sync::{Arc, RwLock},
};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use livedrop_core::domain::announcement::{self, Announcement};
use livedrop_core::domain::{Creator, Drop, DropBook, DropStatus, Email, Handle, Product, User};
use livedrop_core::ids::{CreatorId, DropId, ProductId, UserId};
use livedrop_core::pagination::{Page, PageRequest};
use livedrop_core::ports::Catalog;
use livedrop_core::{Entity, Error, Result};

use super::FastHashMap;
use super::audit_log::MemoryAuditLog;
use super::books::{Books, IndexSlot};
use super::keyset::{self, Position};
use super::outbox::MemoryOutbox;
use super::sync::{read, write};

/// Users, creators and products with their unique indexes. Catalog writes are rare, so
/// one lock keeps the uniqueness checks trivially atomic.
#[derive(Debug, Default)]
pub(crate) struct Tables {
    pub(crate) users: FastHashMap<UserId, User>,
    emails: FastHashMap<Email, UserId>,
    pub(crate) creators: FastHashMap<CreatorId, Creator>,
    handles: FastHashMap<Handle, CreatorId>,
    owners: FastHashMap<UserId, CreatorId>,
    products: FastHashMap<ProductId, Product>,
    products_by_creator: FastHashMap<CreatorId, BTreeSet<Position>>,
    drops_by_creator: FastHashMap<CreatorId, BTreeSet<Position>>,
}

impl Tables {
    /// Adds a new user, refusing a taken email.
    pub(crate) fn insert_user(&mut self, user: &User) -> Result<()> {
        if self.emails.contains_key(&user.email) {
            return Err(Error::already_exists(Entity::User, &user.email));
        }
        self.emails.insert(user.email.clone(), user.id);
        self.users.insert(user.id, user.clone());
        Ok(())
    }
}

/// The catalog port over the shared tables and drop books.
#[derive(Debug, Clone)]
pub struct MemoryCatalog {
    pub(crate) tables: Arc<RwLock<Tables>>,
    pub(crate) books: Arc<Books>,
    pub(crate) outbox: Arc<MemoryOutbox>,
    pub(crate) audit: Arc<MemoryAuditLog>,
}

fn empty<T>() -> Page<T> {
    Page {
        items: Vec::new(),
        next_cursor: None,
    }
}

#[async_trait]
impl Catalog for MemoryCatalog {
    async fn create_user(&self, user: &User) -> Result<()> {
        write(&self.tables).insert_user(user)?;
        self.audit.record(announcement::user_registered(user));
        Ok(())
    }

    async fn get_user(&self, id: UserId) -> Result<User> {
        read(&self.tables)
            .users
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::not_found(Entity::User, id))
    }

    async fn user_by_email(&self, email: &Email) -> Result<User> {
        let tables = read(&self.tables);
        tables
            .emails
            .get(email)
            .and_then(|id| tables.users.get(id))
            .cloned()
            .ok_or_else(|| Error::not_found(Entity::User, email))
    }

    async fn create_creator(&self, creator: &Creator) -> Result<()> {
        let mut tables = write(&self.tables);
        if !tables.users.contains_key(&creator.owner_id) {
            return Err(Error::not_found(Entity::User, creator.owner_id));
        }
        if tables.owners.contains_key(&creator.owner_id) {
            return Err(Error::already_exists(
                Entity::Creator,
                format!("creator of user {}", creator.owner_id),
            ));
        }
        if tables.handles.contains_key(&creator.handle) {
            return Err(Error::already_exists(Entity::Creator, &creator.handle));
        }
        tables.handles.insert(creator.handle.clone(), creator.id);
        tables.owners.insert(creator.owner_id, creator.id);
        tables.creators.insert(creator.id, creator.clone());
        self.announce(announcement::creator_created(creator));
        Ok(())
    }

    async fn get_creator(&self, id: CreatorId) -> Result<Creator> {
        read(&self.tables)
            .creators
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::not_found(Entity::Creator, id))
    }

    async fn creator_of(&self, owner: UserId) -> Result<Creator> {
        let tables = read(&self.tables);
        tables
            .owners
            .get(&owner)
            .and_then(|id| tables.creators.get(id))
            .cloned()
            .ok_or_else(|| Error::not_found(Entity::Creator, format!("creator of user {owner}")))
    }

    async fn creator_by_handle(&self, handle: &Handle) -> Result<Creator> {
        let tables = read(&self.tables);
        tables
            .handles
            .get(handle)
            .and_then(|id| tables.creators.get(id))
            .cloned()
            .ok_or_else(|| Error::not_found(Entity::Creator, handle))
    }

    async fn update_creator(&self, creator: &Creator, now: DateTime<Utc>) -> Result<()> {
        let mut tables = write(&self.tables);
        let Some(old) = tables.creators.get(&creator.id).cloned() else {
            return Err(Error::not_found(Entity::Creator, creator.id));
        };
        if old.handle != creator.handle {
            if tables.handles.contains_key(&creator.handle) {
                return Err(Error::already_exists(Entity::Creator, &creator.handle));
            }
            tables.handles.remove(&old.handle);
            tables.handles.insert(creator.handle.clone(), creator.id);
        }
        // Only the editable fields change; id, owner and creation time are the stored ones.
        let updated = Creator {
            display_name: creator.display_name.clone(),
            handle: creator.handle.clone(),
            ..old
        };
        tables.creators.insert(creator.id, updated.clone());
        self.announce(announcement::creator_updated(&updated, now));
        Ok(())
    }

    async fn create_product(&self, product: &Product, actor: UserId) -> Result<()> {
        let mut tables = write(&self.tables);
        if !tables.creators.contains_key(&product.creator_id) {
            return Err(Error::not_found(Entity::Creator, product.creator_id));
        }
        if tables.products.contains_key(&product.id) {
            return Err(Error::already_exists(Entity::Product, product.id));
        }
        tables.products.insert(product.id, product.clone());
        tables
            .products_by_creator
            .entry(product.creator_id)
            .or_default()
            .insert((product.created_at.timestamp_micros(), product.id.as_uuid()));
        self.announce(announcement::product_created(product, actor));
        Ok(())
    }

    async fn get_product(&self, id: ProductId) -> Result<Product> {
        read(&self.tables)
            .products
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::not_found(Entity::Product, id))
    }

    async fn update_product(
        &self,
        product: &Product,
        actor: UserId,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tables = write(&self.tables);
        let Some(stored) = tables.products.get_mut(&product.id) else {
            return Err(Error::not_found(Entity::Product, product.id));
        };
        stored.details = product.details.clone();
        stored.images = product.images.clone();
        let stored = stored.clone();
        self.announce(announcement::product_updated(&stored, actor, now));
        Ok(())
    }

    async fn products_by_creator(
        &self,
        creator_id: CreatorId,
        page: PageRequest,
    ) -> Result<Page<Product>> {
        let tables = read(&self.tables);
        let Some(index) = tables.products_by_creator.get(&creator_id) else {
            return Ok(empty());
        };
        let positions = keyset::newest_first(index, page);
        Ok(Page {
            items: positions
                .items
                .iter()
                .filter_map(|(_, id)| tables.products.get(&ProductId::from_uuid(*id)).cloned())
                .collect(),
            next_cursor: positions.next_cursor,
        })
    }

    async fn create_drop(&self, drop: &Drop, actor: UserId) -> Result<()> {
        // Held across the insert, so the creator's index lists exactly the stored drops.
        let mut tables = write(&self.tables);
        let belongs = tables
            .products
            .get(&drop.product_id)
            .is_some_and(|p| p.creator_id == drop.creator_id);
        if !belongs {
            return Err(Error::not_found(Entity::Product, drop.product_id));
        }
        let mut book = DropBook::new(drop.clone());
        book.drop.status = DropStatus::Scheduled;
        let announce = || self.announce(announcement::drop_created(drop, actor));
        if !self.books.insert(book, announce) {
            return Err(Error::already_exists(Entity::Drop, drop.id));
        }
        tables
            .drops_by_creator
            .entry(drop.creator_id)
            .or_default()
            .insert((drop.created_at.timestamp_micros(), drop.id.as_uuid()));
        Ok(())
    }

    async fn get_drop(&self, id: DropId) -> Result<Drop> {
        let cell = self
            .books
            .cell(id)
            .ok_or_else(|| Error::not_found(Entity::Drop, id))?;
        let drop = cell.lock().book.drop.clone();
        Ok(drop)
    }

    async fn update_drop(&self, drop: &Drop, actor: UserId, now: DateTime<Utc>) -> Result<()> {
        let cell = self
            .books
            .cell(drop.id)
            .ok_or_else(|| Error::not_found(Entity::Drop, drop.id))?;
        let mut cell = cell.lock();
        let before = IndexSlot::of(&cell.book);
        // A drop whose start has passed is live even if no scheduler has said so yet.
        let due = cell.book.advance(now);
        if !due.is_empty() {
            self.books.refile(before, &cell.book);
            self.outbox.append(due);
        }
        let status = cell.book.drop.status;
        if status != DropStatus::Scheduled {
            return Err(Error::DropNotEditable { status });
        }
        cell.book.drop.window = drop.window;
        cell.book.drop.plan = drop.plan;
        // No order can exist on a scheduled drop, so its stock is simply the new plan's.
        cell.book.available = drop.plan.initial_stock();
        cell.book.updated_at = now;
        self.books.refile(before, &cell.book);
        self.announce(announcement::drop_updated(&cell.book.drop, actor, now));
        Ok(())
    }

    async fn drops_by_creator(
        &self,
        creator_id: CreatorId,
        page: PageRequest,
    ) -> Result<Page<Drop>> {
        let positions = {
            let tables = read(&self.tables);
            let Some(index) = tables.drops_by_creator.get(&creator_id) else {
                return Ok(empty());
            };
            keyset::newest_first(index, page)
        };
        Ok(Page {
            items: self.drops_at(&positions.items).collect(),
            next_cursor: positions.next_cursor,
        })
    }

    async fn drops_by_status(&self, status: DropStatus, page: PageRequest) -> Result<Page<Drop>> {
        let positions = self.books.page_by_status(status, page);
        Ok(Page {
            items: self
                .drops_at(&positions.items)
                // The index was read first: a drop that changed status since is left out.
                .filter(|drop| drop.status == status)
                .collect(),
            next_cursor: positions.next_cursor,
        })
    }
}

impl MemoryCatalog {
    /// The drops an index page names, as their books hold them now.
    fn drops_at<'a>(&'a self, positions: &'a [Position]) -> impl Iterator<Item = Drop> + 'a {
        positions
            .iter()
            .filter_map(|(_, id)| self.books.cell(DropId::from_uuid(*id)))
            .map(|cell| cell.lock().book.drop.clone())
    }

    /// Queues a write's event and records its audit entry, inside the write's critical
    /// section.
    fn announce(&self, announcement: Announcement) {
        self.outbox.append([announcement.event]);
        self.audit.record(announcement.audit);
    }
}
