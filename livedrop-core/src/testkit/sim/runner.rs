//! The run loop: each step moves the clock (maybe), then starts an operation or polls one
//! in-flight operation once, then checks every drop's books. A failed check stops the run
//! with the seed, the step and the last steps' trace.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::faults::{FaultyIdempotency, FaultyLedger, Injector};
use super::ops::{DropPick, History, OpGen, OpSpec};
use super::oracle::{Oracle, Violation, read};
use super::{SimConfig, SimFailure, SimReport, stream, world};
use crate::Result;
use crate::clock::{Clock, ManualClock};
use crate::domain::Cancellation;
use crate::ids::{DropId, OrderId, UserId};
use crate::ports::{DropTransition, IdempotencyStore, Ledger, Outbox, Ports};
use crate::services::{OrderService, Receipt, Scheduler};

/// Chance per step that a new operation starts (when below the in-flight cap): a little
/// under one half keeps several operations in flight, so their port calls interleave.
const START_CHANCE: f64 = 0.45;
/// Chance per step that the clock moves, and by how much at most.
const CLOCK_CHANCE: f64 = 0.25;
const CLOCK_MAX_MS: i64 = 480;
/// Mean simulated milliseconds per step (`CLOCK_CHANCE * CLOCK_MAX_MS / 2`), to lay the
/// drops' windows over the run.
const MEAN_MS_PER_STEP: i64 = 60;
/// An operation makes at most a handful of port calls, each two polls; one still pending
/// after this many polls is stuck.
const MAX_OP_POLLS: u32 = 200;
/// Steps of trace kept for a failure report.
const TRACE_LINES: usize = 40;

/// Where every run's clock starts: fixed, so the drops' windows are the seed's alone.
fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

pub(super) enum OpResult {
    Place(Result<Receipt>),
    Cancel(Result<Cancellation>),
    Tick(Result<Vec<DropTransition>>),
}

pub(super) struct InFlight {
    pub(super) id: u64,
    pub(super) spec: OpSpec,
    pub(super) label: String,
    pub(super) started_at: DateTime<Utc>,
    pub(super) order_before: Option<OrderId>,
    pub(super) polls: u32,
    pub(super) future: Pin<Box<dyn Future<Output = OpResult>>>,
}

/// One run in progress.
pub(super) struct Sim<'a> {
    pub(super) config: &'a SimConfig,
    pub(super) rng: ChaCha8Rng,
    pub(super) clock: Arc<ManualClock>,
    pub(super) orders: OrderService,
    pub(super) scheduler: Scheduler,
    pub(super) ledger: Arc<dyn Ledger>,
    pub(super) idempotency: Arc<dyn IdempotencyStore>,
    pub(super) outbox: Arc<dyn Outbox>,
    pub(super) injector: Injector,
    pub(super) generator: OpGen,
    pub(super) history: History,
    pub(super) oracle: Oracle,
    pub(super) users: Vec<UserId>,
    pub(super) drop_ids: Vec<DropId>,
    pub(super) missing_drop: DropId,
    pub(super) in_flight: Vec<InFlight>,
    pub(super) step: u64,
    pub(super) report: SimReport,
    pub(super) trace: VecDeque<String>,
}

impl<'a> Sim<'a> {
    /// Builds the world in `ports` and wires the services over fault-injecting wrappers.
    pub(super) fn new(config: &'a SimConfig, ports: Ports) -> Result<Self, SimFailure> {
        let clock = Arc::new(ManualClock::new(epoch()));
        // Capped at ten years so that absurd step counts cannot overflow the window maths.
        let span_ms = i64::try_from(config.steps)
            .unwrap_or(i64::MAX)
            .saturating_mul(MEAN_MS_PER_STEP)
            .min(10 * 365 * 24 * 3_600 * 1_000);
        let span = TimeDelta::milliseconds(span_ms);
        let mut world_rng = stream(config.seed, 1);
        let world = world::build(
            ports.catalog.as_ref(),
            &mut world_rng,
            epoch(),
            span,
            config.users.max(2),
            config.drops.max(1),
        )
        .map_err(|message| failure(config, 0, message, &VecDeque::new()))?;
        let injector = Injector::new(stream(config.seed, 2), config.faults);
        let faulty_ledger: Arc<dyn Ledger> =
            Arc::new(FaultyLedger::new(ports.ledger.clone(), injector.clone()));
        let faulty_idempotency = Arc::new(FaultyIdempotency::new(
            ports.idempotency.clone(),
            injector.clone(),
        ));
        let orders = OrderService::new(faulty_ledger.clone(), faulty_idempotency, clock.clone());
        let scheduler = Scheduler::new(faulty_ledger, clock.clone(), config.scheduler_batch);
        let drop_ids = world.drops.iter().map(|d| d.id).collect();
        Ok(Self {
            config,
            rng: stream(config.seed, 0),
            generator: OpGen::new(world.users.len(), world.drops.len()),
            oracle: Oracle::new(world.drops, world.users.clone()),
            users: world.users,
            drop_ids,
            missing_drop: world.missing_drop,
            clock,
            orders,
            scheduler,
            ledger: ports.ledger,
            idempotency: ports.idempotency,
            outbox: ports.outbox,
            injector,
            history: History::default(),
            in_flight: Vec::new(),
            step: 0,
            report: SimReport {
                seed: config.seed,
                ..SimReport::default()
            },
            trace: VecDeque::with_capacity(TRACE_LINES),
        })
    }

