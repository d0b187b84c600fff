//! What each worker sends next, and when: [`Mix`] (read or order, at an exact share)
//! and [`Pace`] (the open loop's due times).

use std::time::{Duration, Instant};

/// Reads and orders in an exact proportion, spread evenly: request `n` is a read when
/// `floor((n + 1) × share)` passes an integer, so any stretch of requests holds the
/// share to within one request, with no random generator to seed or to pay for.
#[derive(Clone, Copy, Debug)]
pub struct Mix {
    read_share: f64,
    next: u64,
}

impl Mix {
    /// `read_share` of the requests are reads; `offset` (the worker's index) staggers
    /// the workers, so they do not all read at once.
    pub fn new(read_share: f64, offset: usize) -> Self {
        Self {
            read_share: read_share.clamp(0.0, 1.0),
            next: offset as u64,
        }
    }

    /// Whether the next request is a read.
    pub fn next_is_read(&mut self) -> bool {
        let n = self.next as f64;
        self.next += 1;
        ((n + 1.0) * self.read_share).floor() > (n * self.read_share).floor()
    }
}

/// One worker's share of an open-loop rate: `rate / workers` requests a second, evenly
/// spaced, the workers staggered by `1 / rate` so the requests are evenly spaced overall.
///
/// A worker that falls behind (its last answer came after the next request was due)
/// sends at once, and that request's latency is counted from when it was due, not from
/// when it went out: the delay shows in the latency rather than disappearing (no
/// coordinated omission).
#[derive(Clone, Copy, Debug)]
pub struct Pace {
    first: Instant,
    every: Duration,
}

impl Pace {
    /// Worker `index` of `workers` sharing `rate` requests a second from `start`.
    pub fn new(start: Instant, rate: u32, workers: usize, index: usize) -> Self {
        let rate = f64::from(rate.max(1));
        Self {
            first: start + Duration::from_secs_f64(index as f64 / rate),
            every: Duration::from_secs_f64(workers.max(1) as f64 / rate),
        }
    }

    /// When request `n` (from 0) is due.
    pub fn due(&self, n: u64) -> Instant {
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        self.first + self.every.saturating_mul(n)
    }

    /// Requests due before `deadline`.
    pub fn due_before(&self, deadline: Instant) -> u64 {
        let Some(span) = deadline.checked_duration_since(self.first) else {
            return 0;
        };
        if self.every.is_zero() {
            return 0;
        }
        (span.as_secs_f64() / self.every.as_secs_f64()).ceil() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_holds_its_share_exactly() {
        for (share, reads) in [(0.0, 0), (0.9, 90), (0.25, 25), (1.0, 100)] {
            let mut mix = Mix::new(share, 7);
            let counted = (0..100).filter(|_| mix.next_is_read()).count();
            assert!(counted.abs_diff(reads) <= 1, "{share}: {counted}");
        }
    }

    #[test]
    fn paces_space_and_stagger_the_workers() {
        let start = Instant::now();
        // 100 requests a second over 4 workers: 25 each, 40 ms apart, 10 ms staggered.
        let second = Pace::new(start, 100, 4, 1);
        assert_eq!(second.due(0) - start, Duration::from_millis(10));
        assert_eq!(second.due(2) - start, Duration::from_millis(90));
        assert_eq!(second.due_before(start + Duration::from_secs(1)), 25);
        assert_eq!(second.due_before(start), 0);
    }
}
