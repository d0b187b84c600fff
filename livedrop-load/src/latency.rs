//! [`LatencyStats`]: a set of latency samples boiled down to the figures the summary
//! reports (count, p50, p99, max), in milliseconds so the JSON reads without units.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Count, median, 99th percentile and maximum of some latencies; the percentiles are
/// `None` when there was no sample (JSON `null`), so "nothing measured" never reads as
/// "zero milliseconds".
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LatencyStats {
    /// Samples.
    pub count: usize,
    /// Median, ms.
    pub p50_ms: Option<f64>,
    /// 99th percentile, ms.
    pub p99_ms: Option<f64>,
    /// Largest, ms.
    pub max_ms: Option<f64>,
}

impl LatencyStats {
    /// The figures of `samples` (nearest-rank percentiles).
    pub fn of(mut samples: Vec<Duration>) -> Self {
        samples.sort_unstable();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        Self {
            count: samples.len(),
            p50_ms: percentile(&samples, 50.0).map(ms),
            p99_ms: percentile(&samples, 99.0).map(ms),
            max_ms: samples.last().copied().map(ms),
        }
    }
}

/// The `p`th percentile of sorted `samples` by nearest rank; `None` when empty.
fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// Time from `occurred_at` (the server's clock) to now (ours). Both are the same clock
/// when the tool runs on the server's machine; across machines the skew adds in, and a
/// reading the skew makes negative counts as zero rather than failing the run.
pub fn since(occurred_at: DateTime<Utc>) -> Duration {
    (Utc::now() - occurred_at).to_std().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank_and_empty_is_none() {
        let samples: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        let stats = LatencyStats::of(samples);
        assert_eq!(stats.count, 100);
        assert_eq!(stats.p50_ms, Some(50.0));
        assert_eq!(stats.p99_ms, Some(99.0));
        assert_eq!(stats.max_ms, Some(100.0));
        let empty = LatencyStats::of(Vec::new());
        assert_eq!(empty.count, 0);
        assert_eq!(empty.p99_ms, None);
    }

    #[test]
    fn one_sample_is_every_percentile() {
        let stats = LatencyStats::of(vec![Duration::from_millis(7)]);
        assert_eq!(
            (stats.p50_ms, stats.p99_ms, stats.max_ms),
            (Some(7.0), Some(7.0), Some(7.0))
        );
    }
}