    /// Runs every step, finishes what is in flight, then runs the final audit.
    pub(super) fn run(mut self) -> Result<SimReport, SimFailure> {
        let outcome = self.run_steps();
        outcome.map_err(|message| failure(self.config, self.step, message, &self.trace))?;
        Ok(self.report)
    }

    fn run_steps(&mut self) -> Result<(), Violation> {
        // The books as created, before anything ran.
        self.oracle
            .check_step(self.ledger.as_ref(), self.clock.now())?;
        while self.step < self.config.steps || !self.in_flight.is_empty() {
            self.step += 1;
            self.move_clock();
            let starting = self.step <= self.config.steps
                && (self.in_flight.is_empty()
                    || (self.in_flight.len() < self.config.max_in_flight.max(1)
                        && self.rng.random_bool(START_CHANCE)));
            let action = if starting {
                let now = self.clock.now();
                let open: Vec<usize> = (self.oracle.drops().iter().enumerate())
                    .filter(|(_, d)| d.window.start_at() <= now && now < d.window.end_at())
                    .map(|(i, _)| i)
                    .collect();
                match self.generator.next(&mut self.rng, &mut self.history, &open) {
                    OpSpec::ExpireLock { key } => self.expire_lock(key)?,
                    spec => self.start(spec)?,
                }
            } else {
                let at = self.rng.random_range(0..self.in_flight.len());
                self.poll(at)?
            };
            self.record(format!("{} t+{}ms {action}", self.step, self.elapsed_ms()));
            let books = self
                .oracle
                .check_step(self.ledger.as_ref(), self.clock.now())?;
            self.report.invariant_checks += 1;
            self.record_books(&books);
            if self.config.audit_every > 0 && self.step.is_multiple_of(self.config.audit_every) {
                self.oracle.audit(self.ledger.as_ref(), &self.history)?;
                self.report.audits += 1;
            }
        }
        let orders = self.oracle.audit(self.ledger.as_ref(), &self.history)?;
        self.report.audits += 1;
        if self.config.check_events {
            self.report.events = self.oracle.check_events(self.outbox.as_ref(), &orders)?;
        }
        let log = self.injector.log();
        self.report.port_calls = log.calls;
        self.report.faults_before = log.before;
        self.report.faults_after = log.after;
        drop(log);
        self.report.steps = self.step;
        self.report.sim_millis = self.elapsed_ms();
        Ok(())
    }

    fn move_clock(&mut self) {
        if self.rng.random_bool(CLOCK_CHANCE) {
            self.clock.advance(TimeDelta::milliseconds(
                self.rng.random_range(1..=CLOCK_MAX_MS),
            ));
        }
    }

    fn elapsed_ms(&self) -> i64 {
        (self.clock.now() - epoch()).num_milliseconds()
    }

    /// Starts `spec` and polls it once (so a tick reads the clock now).
    fn start(&mut self, spec: OpSpec) -> Result<String, Violation> {
        self.oracle.sync_keys(&self.history);
        let id = self.report.ops_started;
        self.report.ops_started += 1;
        let (label, order_before, future): (
            String,
            Option<OrderId>,
            Pin<Box<dyn Future<Output = OpResult>>>,
        ) = match &spec {
            OpSpec::Place { key, payload, kind } => {
                self.report.orders_attempted += 1;
                let issued = &self.history.keys[*key];
                let user = self.users[issued.user];
                let drop_id = match payload.drop {
                    DropPick::Known(d) => self.drop_ids[d],
                    DropPick::Missing => self.missing_drop,
                };
                let (key_name, qty, orders) =
                    (issued.key.clone(), payload.qty, self.orders.clone());
                let label = format!(
                    "{kind:?} u{}/{} {:?}x{}",
                    issued.user,
                    issued.key,
                    payload.drop,
                    qty.get()
                );
                let future = Box::pin(async move {
                    OpResult::Place(orders.place_order(user, key_name, drop_id, qty).await)
                });
                (label, self.oracle.order_of_key(*key), future)
            }
            OpSpec::Cancel { order, as_user } => {
                self.report.cancels += 1;
                let known = &self.history.orders[*order];
                let (order_id, user, orders) =
                    (known.id, self.users[*as_user], self.orders.clone());
                let label = format!("cancel order#{order} of u{} by u{as_user}", known.owner);
                let future =
                    Box::pin(
                        async move { OpResult::Cancel(orders.cancel_order(user, order_id).await) },
                    );
                (label, None, future)
            }
            OpSpec::ExpireLock { .. } => return Err("a lock expiry is not an operation".into()),
            OpSpec::Tick => {
                self.report.ticks += 1;
                let scheduler = self.scheduler.clone();
                (
                    "tick".to_owned(),
                    None,
                    Box::pin(async move { OpResult::Tick(scheduler.tick().await) }),
                )
            }
        };
        self.in_flight.push(InFlight {
            id,
            spec,
            label,
            started_at: self.clock.now(),
            order_before,
            polls: 0,
            future,
        });
        self.report.max_in_flight = self.report.max_in_flight.max(self.in_flight.len());
        let polled = self.poll(self.in_flight.len() - 1)?;
        Ok(format!("start {polled}"))
    }

