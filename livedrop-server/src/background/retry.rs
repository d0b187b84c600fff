//! Backoff after failures, and sleeping that a stop signal cuts short.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};
use tokio::sync::watch;

/// Exponential backoff from `min`, doubling up to `max`, each delay stretched by a random
/// 0-100 % so nodes that failed together do not retry together; no limit on attempts:
/// background loops never give up, they only slow down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The first delay.
    pub min: Duration,
    /// The longest delay.
    pub max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            min: Duration::from_millis(50),
            max: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// A fresh sequence of delays (start a new one after each success).
    pub(super) fn delays(&self) -> Delays {
        Delays {
            inner: ExponentialBuilder::new()
                .with_min_delay(self.min)
                .with_max_delay(self.max)
                .with_jitter()
                .without_max_times()
                .build(),
            max: self.max,
        }
    }
}

/// The delays of one run of failures.
#[derive(Debug)]
pub(super) struct Delays {
    inner: ExponentialBackoff,
    max: Duration,
}

impl Delays {
    /// The delay before the next attempt.
    pub(super) fn next_delay(&mut self) -> Duration {
        // Unbounded attempts: `None` never comes, but the longest delay is the right answer.
        self.inner.next().unwrap_or(self.max)
    }
}

/// Sleeps for `pause` unless `stop` turns true first; returns whether it did.
pub(super) async fn stopped_during(stop: &mut watch::Receiver<bool>, pause: Duration) -> bool {
    tokio::select! {
        _ = stop.wait_for(|stop| *stop) => true,
        () = tokio::time::sleep(pause) => false,
    }
}

/// Whether the stop signal was given (or its sender is gone).
pub(super) fn is_stopped(stop: &watch::Receiver<bool>) -> bool {
    *stop.borrow() || stop.has_changed().is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_stay_within_the_bounds() {
        let policy = RetryPolicy {
            min: Duration::from_millis(10),
            max: Duration::from_millis(200),
        };
        let mut delays = policy.delays();
        let seen: Vec<Duration> = (0..20).map(|_| delays.next_delay()).collect();
        assert!(seen.iter().all(|d| *d <= policy.max * 2), "{seen:?}");
        assert!(seen.iter().all(|d| *d >= policy.min), "{seen:?}");
        assert!(seen[19] > seen[0], "delays grow: {seen:?}");
    }

    #[tokio::test]
    async fn a_stop_cuts_a_sleep_short() {
        let (send, mut stop) = watch::channel(false);
        let sleeper =
            tokio::spawn(async move { stopped_during(&mut stop, Duration::from_secs(3600)).await });
        send.send(true).unwrap();
        assert!(sleeper.await.unwrap());
    }
}
