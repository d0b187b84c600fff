//! A circuit breaker for one backend connection: what the Redis and PostgreSQL adapters use
//! to stop every request from waiting out a timeout while their service is down.

use std::fmt::Display;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// Whether a backend answers, shared by the adapters of one connection.
///
/// While the backend is down, every call would otherwise wait out a connect attempt or a
/// response timeout before failing (or before its fallback runs). So after a failure that
/// says "the service is gone" calls are refused at once, and one call per `retry_every`
/// goes through as a probe; the first success closes the circuit. Both transitions are
/// logged once, so an outage is two log lines, not one per request. Calls already waiting
/// for the backend when the circuit opens can be woken ([`Circuit::opened`]) so they fail
/// too, instead of each waiting for its own timeout.
#[derive(Debug)]
pub(crate) struct Circuit {
    backend: &'static str,
    /// What callers do while the circuit is open, for the log line that opens it.
    meanwhile: &'static str,
    /// Microseconds since `epoch` before which calls are refused; 0 while it answers.
    skip_until: AtomicU64,
    down: AtomicBool,
    epoch: Instant,
    retry_every: Duration,
    opening: Notify,
}

impl Circuit {
    /// A closed circuit for `backend`; `meanwhile` completes "`backend` is unavailable; ..."
    /// in the log line an outage starts with.
    pub(crate) fn new(
        backend: &'static str,
        meanwhile: &'static str,
        retry_every: Duration,
    ) -> Self {
        Self {
            backend,
            meanwhile,
            skip_until: AtomicU64::new(0),
            down: AtomicBool::new(false),
            epoch: Instant::now(),
            retry_every,
            opening: Notify::new(),
        }
    }

    /// Whether the backend answered the last call that reached it.
    pub(crate) fn is_up(&self) -> bool {
        !self.down.load(Ordering::Relaxed)
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    /// Whether this call may go to the backend: always while it is up; while it is down,
    /// only the one call that claims the next probe slot. (Redis probes with requests;
    /// Postgres with a task of its own, see `postgres::guarded_pool`.)
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn may_call(&self) -> bool {
        let until = self.skip_until.load(Ordering::Acquire);
        if until == 0 {
            return true;
        }
        let now = self.now();
        let next = now.saturating_add(duration_micros(self.retry_every));
        now >= until
            && self
                .skip_until
                .compare_exchange(until, next, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
    }

    /// The backend answered: closes the circuit if it was open. One load on the hot path.
    pub(crate) fn succeeded(&self) {
        if self.skip_until.load(Ordering::Relaxed) != 0 {
            self.skip_until.store(0, Ordering::Release);
        }
        if self.down.load(Ordering::Relaxed) && self.down.swap(false, Ordering::AcqRel) {
            tracing::info!(
                backend = self.backend,
                "{} answers again; closing the circuit",
                self.backend
            );
        }
    }

    /// How long an open circuit waits between probes.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) fn retry_every(&self) -> Duration {
        self.retry_every
    }

    /// The backend is gone: opens the circuit (or keeps it open for another interval) and
    /// wakes the calls waiting in [`Circuit::opened`]. True for the call that opened it.
    pub(crate) fn failed(&self, error: &dyn Display) -> bool {
        let until = self
            .now()
            .saturating_add(duration_micros(self.retry_every))
            .max(1);
        self.skip_until.store(until, Ordering::Release);
        if !self.down.swap(true, Ordering::AcqRel) {
            tracing::warn!(
                backend = self.backend,
                %error,
                retry_every = ?self.retry_every,
                "{} is unavailable; {}",
                self.backend,
                self.meanwhile
            );
            self.opening.notify_waiters();
            return true;
        }
        false
    }

    /// Completes when the circuit next opens: a call waiting for the backend selects on it
    /// to give up as soon as another call has found the backend gone.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) async fn opened(&self) {
        self.opening.notified().await;
    }
}

fn duration_micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_open_circuit_lets_one_probe_through_per_interval() {
        let circuit = Circuit::new("test", "refusing calls", Duration::from_millis(50));
        assert!(circuit.may_call() && circuit.is_up());
        assert!(
            circuit.failed(&"connection refused"),
            "the first failure opens it"
        );
        assert!(!circuit.failed(&"still refused"), "and only the first");
        assert!(!circuit.is_up());
        assert!(!circuit.may_call(), "refused inside the interval");

        tokio::time::sleep(Duration::from_millis(60)).await;
        assert!(circuit.may_call(), "the probe after the interval");
        assert!(!circuit.may_call(), "only one probe per interval");
        circuit.succeeded();
        assert!(circuit.is_up() && circuit.may_call());
    }

    #[tokio::test]
    async fn opening_wakes_the_calls_waiting_for_the_backend() {
        let circuit = std::sync::Arc::new(Circuit::new("test", "refusing", Duration::from_secs(9)));
        let waiting = {
            let circuit = circuit.clone();
            tokio::spawn(async move { circuit.opened().await })
        };
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished());
        let _ = circuit.failed(&"gone");
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("woken when the circuit opened")
            .expect("the waiter ran");
    }
}
