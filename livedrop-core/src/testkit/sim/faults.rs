//! Fault-injecting wrappers around the order path's ports.
//!
//! The simulation drives every operation by polling its future with a no-op waker, one poll
//! per step. In-memory ports finish every call within one poll, so without help an operation
//! would run start to finish in a single step and nothing would ever interleave. The wrappers
//! here create the interleaving points: every wrapped call yields once before and once after
//! the real call, so one poll runs at most one real port call and other operations can run
//! between any two port calls of a request.
//!
//! They also inject the failures real backends have, drawn from the simulation's seeded RNG:
//! - *before*: the call fails with [`Error::Unavailable`] and the real port is never called
//!   (a refused connection: nothing happened);
//! - *after*: the real call runs and commits, then the caller gets [`Error::Unavailable`]
//!   anyway (a timeout on the reply: the classic ambiguous failure). A retry with the same
//!   idempotency key must then replay the committed order, never buy twice.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::domain::{Cancellation, DropStock, IdempotencyKey, Order};
use crate::ids::{DropId, OrderId, UserId};
use crate::pagination::{Page, PageRequest};
use crate::ports::{
    Begin, DropTransition, Fingerprint, IdempotencyRecord, IdempotencyStore, Ledger, LedgerSummary,
    OrderAnswer, OrderRequest, Placement,
};
use crate::{Error, Result};

/// How often wrapped calls fail. Each probability is per call, drawn independently.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FaultConfig {
    /// Ledger call fails before reaching the ledger.
    pub ledger_before: f64,
    /// Ledger call commits, then reports a failure (ambiguous).
    pub ledger_after: f64,
    /// Idempotency store call fails before reaching the store.
    pub idempotency_before: f64,
    /// Idempotency store call takes effect, then reports a failure.
    pub idempotency_after: f64,
}

impl FaultConfig {
    /// No faults: the wrappers only yield.
    pub const NONE: FaultConfig = FaultConfig {
        ledger_before: 0.0,
        ledger_after: 0.0,
        idempotency_before: 0.0,
        idempotency_after: 0.0,
    };
}

impl Default for FaultConfig {
    /// Frequent enough that most runs of a few thousand steps hit every fault path many
    /// times, rare enough that most orders still get through.
    fn default() -> Self {
        Self {
            ledger_before: 0.04,
            ledger_after: 0.04,
            idempotency_before: 0.04,
            idempotency_after: 0.04,
        }
    }
}

/// What the wrappers did, for the report and the oracle.
#[derive(Clone, Debug, Default)]
pub struct FaultLog {
    /// Wrapped calls made.
    pub calls: u64,
    /// Failures injected before the real call.
    pub before: u64,
    /// Failures injected after the real call took effect.
    pub after: u64,
    /// Every order the ledger confirmed, at the poll that committed it, and whether an
    /// after-fault hid it from its caller. The oracle drains this list after each poll, so
    /// it checks an order at the very step it commits; for a hidden one, a later answer for
    /// the same `(user, key)` must be exactly this order.
    pub committed: Vec<(Order, bool)>,
}

/// The fault decision for one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    None,
    Before,
    After,
}

/// The seeded randomness and the log, shared by all wrappers of one simulation run.
#[derive(Clone)]
pub struct Injector {
    rng: Arc<Mutex<ChaCha8Rng>>,
    config: FaultConfig,
    log: Arc<Mutex<FaultLog>>,
}

