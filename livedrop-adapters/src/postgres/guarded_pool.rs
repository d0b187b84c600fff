//! The pool every Postgres port takes its connections from, behind the backend's circuit
//! breaker: while the database is gone, requests fail at once with `Unavailable` (the
//! server's `503`) instead of each waiting out the acquire timeout.

use std::future::Future;
use std::sync::Arc;

use livedrop_core::{Error, Result};
use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Postgres, Transaction};

use super::config::RETRY_EVERY;
use super::db_error;
use crate::circuit::Circuit;

const BACKEND: &str = "postgres";

/// A pool and the circuit it shares with the other pools of its backend.
///
/// Why not only the pool's acquire timeout: with the database stopped, the pool retries a
/// refused connection until its timeout (3 s by default), so every request of an outage
/// waits that long, and a hot drop's orders queue behind its batcher meanwhile. Here, the
/// first call to find the database gone (a failed acquire, or a batch whose connection
/// died under it) opens the circuit; the calls already waiting for a connection give up
/// then and there, and new ones are refused without trying until a probe in the
/// background connects. The probe is not a request (as Redis's is): a request waiting on
/// it would hold up a hot drop's whole queue for the length of a connect attempt.
#[derive(Clone, Debug)]
pub(crate) struct GuardedPool {
    pool: PgPool,
    circuit: Arc<Circuit>,
}

impl GuardedPool {
    pub(crate) fn new(pool: PgPool, circuit: Arc<Circuit>) -> Self {
        Self { pool, circuit }
    }

    /// `pool` behind a circuit of its own, for a port built on its own.
    pub(crate) fn standalone(pool: PgPool) -> Self {
        Self::new(pool, Arc::new(super::postgres_circuit(RETRY_EVERY)))
    }

    /// A connection, or `Unavailable` at once while the circuit is open.
    pub(crate) async fn acquire(&self) -> Result<PoolConnection<Postgres>> {
        self.guard(self.pool.acquire()).await
    }

    /// A connection in a new transaction, or `Unavailable` at once while the circuit is
    /// open.
    pub(crate) async fn begin(&self) -> Result<Transaction<'static, Postgres>> {
        self.guard(self.pool.begin()).await
    }

    /// Passes `result` on, opening the circuit if its error says the database is gone
    /// (not merely busy): for work that failed on a connection it already held.
    pub(crate) fn observe<T>(&self, result: Result<T>) -> Result<T> {
        if let Err(Error::Unavailable { source, .. }) = &result
            && source
                .downcast_ref::<sqlx::Error>()
                .is_some_and(means_database_gone)
        {
            self.open(source);
        }
        result
    }

    /// Opens the circuit; the call that opens it starts the probe that will close it.
    fn open(&self, error: &dyn std::fmt::Display) {
        if self.circuit.failed(error) {
            tokio::spawn(probe_until_up(self.pool.clone(), self.circuit.clone()));
        }
    }

    async fn guard<T>(
        &self,
        call: impl Future<Output = std::result::Result<T, sqlx::Error>>,
    ) -> Result<T> {
        if !self.circuit.is_up() {
            return Err(refused());
        }
        tokio::select! {
            result = call => match result {
                Ok(value) => {
                    self.circuit.succeeded();
                    Ok(value)
                }
                Err(error) => {
                    if means_database_gone(&error) {
                        self.open(&error);
                    }
                    Err(db_error(error))
                }
            },
            () = self.circuit.opened() => Err(refused()),
        }
    }
}

/// Tries the database every `retry_every` until it answers, then closes the circuit. Ends
/// early if every port of the circuit is gone (the backend was dropped).
async fn probe_until_up(pool: PgPool, circuit: Arc<Circuit>) {
    loop {
        tokio::time::sleep(circuit.retry_every()).await;
        if Arc::strong_count(&circuit) == 1 {
            return;
        }
        if sqlx::query("SELECT 1").execute(&pool).await.is_ok() {
            circuit.succeeded();
            return;
        }
    }
}

fn refused() -> Error {
    Error::circuit_open(BACKEND)
}

/// SQLSTATEs of a server that is going away or not taking connections: admin, crash and
/// immediate shutdown, cannot connect now, and the connection-exception class.
fn gone_code(code: &str) -> bool {
    matches!(code, "57P01" | "57P02" | "57P03") || code.starts_with("08")
}

/// Whether `error` says the database is not there (as opposed to busy: a statement timeout,
/// a serialization failure or a deadlock leave the circuit closed). A pool that handed out
/// no connection for its whole acquire timeout counts as gone: either the database is, or
/// it is so far behind that refusing requests until a probe gets through is what it needs.
fn means_database_gone(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| gone_code(&code)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_connection_means_gone_and_a_busy_database_does_not() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(means_database_gone(&sqlx::Error::Io(refused)));
        assert!(means_database_gone(&sqlx::Error::PoolTimedOut));
        assert!(!means_database_gone(&sqlx::Error::RowNotFound));
        assert!(gone_code("57P01") && gone_code("08006") && gone_code("57P03"));
        // Statement timeout, serialization failure, deadlock: load, not an outage.
        assert!(!gone_code("57014") && !gone_code("40001") && !gone_code("40P01"));
    }
}