    /// Expires key `key`'s in-flight lock the way the store's `lock_ttl` would: `abandon`
    /// on the unwrapped store deletes an in-flight record of that fingerprint and nothing
    /// else (a completed answer stays).
    fn expire_lock(&mut self, key: usize) -> Result<String, Violation> {
        let issued = &self.history.keys[key];
        let user = self.users[issued.user];
        for payload in &issued.payloads {
            let drop_id = match payload.drop {
                DropPick::Known(d) => self.drop_ids[d],
                DropPick::Missing => self.missing_drop,
            };
            let fingerprint = OrderService::fingerprint(drop_id, payload.qty);
            read(
                "idempotency abandon",
                self.idempotency.abandon(user, &issued.key, &fingerprint),
            )?;
        }
        self.report.locks_expired += 1;
        Ok(format!("expire lock u{}/{}", issued.user, issued.key))
    }

    /// Polls in-flight operation `at` once; settles it if it finished.
    fn poll(&mut self, at: usize) -> Result<String, Violation> {
        let op = &mut self.in_flight[at];
        op.polls += 1;
        let mut cx = Context::from_waker(Waker::noop());
        let polled = op.future.as_mut().poll(&mut cx);
        // Whatever the poll did, check first any order it committed.
        let committed = std::mem::take(&mut self.injector.log().committed);
        match self.oracle.absorb_committed(&self.history, committed) {
            Ok(hidden) => self.report.hidden_commits += hidden,
            Err(violation) => {
                let op = &self.in_flight[at];
                return Err(format!(
                    "{violation} (committed by #{} {}, poll {})",
                    op.id, op.label, op.polls
                ));
            }
        }
        match polled {
            Poll::Pending => {
                let op = &self.in_flight[at];
                if op.polls > MAX_OP_POLLS {
                    return Err(format!(
                        "operation #{} ({}) still pending after {} polls",
                        op.id, op.label, op.polls
                    ));
                }
                Ok(format!("#{} {} (poll {})", op.id, op.label, op.polls))
            }
            Poll::Ready(result) => {
                let op = self.in_flight.swap_remove(at);
                match self.settle(&op, result) {
                    Ok(outcome) => Ok(format!("#{} {} -> {outcome}", op.id, op.label)),
                    Err(violation) => {
                        Err(format!("{violation} (answer of #{} {})", op.id, op.label))
                    }
                }
            }
        }
    }

    /// Appends the books' picture to the step's trace line.
    fn record_books(&mut self, books: &str) {
        self.report.trace_digest = fnv1a(self.report.trace_digest, books.as_bytes());
        if let Some(line) = self.trace.back_mut() {
            line.push_str(" | ");
            line.push_str(books);
        }
    }

    fn record(&mut self, line: String) {
        self.report.trace_digest = fnv1a(self.report.trace_digest, line.as_bytes());
        if self.trace.len() == TRACE_LINES {
            self.trace.pop_front();
        }
        self.trace.push_back(line);
    }
}

fn failure(config: &SimConfig, step: u64, message: String, trace: &VecDeque<String>) -> SimFailure {
    SimFailure {
        seed: config.seed,
        steps: config.steps,
        step,
        message,
        recent: trace.iter().cloned().collect(),
    }
}

/// FNV-1a, continued from `hash` (0 starts a fresh one): stable across platforms and Rust
/// versions, unlike `DefaultHasher`.
fn fnv1a(hash: u64, bytes: &[u8]) -> u64 {
    let mut hash = if hash == 0 {
        0xcbf2_9ce4_8422_2325
    } else {
        hash
    };
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}