impl fmt::Debug for Injector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Injector")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Injector {
    /// An injector drawing from `rng` (its own stream, so fault draws never shift the
    /// simulation's choice of operations).
    pub fn new(rng: ChaCha8Rng, config: FaultConfig) -> Self {
        Self {
            rng: Arc::new(Mutex::new(rng)),
            config,
            log: Arc::new(Mutex::new(FaultLog::default())),
        }
    }

    /// The log so far.
    pub fn log(&self) -> MutexGuard<'_, FaultLog> {
        self.log
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn draw(&self, before: f64, after: f64) -> Fault {
        let mut rng = self
            .rng
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // One draw per call whatever the probabilities, so changing them keeps the stream
        // aligned with the calls.
        let roll: f64 = rng.random();
        drop(rng);
        let fault = if roll < before {
            Fault::Before
        } else if roll < before + after {
            Fault::After
        } else {
            Fault::None
        };
        let mut log = self.log();
        log.calls += 1;
        match fault {
            Fault::Before => log.before += 1,
            Fault::After => log.after += 1,
            Fault::None => {}
        }
        fault
    }

    /// Runs `call` between two yields, injecting a fault drawn with the given odds.
    /// `on_done` sees the real result of a call that ran, and whether a fault hides it.
    async fn run<T, F>(
        &self,
        what: &'static str,
        odds: (f64, f64),
        call: F,
        on_done: impl FnOnce(&T, bool),
    ) -> Result<T>
    where
        F: Future<Output = Result<T>>,
    {
        YieldOnce::default().await;
        let fault = self.draw(odds.0, odds.1);
        if fault == Fault::Before {
            YieldOnce::default().await;
            return Err(Error::unavailable(
                "sim",
                format!("injected failure before {what}"),
            ));
        }
        let result = call.await;
        if let Ok(value) = &result {
            on_done(value, fault == Fault::After);
        }
        YieldOnce::default().await;
        if fault == Fault::After {
            return Err(Error::unavailable(
                "sim",
                format!("injected failure after {what}"),
            ));
        }
        result
    }
}

/// A future that is pending on its first poll and ready on the second: one interleaving
/// point. It wakes its waker so it also behaves under a real executor.
#[derive(Debug, Default)]
pub struct YieldOnce {
    yielded: bool,
}

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            Poll::Ready(())
        } else {
            self.yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// A [`Ledger`] that yields around and injects faults into the order path's calls. Reads
/// (`stock`, `order`, `orders_by_user`, `summary`) pass straight through: the oracle uses
/// the unwrapped port, and the services under test do not read through this one.
#[derive(Debug)]
pub struct FaultyLedger {
    inner: Arc<dyn Ledger>,
    injector: Injector,
}

impl FaultyLedger {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn Ledger>, injector: Injector) -> Self {
        Self { inner, injector }
    }

    fn odds(&self) -> (f64, f64) {
        (
            self.injector.config.ledger_before,
            self.injector.config.ledger_after,
        )
    }
}

#[async_trait]
impl Ledger for FaultyLedger {
    async fn place_order(&self, req: &OrderRequest) -> Result<Placement> {
        let injector = &self.injector;
        let record = |placement: &Placement, hidden: bool| {
            if let Placement::Confirmed(order) = placement {
                injector.log().committed.push((order.clone(), hidden));
            }
        };
        injector
            .run(
                "place_order",
                self.odds(),
                self.inner.place_order(req),
                record,
            )
            .await
    }

    async fn cancel_order(
        &self,
        order_id: OrderId,
        user_id: UserId,
        now: DateTime<Utc>,
    ) -> Result<Cancellation> {
        let call = self.inner.cancel_order(order_id, user_id, now);
        self.injector
            .run("cancel_order", self.odds(), call, |_, _| {})
            .await
    }

