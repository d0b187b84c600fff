//! Builders and checks shared by the cases.
//!
//! Everything created here is unique per call (emails, handles, idempotency keys, cache keys,
//! rate-limit subjects), so cases may run concurrently against one shared backend. Times are
//! truncated to microseconds, the precision backends store and cursors carry, so values read
//! back compare equal to the values written.

use std::fmt::Debug;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use crate::domain::{
    Creator, CurrencyCode, Description, DisplayName, Drop, DropWindow, Email, Event,
    IdempotencyKey, OrderRejection, PersonName, PriceCents, Product, ProductDetails, Quantity,
    StockPlan, Title, User,
};
use crate::ids::{DropId, OrderId, UserId};
use crate::pagination::{Limit, Page, PageRequest};
use crate::ports::{Catalog, Ledger, LedgerSummary, OrderRequest, Outbox, Placement};
use crate::{Error, Result};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The current instant, truncated to microseconds.
pub fn now() -> DateTime<Utc> {
    micros(Utc::now())
}

/// `t` truncated to microseconds.
pub fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).expect("timestamp in range")
}

/// `ms` milliseconds as a [`TimeDelta`].
pub fn ms(ms: i64) -> TimeDelta {
    TimeDelta::milliseconds(ms)
}

/// A string no other call (in this or another process) returns: `prefix`, 16 random hex
/// digits and a process-local counter. At most `prefix.len() + 24` characters, all
/// `[a-z0-9]`, so it fits in a handle after a letter prefix.
pub fn unique(prefix: &str) -> String {
    let random = uuid::Uuid::now_v7().simple().to_string();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}{}{n:x}", &random[16..])
}

/// A page size.
pub fn limit(n: i64) -> Limit {
    Limit::try_from(n).expect("valid limit")
}

/// A quantity.
pub fn qty(n: i64) -> Quantity {
    Quantity::try_from(n).expect("valid quantity")
}

/// A fresh idempotency key.
pub fn key() -> IdempotencyKey {
    IdempotencyKey::try_from(unique("key-").as_str()).expect("valid key")
}

/// A user value with a unique email, not stored.
pub fn new_user(at: DateTime<Utc>) -> User {
    let email =
        Email::try_from(format!("{}@example.com", unique("u")).as_str()).expect("valid email");
    User::new(
        email,
        PersonName::try_from("Test Buyer").expect("valid name"),
        at,
    )
}

/// A stored user.
pub async fn user(catalog: &dyn Catalog) -> User {
    let user = new_user(now());
    catalog.create_user(&user).await.expect("create user");
    user
}

/// `n` stored users.
pub async fn users(catalog: &dyn Catalog, n: usize) -> Vec<User> {
    let mut all = Vec::with_capacity(n);
    for _ in 0..n {
        all.push(user(catalog).await);
    }
    all
}

/// A creator value with a unique handle owned by `owner`, not stored.
pub fn new_creator(owner: UserId, at: DateTime<Utc>) -> Creator {
    let handle = crate::domain::Handle::try_from(unique("h").as_str()).expect("valid handle");
    Creator::new(
        owner,
        DisplayName::try_from("Test Creator").expect("valid name"),
        handle,
        at,
    )
}

/// A creator and the user who owns it.
#[derive(Clone, Debug)]
pub struct Seller {
    /// The owning user.
    pub owner: User,
    /// The creator.
    pub creator: Creator,
}

/// A stored creator with its stored owner.
pub async fn seller(catalog: &dyn Catalog) -> Seller {
    let owner = user(catalog).await;
    let creator = new_creator(owner.id, now());
    catalog
        .create_creator(&creator)
        .await
        .expect("create creator");
    Seller { owner, creator }
}

/// Product details titled `title`.
pub fn details(title: &str) -> ProductDetails {
    ProductDetails {
        title: Title::try_from(title).expect("valid title"),
        description: Description::try_from("A limited thing.").expect("valid description"),
        price_cents: PriceCents::try_from(2500).expect("valid price"),
        currency_code: CurrencyCode::try_from("EUR").expect("valid currency"),
    }
}

/// A stored product of `seller` created at `at`.
pub async fn product_at(catalog: &dyn Catalog, seller: &Seller, at: DateTime<Utc>) -> Product {
    let product = Product::new(seller.creator.id, details("Limited sneaker"), micros(at));
    catalog
        .create_product(&product, seller.owner.id)
        .await
        .expect("create product");
    product
}

