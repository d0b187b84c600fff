//! Choosing the next operation: new orders, retries, key reuse, cancels and scheduler ticks.
//!
//! Generation is pure: it reads the [`History`] of keys and orders the simulation has seen
//! and the seeded RNG, and touches no port. So the same seed and the same history always
//! give the same operation, which is what makes a failing seed replay (and what the unit
//! tests below check without any backend).

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::domain::{IdempotencyKey, Quantity};
use crate::ids::OrderId;

/// Which drop an order names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DropPick {
    /// The simulation's drop with this index.
    Known(usize),
    /// A drop id that does not exist (the ledger must answer `drop_not_found`).
    Missing,
}

/// What an order asks for; a key's retries repeat it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Payload {
    /// The drop.
    pub drop: DropPick,
    /// Units.
    pub qty: Quantity,
}

/// An idempotency key the simulation handed to a user.
#[derive(Clone, Debug)]
pub struct IssuedKey {
    /// The user (index) who owns it.
    pub user: usize,
    /// The key. Names repeat across users (`k1` of user 0 and of user 1) on purpose: keys
    /// are scoped per user and must never collide.
    pub key: IdempotencyKey,
    /// Every payload sent with it, first one first (more than one only after a deliberate
    /// reuse with another payload).
    pub payloads: Vec<Payload>,
    /// Whether its last attempt ended in an error a client would retry.
    pub needs_retry: bool,
}

/// An order the simulation has seen confirmed.
#[derive(Clone, Debug)]
pub struct KnownOrder {
    /// Its id.
    pub id: OrderId,
    /// The user (index) who owns it.
    pub owner: usize,
}

/// Whose operation it is and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlaceKind {
    /// A new key's first attempt.
    New,
    /// The same request again under the same key (a client retry).
    Retry,
    /// The same key with another payload (a client bug: must be refused, never executed).
    Reuse,
}

/// One operation to start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpSpec {
    /// `OrderService::place_order` for key `key` (index into [`History::keys`]).
    Place {
        /// Key index.
        key: usize,
        /// What to send.
        payload: Payload,
        /// New, retry or reuse.
        kind: PlaceKind,
    },
    /// `OrderService::cancel_order` of known order `order`, asked by user `as_user` (not
    /// always the owner: someone else's order must be "not found").
    Cancel {
        /// Index into [`History::orders`].
        order: usize,
        /// Who asks.
        as_user: usize,
    },
    /// One `Scheduler::tick`.
    Tick,
    /// The in-flight lock of key `key` expires: its owner died, or was told it failed
    /// after taking the lock. Runs at once (not an in-flight operation).
    ExpireLock {
        /// Key index.
        key: usize,
    },
}

/// How an order attempt ended, as far as choosing the next operations is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptEnd {
    /// An answer (an order or a refusal), or an error retrying cannot fix.
    Answered,
    /// A transient error: a client retries.
    Retryable,
    /// The key's lock is held (`idempotency_key_in_flight`): a client retries later.
    KeyLocked,
}

/// The keys and orders seen so far: what retries and cancels choose from.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// Every key issued, in issue order.
    pub keys: Vec<IssuedKey>,
    /// Every order seen confirmed, in the order it was first seen.
    pub orders: Vec<KnownOrder>,
    /// Keys whose last attempt failed retryably, waiting for a retry (may repeat).
    retry_queue: Vec<usize>,
    /// Keys whose last attempt found the key locked (may repeat).
    locked: Vec<usize>,
    /// Keys issued per user, to name the next one.
    per_user: Vec<u32>,
}

impl History {
    /// Issues user `user` a new key for `payload`; returns its index.
    pub fn issue_key(&mut self, user: usize, payload: Payload) -> usize {
        if self.per_user.len() <= user {
            self.per_user.resize(user + 1, 0);
        }
        self.per_user[user] += 1;
        let name = format!("k{}", self.per_user[user]);
        let key = IdempotencyKey::try_from(name.as_str()).expect("k<n> is a valid key");
        self.keys.push(IssuedKey {
            user,
            key,
            payloads: vec![payload],
            needs_retry: false,
        });
        self.keys.len() - 1
    }

    /// Records how an attempt with key `key` ended: an error queues a retry; a locked key
    /// is also a candidate for lock expiry.
    pub fn attempt_ended(&mut self, key: usize, end: AttemptEnd) {
        self.keys[key].needs_retry = end != AttemptEnd::Answered;
        if end != AttemptEnd::Answered {
            self.retry_queue.push(key);
        }
        if end == AttemptEnd::KeyLocked {
            self.locked.push(key);
        }
    }

    /// Records an order seen for the first time; returns its index.
    pub fn order_seen(&mut self, id: OrderId, owner: usize) -> usize {
        self.orders.push(KnownOrder { id, owner });
        self.orders.len() - 1
    }
}

