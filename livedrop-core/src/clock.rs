//! Time as a port, so the scheduler, the simulation and the tests control it.

use std::{fmt, sync::Mutex};

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use std::time::{SystemTime, UNIX_EPOCH};

/// Where services read the current time from.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current instant in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock, to the microsecond: what every backend stores (Postgres keeps
/// microseconds), so what a call returns equals what a later read returns.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        // Built from the system time with the nanoseconds already cut: as cheap as
        // `Utc::now()`, where `trunc_subsecs` on its result cost a tenth of an in-memory
        // order.
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let seconds = i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX);
        DateTime::from_timestamp(seconds, since_epoch.subsec_micros() * 1_000)
            .unwrap_or_else(|| Utc::now().trunc_subsecs(6))
    }
}

/// A clock that only moves when told to: for tests and the deterministic simulation.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        Self(Mutex::new(start))
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: TimeDelta) {
        let mut now = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *now += by;
    }

    /// Sets the clock to `to`.
    pub fn set(&self, to: DateTime<Utc>) {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_clock_reads_whole_microseconds_of_now() {
        let before = Utc::now().trunc_subsecs(6);
        let now = SystemClock.now();
        let after = Utc::now();
        assert_eq!(now.timestamp_subsec_nanos() % 1_000, 0);
        assert!(
            before <= now && now <= after,
            "{before} <= {now} <= {after}"
        );
    }
}
