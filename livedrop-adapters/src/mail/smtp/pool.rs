//! The bounded connections: one permit per connection in use, so at most
//! `max_connections` are open at once; the unused ones kept for reuse while they are
//! fresh, and checked with a NOOP before they are reused.

use std::time::Instant;

use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::commands::Noop;
use livedrop_core::{Error, Result};

use super::BACKEND;
use super::failure::Failure;
use super::shared::{Inner, Parked};

impl Inner {
    /// A permit to use a connection, waiting up to the timeout for one.
    pub(super) async fn slot(&self) -> Result<tokio::sync::SemaphorePermit<'_>> {
        match tokio::time::timeout(self.timeout, self.slots.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            // The semaphore is never closed; `Err(_)` inside would be a bug, and is busy
            // all the same.
            _ => Err(Error::unavailable(
                BACKEND,
                Failure::Busy {
                    relay: self.relay.to_string(),
                    max: self.max_connections,
                    after: self.timeout,
                },
            )),
        }
    }

    /// The freshest kept connection if it still answers, else a new one. Call with a
    /// permit.
    pub(super) async fn connection(&self) -> Result<AsyncSmtpConnection> {
        if let Some(mut conn) = self.take_idle() {
            if self.within("NOOP", conn.command(Noop)).await.is_ok() {
                return Ok(conn);
            }
            // The relay closed or lost the freshest one, so most likely the older ones
            // too: opening a connection beats testing each for up to the timeout.
            self.idle.lock().clear();
        }
        self.open().await
    }

    /// The most recently used kept connection, after dropping the expired ones.
    fn take_idle(&self) -> Option<AsyncSmtpConnection> {
        let mut idle = self.idle.lock();
        idle.retain(|parked| parked.since.elapsed() < self.idle_timeout);
        idle.pop().map(|parked| parked.conn)
    }

    /// Keeps `conn` for reuse. Call before releasing its permit, so open connections never
    /// outnumber the permits.
    pub(super) fn park(&self, conn: AsyncSmtpConnection) {
        let mut idle = self.idle.lock();
        if idle.len() < self.max_connections {
            idle.push(Parked {
                conn,
                since: Instant::now(),
            });
        }
    }
}