    async fn advance_drops(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<DropTransition>> {
        let call = self.inner.advance_drops(now, limit);
        self.injector
            .run("advance_drops", self.odds(), call, |_, _| {})
            .await
    }

    async fn next_due(&self) -> Result<Option<DateTime<Utc>>> {
        // A read: nothing to inject that the scheduler's own tick does not already meet.
        self.inner.next_due().await
    }

    async fn stock(&self, drop_id: DropId) -> Result<DropStock> {
        self.inner.stock(drop_id).await
    }

    async fn order(&self, order_id: OrderId) -> Result<Order> {
        self.inner.order(order_id).await
    }

    async fn orders_by_user(&self, user_id: UserId, page: PageRequest) -> Result<Page<Order>> {
        self.inner.orders_by_user(user_id, page).await
    }

    async fn summary(&self, drop_id: DropId) -> Result<LedgerSummary> {
        self.inner.summary(drop_id).await
    }
}

/// An [`IdempotencyStore`] that yields around and injects faults into every call.
#[derive(Debug)]
pub struct FaultyIdempotency {
    inner: Arc<dyn IdempotencyStore>,
    injector: Injector,
}

impl FaultyIdempotency {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn IdempotencyStore>, injector: Injector) -> Self {
        Self { inner, injector }
    }

    fn odds(&self) -> (f64, f64) {
        (
            self.injector.config.idempotency_before,
            self.injector.config.idempotency_after,
        )
    }
}

#[async_trait]
impl IdempotencyStore for FaultyIdempotency {
    async fn begin(
        &self,
        user: UserId,
        key: &IdempotencyKey,
        fingerprint: &Fingerprint,
    ) -> Result<Begin> {
        let call = self.inner.begin(user, key, fingerprint);
        self.injector
            .run("idempotency begin", self.odds(), call, |_, _| {})
            .await
    }

    async fn complete(
        &self,
        user: UserId,
        key: &IdempotencyKey,
        fingerprint: &Fingerprint,
        answer: &OrderAnswer,
    ) -> Result<()> {
        let call = self.inner.complete(user, key, fingerprint, answer);
        self.injector
            .run("idempotency complete", self.odds(), call, |_, _| {})
            .await
    }

    async fn abandon(
        &self,
        user: UserId,
        key: &IdempotencyKey,
        fingerprint: &Fingerprint,
    ) -> Result<()> {
        let call = self.inner.abandon(user, key, fingerprint);
        self.injector
            .run("idempotency abandon", self.odds(), call, |_, _| {})
            .await
    }

    async fn lookup(
        &self,
        user: UserId,
        key: &IdempotencyKey,
    ) -> Result<Option<IdempotencyRecord>> {
        let call = self.inner.lookup(user, key);
        self.injector
            .run("idempotency lookup", self.odds(), call, |_, _| {})
            .await
    }
}

#[cfg(test)]
mod tests {
    use std::pin::pin;
    use std::task::Waker;

    use rand::SeedableRng;

    use super::*;

    #[test]
    fn yield_once_is_pending_exactly_once() {
        let mut cx = Context::from_waker(Waker::noop());
        let mut fut = pin!(YieldOnce::default());
        assert!(fut.as_mut().poll(&mut cx).is_pending());
        assert!(fut.as_mut().poll(&mut cx).is_ready());
    }

    #[test]
    fn fault_draws_follow_the_seed_and_the_odds() {
        let config = FaultConfig {
            ledger_before: 0.2,
            ledger_after: 0.3,
            ..FaultConfig::NONE
        };
        let draws = |seed| {
            let injector = Injector::new(ChaCha8Rng::seed_from_u64(seed), config);
            let faults: Vec<Fault> = (0..2_000).map(|_| injector.draw(0.2, 0.3)).collect();
            let log = injector.log().clone();
            (faults, log.before, log.after, log.calls)
        };
        let (a, before, after, calls) = draws(7);
        assert_eq!(a, draws(7).0, "same seed, same faults");
        assert_ne!(a, draws(8).0, "another seed, other faults");
        assert_eq!(calls, 2_000);
        assert!((300..500).contains(&before), "about 20% before: {before}");
        assert!((500..700).contains(&after), "about 30% after: {after}");
        let none = Injector::new(ChaCha8Rng::seed_from_u64(1), FaultConfig::NONE);
        assert!((0..1_000).all(|_| none.draw(0.0, 0.0) == Fault::None));
    }
}
