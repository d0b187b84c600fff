//! [`RetryPolicy`]: how often and how patiently the client repeats a failed call that is
//! safe to repeat.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};

/// Retries of calls that are safe to repeat (reads, keyed orders, idempotent writes; see
/// the crate docs): on network failures, `5xx`, `429` and an idempotency key in flight.
/// The delays grow exponentially from `base_delay` (doubling, up to `max_delay`) with
/// random jitter, so clients that failed together do not come back together; a `429`
/// waits at least its `Retry-After`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Repeats after the first attempt (0 turns retries off).
    pub max_retries: usize,
    /// The first delay, before jitter.
    pub base_delay: Duration,
    /// The longest delay, before jitter (a `Retry-After` may be longer).
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// No retries at all.
    pub const NONE: RetryPolicy = RetryPolicy {
        max_retries: 0,
        base_delay: Duration::ZERO,
        max_delay: Duration::ZERO,
    };

    /// The delays to wait before each repeat, jittered.
    pub(crate) fn delays(&self) -> impl Iterator<Item = Duration> + use<> {
        ExponentialBuilder::new()
            .with_min_delay(self.base_delay)
            .with_max_delay(self.max_delay.max(self.base_delay))
            .with_max_times(self.max_retries)
            .with_jitter()
            .build()
    }
}

impl Default for RetryPolicy {
    /// Three repeats from 100 ms, capped at 5 s: a blip or a restart is ridden out, a lasting
    /// outage is reported within a few seconds.
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_are_jittered_and_stop() {
        let policy = RetryPolicy {
            max_retries: 4,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(40),
        };
        let delays: Vec<_> = policy.delays().collect();
        assert_eq!(delays.len(), 4);
        // Jitter adds up to one more base delay's worth on top of each step.
        for (delay, floor) in delays.iter().zip([10, 20, 40, 40]) {
            assert!(*delay >= Duration::from_millis(floor), "{delays:?}");
            assert!(*delay <= Duration::from_millis(floor * 2), "{delays:?}");
        }
        assert_eq!(RetryPolicy::NONE.delays().count(), 0);
    }
}
