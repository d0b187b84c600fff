//! Latency histograms and [`Percentiles`], the figures the summary reports from one.
//!
//! An HDR histogram rather than the sorted samples of `latency.rs`: a closed loop of 256
//! workers answers hundreds of thousands of requests a run, and a histogram per worker
//! records each in constant time and memory, merged once at the end.

use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

/// Latencies in microseconds. `u32` counts: no bucket of one run gets near 4 billion
/// samples, and they halve the histogram (about 70 KiB at these bounds).
pub type Latencies = Histogram<u32>;

/// The longest latency told apart: past the request timeout, so every answer fits.
const HIGHEST_MICROS: u64 = 60_000_000;
/// Three significant digits: a percentile reads within 0.1 % of the true value.
const SIGNIFICANT_DIGITS: u8 = 3;

/// An empty histogram from 1 µs to 60 s.
pub fn latencies() -> Latencies {
    // Constant bounds hdrhistogram accepts (a test creates one), so this cannot fail.
    #[allow(clippy::expect_used)]
    Histogram::new_with_bounds(1, HIGHEST_MICROS, SIGNIFICANT_DIGITS)
        .expect("constant histogram bounds are valid")
}

/// Records `latency` (longer than the highest value: counted as the highest).
pub fn record(histogram: &mut Latencies, latency: Duration) {
    let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
    histogram.saturating_record(micros.max(1));
}

/// Count and percentiles of some latencies, in milliseconds; `None` without a sample
/// (JSON `null`), so "nothing measured" never reads as "zero milliseconds".
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Percentiles {
    /// Samples.
    pub count: u64,
    /// Mean, ms.
    pub mean_ms: Option<f64>,
    /// Median, ms.
    pub p50_ms: Option<f64>,
    /// 90th percentile, ms.
    pub p90_ms: Option<f64>,
    /// 99th percentile, ms.
    pub p99_ms: Option<f64>,
    /// 99.9th percentile, ms.
    pub p99_9_ms: Option<f64>,
    /// Largest, ms.
    pub max_ms: Option<f64>,
}

impl Percentiles {
    /// The figures of `histogram`. Each percentile is the top of its bucket, as is the
    /// maximum, so they never read out of order.
    pub fn of(histogram: &Latencies) -> Self {
        if histogram.is_empty() {
            return Self::default();
        }
        let ms = |micros: u64| Some(micros as f64 / 1000.0);
        let at = |quantile: f64| ms(histogram.value_at_quantile(quantile));
        Self {
            count: histogram.len(),
            mean_ms: Some(histogram.mean() / 1000.0),
            p50_ms: at(0.50),
            p90_ms: at(0.90),
            p99_ms: at(0.99),
            p99_9_ms: at(0.999),
            max_ms: ms(histogram.max()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_ordered_and_close() {
        let mut histogram = latencies();
        for ms in 1..=1000 {
            record(&mut histogram, Duration::from_millis(ms));
        }
        let p = Percentiles::of(&histogram);
        assert_eq!(p.count, 1000);
        let near = |value: Option<f64>, expected: f64| {
            value.is_some_and(|v| (v - expected).abs() <= expected * 0.001 + 0.001)
        };
        assert!(near(p.p50_ms, 500.0), "{p:?}");
        assert!(near(p.p99_ms, 990.0), "{p:?}");
        assert!(near(p.max_ms, 1000.0), "{p:?}");
        assert!(p.p50_ms <= p.p90_ms && p.p90_ms <= p.p99_ms);
        assert!(p.p99_ms <= p.p99_9_ms && p.p99_9_ms <= p.max_ms);
    }

    #[test]
    fn a_histogram_weighs_about_70_kib() {
        let bytes = latencies().distinct_values() * size_of::<u32>();
        assert!((60 * 1024..80 * 1024).contains(&bytes), "{bytes}");
    }

    #[test]
    fn empty_is_none_and_overlong_saturates() {
        assert_eq!(Percentiles::of(&latencies()), Percentiles::default());
        let mut histogram = latencies();
        record(&mut histogram, Duration::from_secs(3600));
        assert_eq!(histogram.len(), 1);
    }
}