/// Percent weights of the operation mix. Orders dominate; retries are frequent because
/// they are what the idempotency machinery exists for; ticks are frequent enough that
/// windows open and close through the scheduler as well as lazily through orders.
const NEW_ORDER: u32 = 42;
const RETRY: u32 = 26;
const REUSE: u32 = 3;
const CANCEL_OWN: u32 = 16;
const CANCEL_OTHERS: u32 = 3;
/// Lock expiry stands in for the store's `lock_ttl`, which a deterministic run cannot wait
/// out in wall-clock time: without it a key whose lock outlived its owner stays unusable.
const EXPIRE_LOCK: u32 = 3;
// The rest (10%) are scheduler ticks.

/// Retries and cancels pick among this many most recent keys or orders, so they mostly
/// hit things still in play rather than long-settled history.
const RECENT: usize = 48;

/// Chooses operations for a run with `users` buyers and `drops` drops.
#[derive(Clone, Copy, Debug)]
pub struct OpGen {
    users: usize,
    drops: usize,
    /// Percent chance that a new order names a drop that does not exist.
    missing_drop_pct: u32,
}

impl OpGen {
    /// A generator for this many users and drops (both at least 1).
    pub fn new(users: usize, drops: usize) -> Self {
        Self {
            users: users.max(1),
            drops: drops.max(1),
            missing_drop_pct: 2,
        }
    }

    /// The next operation. New keys are issued into `history` here. `open` lists the drops
    /// whose window contains the current time: buyers mostly order those.
    pub fn next(&self, rng: &mut ChaCha8Rng, history: &mut History, open: &[usize]) -> OpSpec {
        let roll = rng.random_range(0..100u32);
        let has_keys = !history.keys.is_empty();
        let has_orders = !history.orders.is_empty();
        let mut edge = NEW_ORDER;
        if roll < edge {
            return self.new_order(rng, history, open);
        }
        edge += RETRY;
        if roll < edge {
            return if has_keys {
                self.retry(rng, history)
            } else {
                self.new_order(rng, history, open)
            };
        }
        edge += REUSE;
        if roll < edge {
            return if has_keys {
                self.reuse(rng, history)
            } else {
                self.new_order(rng, history, open)
            };
        }
        edge += CANCEL_OWN;
        if roll < edge {
            return if has_orders {
                self.cancel(rng, history, true)
            } else {
                OpSpec::Tick
            };
        }
        edge += CANCEL_OTHERS;
        if roll < edge && self.users > 1 {
            return if has_orders {
                self.cancel(rng, history, false)
            } else {
                OpSpec::Tick
            };
        }
        edge += EXPIRE_LOCK;
        if roll < edge && !history.locked.is_empty() {
            let at = rng.random_range(0..history.locked.len());
            return OpSpec::ExpireLock {
                key: history.locked.swap_remove(at),
            };
        }
        OpSpec::Tick
    }

    fn new_order(&self, rng: &mut ChaCha8Rng, history: &mut History, open: &[usize]) -> OpSpec {
        let user = rng.random_range(0..self.users);
        // Mostly what is on sale now (so orders confirm, and retries meet real orders);
        // the rest early, late or for nothing at all.
        let roll = rng.random_range(0..100);
        let drop = if roll < self.missing_drop_pct {
            DropPick::Missing
        } else if roll < 70 && !open.is_empty() {
            DropPick::Known(open[rng.random_range(0..open.len())])
        } else {
            DropPick::Known(rng.random_range(0..self.drops))
        };
        let payload = Payload {
            drop,
            qty: random_qty(rng),
        };
        let key = history.issue_key(user, payload);
        OpSpec::Place {
            key,
            payload,
            kind: PlaceKind::New,
        }
    }

    fn retry(&self, rng: &mut ChaCha8Rng, history: &mut History) -> OpSpec {
        // Mostly retry what failed (what a real client does), sometimes re-send something
        // that already has an answer (a client that lost the response): both must replay.
        let key = if !history.retry_queue.is_empty() && rng.random_bool(0.6) {
            let at = rng.random_range(0..history.retry_queue.len());
            history.retry_queue.swap_remove(at)
        } else {
            recent(rng, history.keys.len())
        };
        OpSpec::Place {
            key,
            payload: history.keys[key].payloads[0],
            kind: PlaceKind::Retry,
        }
    }

