//! Keyset pagination while another task inserts: every item that existed before the first
//! page is seen exactly once, nothing is seen twice, and pages follow the list order.
//!
//! The inserting task adds items that sort AHEAD of the reader's position (newest items in
//! newest-first lists, earlier starts in the drops list), which is what makes offset
//! pagination repeat items; the reader has two items inserted after every page (the second
//! racing with the next read) so the interleaving happens on every run. Run these on a multi-thread runtime (see
//! [`concurrency`](super::concurrency)).

use std::collections::HashSet;
use std::fmt::Debug;
use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use chrono::TimeDelta;
use uuid::Uuid;

use super::fixtures::*;
use crate::Result;
use crate::domain::DropStatus;
use crate::pagination::{Page, PageRequest};
use crate::ports::Ports;

const EXISTING: usize = 40;
const PAGE: i64 = 7;

/// Inserts items on another task, two more each time the reader asks, so the number of
/// inserts (and the run time) stays bounded even against a backend that gets it wrong.
struct Inserter {
    stop: Arc<AtomicBool>,
    wanted: Arc<AtomicUsize>,
    done: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Inserter {
    fn start<F, Fut>(mut insert: F) -> Self
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send,
    {
        let stop = Arc::new(AtomicBool::new(false));
        let wanted = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(AtomicUsize::new(0));
        let (s, w, d) = (stop.clone(), wanted.clone(), done.clone());
        let task = tokio::spawn(async move {
            while !s.load(Ordering::SeqCst) {
                if d.load(Ordering::SeqCst) < w.load(Ordering::SeqCst) {
                    insert().await;
                    d.fetch_add(1, Ordering::SeqCst);
                } else {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
        });
        Self {
            stop,
            wanted,
            done,
            task,
        }
    }

    /// Asks for two more inserts and waits (up to 2 s) until the first of them is stored; the
    /// second may still be running while the next page is read.
    async fn insert_two(&self) {
        let target = self.wanted.fetch_add(2, Ordering::SeqCst) + 1;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
        while self.done.load(Ordering::SeqCst) < target && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    async fn finish(self) -> usize {
        self.stop.store(true, Ordering::SeqCst);
        self.task.await.expect("inserter task");
        self.done.load(Ordering::SeqCst)
    }
}

/// Reads every page while `inserter` runs, then checks the contract against `existing` (the
/// ids present before the first page, in list order).
async fn paginate_while_inserting<T, K, F, Fut>(
    existing: Vec<K>,
    inserter: Inserter,
    mut fetch: F,
    id_of: impl Fn(&T) -> K,
    position: impl Fn(&T) -> (i64, Uuid),
    descending: bool,
) where
    K: Eq + Hash + Debug + Copy,
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>>>,
{
    let mut seen = Vec::new();
    let mut positions = Vec::new();
    let mut request = PageRequest::first(limit(PAGE));
    let mut ended = false;
    for _ in 0..1_000 {
        let page = fetch(request).await.expect("read a page");
        for item in &page.items {
            seen.push(id_of(item));
            positions.push(position(item));
        }
        match page.next_cursor {
            Some(cursor) => request = PageRequest::after(cursor, limit(PAGE)),
            None => {
                ended = true;
                break;
            }
        }
        inserter.insert_two().await;
    }
    let inserted = inserter.finish().await;
    assert!(ended, "pagination did not end after 1000 pages");
    assert!(inserted >= 2, "the inserter never ran");

    let distinct: HashSet<K> = seen.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        seen.len(),
        "an item was listed twice while items were inserted"
    );
    let in_order = positions
        .windows(2)
        .all(|w| if descending { w[0] > w[1] } else { w[0] < w[1] });
    assert!(in_order, "pages left the list order");
    let existing_seen: Vec<K> = seen
        .iter()
        .copied()
        .filter(|k| existing.contains(k))
        .collect();
    assert_eq!(
        existing_seen, existing,
        "every pre-existing item, once, in order"
    );
}

/// A creator's followers while new followers arrive.
pub async fn followers_pagination_is_stable_under_inserts(ports: &Ports) {
    let star = seller(&*ports.catalog).await;
    let c = star.creator.id;
    let base = now() - TimeDelta::hours(1);
    let mut existing = Vec::new();
    for (i, fan) in users(&*ports.catalog, EXISTING)
        .await
        .into_iter()
        .enumerate()
    {
        ports
            .follows
            .follow(fan.id, c, base + TimeDelta::seconds(i as i64))
            .await
            .unwrap();
        existing.push(fan.id);
    }
    existing.reverse();
    let p = ports.clone();
    let inserter = Inserter::start(move || {
        let p = p.clone();
        async move {
            let fan = user(&*p.catalog).await;
            p.follows.follow(fan.id, c, now()).await.unwrap();
        }
    });
    paginate_while_inserting(
        existing,
        inserter,
        |page| ports.follows.followers(c, page),
        |f| f.user_id,
        |f| (f.created_at.timestamp_micros(), f.user_id.as_uuid()),
        true,
    )
    .await;
}

/// A creator's products while new products are added.
pub async fn products_pagination_is_stable_under_inserts(ports: &Ports) {
    let seller = seller(&*ports.catalog).await;
    let base = now() - TimeDelta::hours(1);
    let mut existing = Vec::new();
    for i in 0..EXISTING {
        existing.push(
            product_at(
                &*ports.catalog,
                &seller,
                base + TimeDelta::seconds(i as i64),
            )
            .await
            .id,
        );
    }
    existing.reverse();
    let (p, s) = (ports.clone(), seller.clone());
    let inserter = Inserter::start(move || {
        let (p, s) = (p.clone(), s.clone());
        async move {
            product(&*p.catalog, &s).await;
        }
    });
    paginate_while_inserting(
        existing,
        inserter,
        |page| ports.catalog.products_by_creator(seller.creator.id, page),
        |p| p.id,
        |p| (p.created_at.timestamp_micros(), p.id.as_uuid()),
        true,
    )
    .await;
}

/// Scheduled drops while drops starting earlier are scheduled.
pub async fn drops_by_status_pagination_is_stable_under_inserts(ports: &Ports) {
    let seller = seller(&*ports.catalog).await;
    let product = product(&*ports.catalog, &seller).await;
    let far = now() + TimeDelta::days(500);
    let mut existing = Vec::new();
    for i in 0..EXISTING {
        let start = far + TimeDelta::minutes(i as i64);
        let w = window(start, start + TimeDelta::hours(1));
        existing.push(
            drop_of(&*ports.catalog, &seller, &product, w, plan(1, 0, None))
                .await
                .id,
        );
    }
    let (p, s, pr) = (ports.clone(), seller.clone(), product.clone());
    let earlier = Arc::new(AtomicUsize::new(0));
    let inserter = Inserter::start(move || {
        let (p, s, pr, earlier) = (p.clone(), s.clone(), pr.clone(), earlier.clone());
        async move {
            let n = earlier.fetch_add(1, Ordering::SeqCst) as i64;
            let start = now() + TimeDelta::days(300) - TimeDelta::minutes(n);
            drop_of(
                &*p.catalog,
                &s,
                &pr,
                window(start, start + TimeDelta::hours(1)),
                plan(1, 0, None),
            )
            .await;
        }
    });
    paginate_while_inserting(
        existing,
        inserter,
        |page| ports.catalog.drops_by_status(DropStatus::Scheduled, page),
        |d| d.id,
        |d| (d.window.start_at().timestamp_micros(), d.id.as_uuid()),
        false,
    )
    .await;
}

/// A user's orders while they keep ordering.
pub async fn orders_pagination_is_stable_under_inserts(ports: &Ports) {
    let shop = shop(
        &*ports.catalog,
        live_window(now() - TimeDelta::minutes(30)),
        plan(100_000, 0, None),
    )
    .await;
    let buyer = user(&*ports.catalog).await.id;
    let drop_id = shop.drop.id;
    let base = now() - TimeDelta::minutes(20);
    let mut existing = Vec::new();
    for i in 0..EXISTING {
        let mut req = order_request(buyer, drop_id, 1, &key());
        req.now = base + TimeDelta::seconds(i as i64);
        existing.push(ports.ledger.place_order(&req).await.unwrap().order().id);
    }
    existing.reverse();
    let ledger = ports.ledger.clone();
    let inserter = Inserter::start(move || {
        let ledger = ledger.clone();
        async move {
            buy_ok(&*ledger, buyer, drop_id, 1).await;
        }
    });
    paginate_while_inserting(
        existing,
        inserter,
        |page| ports.ledger.orders_by_user(buyer, page),
        |o| o.id,
        |o| (o.created_at.timestamp_micros(), o.id.as_uuid()),
        true,
    )
    .await;
    assert_invariant(&*ports.ledger, drop_id).await;
}
