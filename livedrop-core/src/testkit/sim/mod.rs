//! A deterministic, seeded simulation of the order path, in the spirit of TigerBeetle's VOPR.
//!
//! One seed decides everything: the drops (stock, low-stock threshold, per-user limit,
//! window), the operations (new orders, retries under the same key, key reuse with another
//! payload, cancels, scheduler ticks), how they interleave, when the clock moves and which
//! port calls fail. The invariant and the oracle's checks run after every step, and a failure
//! names its seed and step; running the same seed again replays the same run.
//!
//! # How it runs without threads
//! Every operation is a future over the real services ([`OrderService`], [`Scheduler`]) and
//! the backend's ports, wrapped by [`faults`] so that each port call yields before and after
//! itself and may fail. A step either starts an operation or polls one in-flight operation,
//! chosen by the seed, exactly once with a no-op waker; one poll runs at most one real port
//! call. Nothing uses a runtime, timers or spawned tasks, so the interleaving is the seed's.
//!
//! # What makes a replay exact
//! The simulation's own choices come from [`ChaCha8Rng`] streams of the seed and a
//! [`ManualClock`]. The backend must be deterministic too: in-memory ports are, as long as
//! nothing in them expires by wall-clock time during the run (use an idempotency policy
//! whose lifetimes exceed the run). [`SimReport::trace_digest`] hashes the step-by-step
//! trace, so a test can check that one seed really replays.
//!
//! # Layout
//! Generating, running and checking are apart, so each check can be read (and trusted)
//! without the machinery that drives it:
//! - This file: what to run ([`SimConfig`]), what a run did ([`SimReport`]) or where it
//!   failed ([`SimFailure`]), and [`run`].
//! - `world`: the buyers, creator and drops the seed builds.
//! - [`ops`]: choosing the next operation from the history and the RNG; pure (no port),
//!   so the same seed and history give the same operation, tested without a backend.
//! - [`faults`]: the ledger and idempotency store wrapped so each call yields around
//!   itself (the interleaving points) and fails as the seed says.
//! - `runner`: the step loop: move the clock, start or poll one operation over the real
//!   services, check every drop's books.
//! - `settle`: a finished operation's answer, checked and filed into the history and
//!   the report.
//! - The checks: [`oracle`] (after every step, and of each order as the ledger commits
//!   it), [`answers`] (of every answer an operation gets), `audit` (every order the ledger
//!   holds, every few steps, and the outbox against the books at the end).
//!
//! [`OrderService`]: crate::services::OrderService
//! [`Scheduler`]: crate::services::Scheduler
//! [`ManualClock`]: crate::clock::ManualClock

pub mod answers;
mod audit;
pub mod faults;
pub mod ops;
pub mod oracle;
mod runner;
mod settle;
mod world;

use std::fmt;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

pub use audit::EventCounts;
pub use faults::FaultConfig;
use rand_chacha::ChaCha8Rng;

use crate::ports::Ports;

/// The environment variable that selects one seed to replay.
pub const SEED_ENV: &str = "LIVEDROP_SIM_SEED";
/// The environment variable that overrides the number of steps.
pub const STEPS_ENV: &str = "LIVEDROP_SIM_STEPS";

/// What to simulate.
#[derive(Clone, Debug, PartialEq)]
pub struct SimConfig {
    /// Decides everything.
    pub seed: u64,
    /// Steps before the run stops starting operations (in-flight ones are then finished,
    /// step by step, still checked).
    pub steps: u64,
    /// Buyers.
    pub users: usize,
    /// Drops.
    pub drops: usize,
    /// Most operations in flight at once.
    pub max_in_flight: usize,
    /// Steps between ledger-wide audits (every user's orders); one also runs at the end.
    pub audit_every: u64,
    /// Drops per `advance_drops` call of the scheduler.
    pub scheduler_batch: usize,
    /// Injected failures.
    pub faults: FaultConfig,
    /// Whether to check the outbox's events against the books at the end.
    pub check_events: bool,
}