/// A stored product of `seller`.
pub async fn product(catalog: &dyn Catalog, seller: &Seller) -> Product {
    product_at(catalog, seller, now()).await
}

/// `[now - 1s, now + 1h)`: live now.
pub fn live_window(now: DateTime<Utc>) -> DropWindow {
    DropWindow::new(now - TimeDelta::seconds(1), now + TimeDelta::hours(1)).expect("valid window")
}

/// `[now + 1h, now + 2h)`: scheduled now.
pub fn scheduled_window(now: DateTime<Utc>) -> DropWindow {
    DropWindow::new(now + TimeDelta::hours(1), now + TimeDelta::hours(2)).expect("valid window")
}

/// `[now - 2h, now - 1h)`: over before anyone ordered.
pub fn ended_window(now: DateTime<Utc>) -> DropWindow {
    DropWindow::new(now - TimeDelta::hours(2), now - TimeDelta::hours(1)).expect("valid window")
}

/// A window from `start` to `end`.
pub fn window(start: DateTime<Utc>, end: DateTime<Utc>) -> DropWindow {
    DropWindow::new(micros(start), micros(end)).expect("valid window")
}

/// A stock plan.
pub fn plan(stock: u32, threshold: u32, max_per_user: Option<u32>) -> StockPlan {
    StockPlan::new(
        i64::from(stock),
        i64::from(threshold),
        max_per_user.map(i64::from),
    )
    .expect("valid plan")
}

/// A stored drop of `product` (which belongs to `seller`).
pub async fn drop_of(
    catalog: &dyn Catalog,
    seller: &Seller,
    product: &Product,
    window: DropWindow,
    plan: StockPlan,
) -> Drop {
    let drop = Drop::new(product.id, seller.creator.id, window, plan, now());
    catalog
        .create_drop(&drop, seller.owner.id)
        .await
        .expect("create drop");
    drop
}

/// A seller, one product and one drop of it.
#[derive(Clone, Debug)]
pub struct Shop {
    /// Who sells.
    pub seller: Seller,
    /// What.
    pub product: Product,
    /// The drop.
    pub drop: Drop,
}

/// A new seller with a product and a drop with `window` and `plan`.
pub async fn shop(catalog: &dyn Catalog, window: DropWindow, plan: StockPlan) -> Shop {
    let seller = seller(catalog).await;
    let product = product(catalog, &seller).await;
    let drop = drop_of(catalog, &seller, &product, window, plan).await;
    Shop {
        seller,
        product,
        drop,
    }
}

/// A drop that is live now with `stock` units, no low-stock warning and no per-user limit.
pub async fn live_drop(catalog: &dyn Catalog, stock: u32) -> Shop {
    shop(catalog, live_window(now()), plan(stock, 0, None)).await
}

/// Runs `n` tasks that start at the same instant and returns their outputs in task order.
/// `task(i)` runs its setup before the start (a barrier releases every task at once) and
/// returns the future to race. Callers need a multi-thread runtime for a real race.
pub async fn race<T, Fut>(n: usize, task: impl Fn(usize) -> Fut) -> Vec<T>
where
    T: Send + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let (work, start) = (task(i), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                work.await
            })
        })
        .collect();
    let mut outputs = Vec::with_capacity(n);
    for handle in handles {
        outputs.push(handle.await.expect("a racing task panicked"));
    }
    outputs
}

/// `n` drops of one new seller's product, live now, `stock` units each; their ids.
pub async fn live_drops(catalog: &dyn Catalog, n: usize, stock: u32) -> Vec<DropId> {
    let seller = seller(catalog).await;
    let product = product(catalog, &seller).await;
    let mut ids = Vec::with_capacity(n);
    for _ in 0..n {
        ids.push(
            drop_of(
                catalog,
                &seller,
                &product,
                live_window(now()),
                plan(stock, 0, None),
            )
            .await
            .id,
        );
    }
    ids
}

/// An order request decided now, with a fresh order id.
pub fn order_request(
    user_id: UserId,
    drop_id: DropId,
    units: u32,
    key: &IdempotencyKey,
) -> OrderRequest {
    OrderRequest {
        order_id: OrderId::new(),
        user_id,
        drop_id,
        qty: qty(i64::from(units)),
        idempotency_key: key.clone(),
        now: now(),
        trace: None,
    }
}

