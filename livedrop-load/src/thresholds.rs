//! [`Thresholds`]: the figures a run must reach, and the verdict on a summary: the
//! oversell check always, the thresholds when given.

use serde::Serialize;

use crate::Summary;

/// Optional bounds; `None` checks nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Thresholds {
    /// The inbox latency's p99 must be at most this (ms).
    pub max_inbox_p99_ms: Option<f64>,
    /// The consumer lag must read 0 within this long after the load (ms).
    pub max_lag_drain_ms: Option<f64>,
    /// Confirmed orders per second over the load window must be at least this.
    pub min_orders_per_second: Option<f64>,
}

impl Thresholds {
    /// Why `summary` fails, one sentence per reason; empty when it passes. A figure that
    /// could not be measured misses its threshold: an unmeasured run proves nothing.
    pub fn failures(&self, summary: &Summary) -> Vec<String> {
        let mut failures = Vec::new();
        failures.extend(summary.stock.failure());
        if let Some(max) = self.max_inbox_p99_ms {
            match summary.inbox.latency_ms.p99_ms {
                Some(p99) if p99 <= max => {}
                Some(p99) => failures.push(format!("inbox p99 {p99:.1} ms > {max} ms")),
                None => failures.push(format!(
                    "inbox p99 unmeasured (no sample found), max {max} ms"
                )),
            }
        }
        if let Some(max) = self.max_lag_drain_ms {
            match summary.lag.drained_after_ms {
                Some(ms) if ms <= max => {}
                Some(ms) => {
                    failures.push(format!("consumer lag drained after {ms:.0} ms > {max} ms"))
                }
                None => failures.push(format!(
                    "consumer lag never read 0 (last {:?}, metric present: {}), max {max} ms",
                    summary.lag.last_value, summary.lag.metric_present
                )),
            }
        }
        if let Some(min) = self.min_orders_per_second {
            let rate = summary.orders.confirmed_per_second;
            if rate < min {
                failures.push(format!("{rate:.1} confirmed orders/s < {min}"));
            }
        }
        failures
    }
}