impl SimConfig {
    /// The default mix for `seed`, running `steps` steps.
    pub fn new(seed: u64, steps: u64) -> Self {
        Self {
            seed,
            steps,
            users: 5,
            drops: 4,
            max_in_flight: 8,
            audit_every: 50,
            scheduler_batch: 2,
            faults: FaultConfig::default(),
            check_events: true,
        }
    }
}

/// What a run did: proof that it exercised what it claims.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimReport {
    /// The seed.
    pub seed: u64,
    /// Steps run (including those that finished the last in-flight operations).
    pub steps: u64,
    /// Steps after which every drop's books were checked (equals `steps` in a passing run).
    pub invariant_checks: u64,
    /// Ledger-wide audits run.
    pub audits: u64,
    /// Operations started.
    pub ops_started: u64,
    /// Most operations in flight at once.
    pub max_in_flight: usize,
    /// Order attempts (new keys, retries and reuses).
    pub orders_attempted: u64,
    /// Orders the ledger confirmed to the caller as new.
    pub orders_confirmed: u64,
    /// Attempts answered with an existing order of their key (a replay).
    pub orders_replayed: u64,
    /// Attempts refused (sold out, not live, limit, ...) by the ledger.
    pub orders_rejected: u64,
    /// Attempts answered with a stored refusal.
    pub rejections_replayed: u64,
    /// Attempts that ended in an error (injected unavailability, key in flight or reused).
    pub order_errors: u64,
    /// Of those, attempts that found their key locked by an earlier attempt.
    pub keys_locked: u64,
    /// Of those, attempts refused for reusing a key with another payload.
    pub keys_reused: u64,
    /// Key locks expired (standing in for the store's `lock_ttl`).
    pub locks_expired: u64,
    /// Orders the ledger confirmed while the caller was told the call failed.
    pub hidden_commits: u64,
    /// Of those, how many a later retry with the same key returned (never a second order).
    pub hidden_recovered: u64,
    /// Cancel attempts.
    pub cancels: u64,
    /// Cancels that returned stock.
    pub cancels_applied: u64,
    /// Cancels of an already cancelled order (nothing returned).
    pub cancels_repeated: u64,
    /// Cancels of someone else's order, refused as not found.
    pub cancels_refused: u64,
    /// Scheduler ticks.
    pub ticks: u64,
    /// Drop transitions the ticks applied.
    pub transitions: u64,
    /// Wrapped port calls.
    pub port_calls: u64,
    /// Failures injected before the real call.
    pub faults_before: u64,
    /// Failures injected after the real call took effect.
    pub faults_after: u64,
    /// Outbox events checked at the end.
    pub events: EventCounts,
    /// Simulated time covered, in milliseconds.
    pub sim_millis: i64,
    /// FNV-1a of the step-by-step trace: equal for two runs of one seed.
    pub trace_digest: u64,
}

impl fmt::Display for SimReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "seed {}: {} steps ({} checked, {} audits), {} ops (max {} in flight); orders: {} attempted, {} confirmed, \
             {} replayed, {} rejected, {} refusals replayed, {} errors ({} key locked, {} key reused), {} locks expired, \
             {} hidden commits ({} recovered); cancels: {} \
             ({} applied, {} repeated, {} refused); ticks: {} ({} transitions); faults: {} before + {} after in {} \
             calls; {} events checked; {:.1}s simulated; trace {:016x}",
            self.seed,
            self.steps,
            self.invariant_checks,
            self.audits,
            self.ops_started,
            self.max_in_flight,
            self.orders_attempted,
            self.orders_confirmed,
            self.orders_replayed,
            self.orders_rejected,
            self.rejections_replayed,
            self.order_errors,
            self.keys_locked,
            self.keys_reused,
            self.locks_expired,
            self.hidden_commits,
            self.hidden_recovered,
            self.cancels,
            self.cancels_applied,
            self.cancels_repeated,
            self.cancels_refused,
            self.ticks,
            self.transitions,
            self.faults_before,
            self.faults_after,
            self.port_calls,
            self.events.checked,
            self.sim_millis as f64 / 1000.0,
            self.trace_digest,
        )
    }
}