    fn reuse(&self, rng: &mut ChaCha8Rng, history: &mut History) -> OpSpec {
        let key = recent(rng, history.keys.len());
        let first = history.keys[key].payloads[0];
        // Another quantity makes another fingerprint whatever the drop.
        let qty = if first.qty.get() < Quantity::MAX {
            first.qty.get() + 1
        } else {
            first.qty.get() - 1
        };
        let payload = Payload {
            drop: first.drop,
            qty: Quantity::try_from(i64::from(qty)).expect("1..=MAX"),
        };
        if !history.keys[key].payloads.contains(&payload) {
            history.keys[key].payloads.push(payload);
        }
        OpSpec::Place {
            key,
            payload,
            kind: PlaceKind::Reuse,
        }
    }

    fn cancel(&self, rng: &mut ChaCha8Rng, history: &History, own: bool) -> OpSpec {
        let order = recent(rng, history.orders.len());
        let owner = history.orders[order].owner;
        let as_user = if own {
            owner
        } else {
            // Any user but the owner.
            (owner + rng.random_range(1..self.users)) % self.users
        };
        OpSpec::Cancel { order, as_user }
    }
}

/// An index among the last [`RECENT`] of `len` items (`len > 0`).
fn recent(rng: &mut ChaCha8Rng, len: usize) -> usize {
    let from = len.saturating_sub(RECENT);
    rng.random_range(from..len)
}

/// Mostly one or two units (flash-sale shoppers), sometimes a bulk order that a small drop
/// cannot fill (`insufficient_stock`) or that breaks a per-user limit.
fn random_qty(rng: &mut ChaCha8Rng) -> Quantity {
    let qty = match rng.random_range(0..100) {
        0..60 => 1,
        60..85 => 2,
        _ => rng.random_range(3..=Quantity::MAX),
    };
    Quantity::try_from(i64::from(qty)).expect("1..=MAX")
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    /// Runs the generator for `n` operations against a fake world whose outcomes come from
    /// a second seeded stream, the way the simulation feeds results back into the history.
    fn sequence(seed: u64, n: usize) -> Vec<OpSpec> {
        let generator = OpGen::new(4, 3);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut outcomes = ChaCha8Rng::seed_from_u64(seed ^ 0xfeed);
        let mut history = History::default();
        let mut ops = Vec::with_capacity(n);
        for i in 0..n {
            // Drop 1 is "open" for the middle third of the run.
            let open: &[usize] = if (n / 3..2 * n / 3).contains(&i) {
                &[1]
            } else {
                &[]
            };
            let op = generator.next(&mut rng, &mut history, open);
            if let OpSpec::Place { key, .. } = &op {
                match outcomes.random_range(0..4) {
                    0 => {
                        let owner = history.keys[*key].user;
                        history.order_seen(OrderId::new(), owner);
                        history.attempt_ended(*key, AttemptEnd::Answered);
                    }
                    1 => history.attempt_ended(*key, AttemptEnd::Retryable),
                    2 => history.attempt_ended(*key, AttemptEnd::KeyLocked),
                    _ => history.attempt_ended(*key, AttemptEnd::Answered),
                }
            }
            ops.push(op);
        }
        ops
    }

    #[test]
    fn the_same_seed_gives_the_same_operations() {
        let a = sequence(42, 3_000);
        assert_eq!(a, sequence(42, 3_000));
        assert_ne!(a, sequence(43, 3_000));
    }

    #[test]
    fn the_mix_exercises_every_kind_of_operation() {
        let ops = sequence(7, 3_000);
        let count = |pred: &dyn Fn(&OpSpec) -> bool| ops.iter().filter(|op| pred(op)).count();
        let place = |k: PlaceKind| move |op: &OpSpec| matches!(op, OpSpec::Place { kind, .. } if *kind == k);
        assert!(count(&place(PlaceKind::New)) > 1_000);
        assert!(count(&place(PlaceKind::Retry)) > 500);
        assert!(count(&place(PlaceKind::Reuse)) > 30);
        assert!(count(&|op| matches!(op, OpSpec::Tick)) > 200);
        assert!(count(&|op| matches!(op, OpSpec::ExpireLock { .. })) > 30);
        assert!(
            count(
                &|op| matches!(op, OpSpec::Place { payload, .. } if payload.drop == DropPick::Missing)
            ) > 10
        );
        assert!(count(&|op| matches!(op, OpSpec::Cancel { .. })) > 300);
    }

    #[test]
    fn reuse_always_changes_the_payload_and_keys_repeat_across_users() {
        let generator = OpGen::new(3, 2);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut history = History::default();
        for _ in 0..2_000 {
            if let OpSpec::Place {
                key,
                payload,
                kind: PlaceKind::Reuse,
            } = generator.next(&mut rng, &mut history, &[0])
            {
                assert_ne!(payload, history.keys[key].payloads[0]);
            }
        }
        let k1_owners = history
            .keys
            .iter()
            .filter(|k| k.key.as_str() == "k1")
            .count();
        assert_eq!(k1_owners, 3, "every user has its own k1");
    }
}