/// Places an order of `units` under a fresh key.
pub async fn buy(
    ledger: &dyn Ledger,
    user_id: UserId,
    drop_id: DropId,
    units: u32,
) -> Result<Placement> {
    ledger
        .place_order(&order_request(user_id, drop_id, units, &key()))
        .await
}

/// Places an order that must be confirmed, and returns the order.
pub async fn buy_ok(
    ledger: &dyn Ledger,
    user_id: UserId,
    drop_id: DropId,
    units: u32,
) -> crate::domain::Order {
    match buy(ledger, user_id, drop_id, units).await {
        Ok(Placement::Confirmed(order)) => order,
        other => panic!("expected a confirmed order, got {other:?}"),
    }
}

/// The refusal inside `result`; panics on anything else.
pub fn rejection<T: Debug>(result: Result<T>) -> OrderRejection {
    match result {
        Err(Error::Rejected(rejection)) => rejection,
        other => panic!("expected Error::Rejected, got {other:?}"),
    }
}

/// Panics unless `result` is [`Error::NotFound`].
pub fn assert_not_found<T: Debug>(result: Result<T>, what: &str) {
    match result {
        Err(Error::NotFound { .. }) => {}
        other => panic!("{what}: expected Error::NotFound, got {other:?}"),
    }
}

/// Panics unless `result` is [`Error::AlreadyExists`].
pub fn assert_already_exists<T: Debug>(result: Result<T>, what: &str) {
    match result {
        Err(Error::AlreadyExists { .. }) => {}
        other => panic!("{what}: expected Error::AlreadyExists, got {other:?}"),
    }
}

/// Checks the ledger invariant of `drop_id` and returns its summary.
pub async fn assert_invariant(ledger: &dyn Ledger, drop_id: DropId) -> LedgerSummary {
    let summary = ledger.summary(drop_id).await.expect("ledger summary");
    assert_eq!(summary.drop_id, drop_id);
    assert!(
        summary.invariant_holds(),
        "invariant broken: available {} + confirmed units {} != initial stock {} ({summary:?})",
        summary.available,
        summary.confirmed_units,
        summary.initial_stock
    );
    summary
}

/// Every item of a keyset-paginated list, following `next_cursor` until it is `None`.
/// Checks that no page is longer than `page_size`.
pub async fn collect_pages<T, F, Fut>(page_size: Limit, mut fetch: F) -> Vec<T>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>>>,
{
    let mut items = Vec::new();
    let mut request = PageRequest::first(page_size);
    for _ in 0..100_000 {
        let page = fetch(request).await.expect("read a page");
        assert!(
            page.items.len() <= page_size.get(),
            "page longer than its limit"
        );
        items.extend(page.items);
        match page.next_cursor {
            Some(cursor) => request = PageRequest::after(cursor, page_size),
            None => return items,
        }
    }
    panic!("pagination did not end after 100000 pages");
}

/// How many records one observation claims.
const OBSERVE_MAX: usize = 10_000;

/// The outbox events matching `wanted`, in claim order (commit order per key), WITHOUT
/// consuming them: the claimed batch is released again. Retries for up to 5 s until at
/// least `at_least` match, since a concurrent case may hold the records in its own lease.
pub async fn outbox_events(
    outbox: &dyn Outbox,
    at_least: usize,
    wanted: impl Fn(&Event) -> bool,
) -> Vec<Event> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let batch = outbox
            .claim(OBSERVE_MAX, Duration::from_secs(30))
            .await
            .expect("claim outbox");
        let found: Vec<Event> = batch
            .records
            .iter()
            .filter(|r| wanted(&r.event))
            .map(|r| r.event.clone())
            .collect();
        outbox.release(&batch).await.expect("release outbox batch");
        if found.len() >= at_least || tokio::time::Instant::now() >= deadline {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The outbox events about `drop_id` (see [`outbox_events`]).
pub async fn drop_events(outbox: &dyn Outbox, drop_id: DropId, at_least: usize) -> Vec<Event> {
    outbox_events(outbox, at_least, |e| e.drop_id == Some(drop_id)).await
}

/// How many of `events` have type `kind`.
pub fn count_kind(events: &[Event], kind: &str) -> usize {
    events.iter().filter(|e| e.kind() == kind).count()
}

/// The types of `events`, in order, keeping only those listed in `among`.
pub fn kinds_among(events: &[Event], among: &[&str]) -> Vec<&'static str> {
    events
        .iter()
        .map(Event::kind)
        .filter(|k| among.contains(k))
        .collect()
}