/// A run that broke a check: where, why, what led there, and how to replay it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct SimFailure {
    /// The seed that fails.
    pub seed: u64,
    /// The configured steps (the world's windows depend on it, so a replay needs it too).
    pub steps: u64,
    /// The step at which a check failed (0: while setting up).
    pub step: u64,
    /// What failed.
    pub message: String,
    /// The last steps before the failure, oldest first.
    pub recent: Vec<String>,
}

impl fmt::Display for SimFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "simulation failed at step {} of {} (seed {}): {}",
            self.step, self.steps, self.seed, self.message
        )?;
        if !self.recent.is_empty() {
            writeln!(f, "last steps, oldest first:")?;
            for line in &self.recent {
                writeln!(f, "  {line}")?;
            }
        }
        write!(
            f,
            "replay with: {SEED_ENV}={} {STEPS_ENV}={} cargo test -p livedrop-adapters --test simulation -- --nocapture",
            self.seed, self.steps
        )
    }
}

/// Runs one simulation over fresh ports from `make_ports`. Synchronous: it drives every
/// future itself, so call it from a plain `#[test]`, not inside an async runtime's task.
///
/// The simulation wraps the ledger and the idempotency store in [`faults`] wrappers for the
/// services it drives; its checks read the unwrapped ports.
pub fn run(config: &SimConfig, make_ports: impl Fn() -> Ports) -> Result<SimReport, SimFailure> {
    runner::Sim::new(config, make_ports())?.run()
}

/// Polls `future` with a no-op waker until it is ready; `None` if it is still pending after
/// many polls (it awaits something that nothing in the simulation will ever complete).
pub fn block_on_noop<F: Future>(future: F) -> Option<F::Output> {
    const POLLS: usize = 1_000;
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..POLLS {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return Some(value);
        }
    }
    None
}

/// Reads a `u64` from the environment variable `name`; `None` when unset. A set but
/// malformed value panics, so a mistyped replay seed never silently runs something else.
pub fn env_u64(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    match value.trim().parse() {
        Ok(n) => Some(n),
        Err(_) => panic!("{name}={value:?} is not an unsigned integer"),
    }
}

/// The RNG stream `stream` of `seed`: the operations, the world and the faults each draw
/// from their own stream, so a change in one (a new fault probability, say) does not
/// reshuffle the others.
fn stream(seed: u64, stream: u64) -> ChaCha8Rng {
    use rand::SeedableRng;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::sim::faults::YieldOnce;

    #[test]
    fn block_on_noop_finishes_yielding_futures_and_gives_up_on_stuck_ones() {
        let ready = block_on_noop(async {
            YieldOnce::default().await;
            YieldOnce::default().await;
            7
        });
        assert_eq!(ready, Some(7));
        assert_eq!(block_on_noop(std::future::pending::<()>()), None);
    }

    #[test]
    fn streams_of_one_seed_are_reproducible_and_independent() {
        use rand::Rng;
        let draw = |seed, s| stream(seed, s).random::<u64>();
        assert_eq!(draw(5, 0), draw(5, 0));
        assert_ne!(draw(5, 0), draw(5, 1));
        assert_ne!(draw(5, 0), draw(6, 0));
    }

    #[test]
    fn a_failure_says_how_to_replay_it() {
        let failure = SimFailure {
            seed: 1234,
            steps: 500,
            step: 77,
            message: "INVARIANT BROKEN".into(),
            recent: vec!["76 poll #3".into()],
        };
        let text = failure.to_string();
        assert!(
            text.contains("step 77")
                && text.contains("INVARIANT BROKEN")
                && text.contains("76 poll #3")
        );
        assert!(text.contains("LIVEDROP_SIM_SEED=1234 LIVEDROP_SIM_STEPS=500 cargo test -p livedrop-adapters --test simulation"));
    }
}
