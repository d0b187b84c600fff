//! Concurrent calls of one script, sent to Redis as one script call.
//!
//! A script call costs Redis a few microseconds of fixed overhead (setting up the Lua
//! call, converting the reply) on top of the commands it runs: more than a plain `SET`
//! costs in all. Under load, many requests complete an idempotency record or check a
//! bucket at the same moment, so the calls waiting are sent together: one `EVALSHA` whose
//! script loops over them (each call's keys and arguments in order, each answered in its
//! own reply slot), still atomic as a whole. Nothing waits to fill a batch: a quiet
//! server sends each call at once, alone; a batch forms only from calls that queued while
//! earlier batches were in flight. The Redis-side protocol, that call `i` has `KEYS[i]`
//! and `ARGV[(i-1)*ARGS+1 ..= i*ARGS]` and gets `reply[i]`, is each script's contract.
//!
//! On a Redis Cluster a script may touch one slot's keys only, so a batch goes out as one
//! script call per slot, all at once; the keys' hash tags (`keys`) keep those few.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use ::redis::cluster_routing::Slot;
use ::redis::{Script, Value};
use livedrop_core::{Error, Result};
use parking_lot::Mutex;
use tokio::sync::{Semaphore, mpsc, oneshot};
use tokio::task::JoinSet;

use super::connection::RedisConnection;
use super::health::Health;

/// Most calls in one script call.
const MAX_BATCH: usize = 128;
/// Batches in flight at once; more calls queue for the next batch.
const MAX_IN_FLIGHT: usize = 4;

/// One waiting call: its key, its arguments, and where its reply goes.
struct Call {
    key: String,
    args: Vec<Vec<u8>>,
    reply: oneshot::Sender<Result<Value>>,
}

/// Batches calls of one script; see the module docs.
pub(crate) struct ScriptBatcher {
    script: &'static Script,
    conn: RedisConnection,
    health: Arc<Health>,
    /// Longest a call may take in all, queueing included.
    deadline: Duration,
    /// The drainer's queue. Started on first use, inside the caller's runtime; started
    /// again if that runtime went away; ends when the batcher is dropped.
    queue: Mutex<Option<mpsc::UnboundedSender<Call>>>,
}

impl std::fmt::Debug for ScriptBatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptBatcher")
            .field("script", &self.script.get_hash())
            .finish_non_exhaustive()
    }
}

impl ScriptBatcher {
    pub(crate) fn new(
        script: &'static Script,
        conn: RedisConnection,
        health: Arc<Health>,
        deadline: Duration,
    ) -> Self {
        Self {
            script,
            conn,
            health,
            deadline,
            queue: Mutex::new(None),
        }
    }

    /// Runs the script for one `key` with `args` (always the same number per call) and
    /// returns this call's reply.
    ///
    /// Every failure is `Unavailable`, so callers fall back: a call that waited out the
    /// deadline (queued behind more than Redis clears in time) is as good as refused.
    pub(crate) async fn call(&self, key: String, args: Vec<Vec<u8>>) -> Result<Value> {
        let (reply, answer) = oneshot::channel();
        self.enqueue(Call { key, args, reply })?;
        match tokio::time::timeout(self.deadline, answer).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(Error::unavailable("redis", "script batcher dropped a call")),
            Err(_) => Err(Error::unavailable("redis", "no reply within the deadline")),
        }
    }

    fn enqueue(&self, mut call: Call) -> Result<()> {
        let mut queue = self.queue.lock();
        if let Some(running) = queue.as_ref() {
            match running.send(call) {
                Ok(()) => return Ok(()),
                // The drainer is gone (its runtime shut down): start another below.
                Err(mpsc::error::SendError(unsent)) => call = unsent,
            }
        }
        let fresh = self.start();
        fresh
            .send(call)
            .map_err(|_| Error::unavailable("redis", "script batcher did not start"))?;
        *queue = Some(fresh);
        Ok(())
    }

    fn start(&self) -> mpsc::UnboundedSender<Call> {
        let (queue, calls) = mpsc::unbounded_channel();
        tokio::spawn(drain(
            self.script,
            self.conn.clone(),
            Arc::clone(&self.health),
            calls,
        ));
        queue
    }
}

/// Sends whatever queued as one batch, up to `MAX_IN_FLIGHT` batches at a time.
async fn drain(
    script: &'static Script,
    conn: RedisConnection,
    health: Arc<Health>,
    mut calls: mpsc::UnboundedReceiver<Call>,
) {
    let in_flight = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let mut batch = Vec::with_capacity(MAX_BATCH);
    // Collect only once a slot is free, so calls that arrive meanwhile join this batch.
    while let Ok(permit) = Arc::clone(&in_flight).acquire_owned().await {
        if calls.recv_many(&mut batch, MAX_BATCH).await == 0 {
            return;
        }
        let (conn, health) = (conn.clone(), Arc::clone(&health));
        let sent = std::mem::replace(&mut batch, Vec::with_capacity(MAX_BATCH));
        tokio::spawn(async move {
            run(script, conn, health, sent).await;
            drop(permit);
        });
    }
}

async fn run(
    script: &'static Script,
    conn: RedisConnection,
    health: Arc<Health>,
    mut batch: Vec<Call>,
) {
    // Callers that gave up (past their deadline) need no reply, and their claims must not
    // land after they reported the store unavailable.
    batch.retain(|call| !call.reply.is_closed());
    if batch.is_empty() {
        return;
    }
    if !conn.is_cluster() {
        return run_one_slot(script, conn, &health, batch).await;
    }
    // A cluster runs a script on one slot's keys only: one script call per slot (the keys'
    // hash tags keep these few, see `keys`), all under way at once.
    let mut by_slot: HashMap<Slot, Vec<Call>> = HashMap::new();
    for call in batch {
        by_slot
            .entry(Slot::for_key(&call.key))
            .or_default()
            .push(call);
    }
    let mut calls = JoinSet::new();
    for group in by_slot.into_values() {
        let (conn, health) = (conn.clone(), Arc::clone(&health));
        calls.spawn(async move { run_one_slot(script, conn, &health, group).await });
    }
    while calls.join_next().await.is_some() {}
}

/// One script call for `batch`, whose keys share a slot when on a cluster.
async fn run_one_slot(
    script: &'static Script,
    mut conn: RedisConnection,
    health: &Health,
    batch: Vec<Call>,
) {
    let mut invocation = script.prepare_invoke();
    for call in &batch {
        invocation.key(&call.key);
        for arg in &call.args {
            invocation.arg(arg.as_slice());
        }
    }
    let replies: Result<Vec<Value>> = health.call(invocation.invoke_async(&mut conn)).await;
    match replies {
        Ok(replies) if replies.len() == batch.len() => {
            for (call, reply) in batch.into_iter().zip(replies) {
                // A caller that stopped waiting does not need its reply.
                let _ = call.reply.send(Ok(reply));
            }
        }
        Ok(replies) => {
            let count = replies.len();
            for call in batch {
                let _ = call.reply.send(Err(Error::internal(
                    "redis",
                    format!("script answered {count} calls of a batch"),
                )));
            }
        }
        Err(error) => {
            // Every call of the batch shares its fate; each caller maps it alike.
            for call in batch {
                let _ = call.reply.send(Err(same_error(&error)));
            }
        }
    }
}

/// A copy of a batch's error for each of its calls (the source is kept as text).
fn same_error(error: &Error) -> Error {
    match error {
        Error::Unavailable { backend, source } => Error::unavailable(backend, source.to_string()),
        Error::Internal { backend, source } => Error::internal(backend, source.to_string()),
        other => Error::internal("redis", other.to_string()),
    }
}
