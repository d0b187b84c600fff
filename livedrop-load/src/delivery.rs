//! The server's own view of event latency: its histogram
//! `livedrop_event_delivery_seconds{group="livedrop-notifications"}` (event time to the
//! notification consumer's receipt), read before and after the run and differenced, so
//! earlier traffic does not count.

use livedrop_core::services::InboxWriter;

use crate::prometheus::Metrics;
use crate::summary::DeliverySummary;

/// The histogram's `_count` and `_sum` at one scrape; `None` when not published.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Delivery {
    count: f64,
    sum: f64,
}

impl Delivery {
    /// The notification group's histogram in `metrics`.
    pub fn read(metrics: &Metrics) -> Option<Self> {
        let group = [("group", InboxWriter::GROUP)];
        Some(Self {
            count: metrics.sum("livedrop_event_delivery_seconds_count", &group)?,
            sum: metrics
                .sum("livedrop_event_delivery_seconds_sum", &group)
                .unwrap_or(0.0),
        })
    }

    /// What happened between `before` and `after`. A histogram absent before the run
    /// (no event handled yet) counts from zero.
    pub fn between(before: Option<Self>, after: Option<Self>) -> DeliverySummary {
        let Some(after) = after else {
            return DeliverySummary::default();
        };
        let before = before.unwrap_or_default();
        let count = (after.count - before.count).max(0.0);
        DeliverySummary {
            present: true,
            count: count as u64,
            mean_ms: (count > 0.0).then(|| (after.sum - before.sum) / count * 1000.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrape(count: u32, sum: f64) -> Option<Delivery> {
        Delivery::read(&Metrics::parse(&format!(
            "livedrop_event_delivery_seconds_count{{group=\"livedrop-notifications\"}} {count}\n\
             livedrop_event_delivery_seconds_sum{{group=\"livedrop-notifications\"}} {sum}\n\
             livedrop_event_delivery_seconds_count{{group=\"livedrop-cache\"}} 999\n"
        )))
    }

    #[test]
    fn the_delta_counts_only_the_run() {
        let summary = Delivery::between(scrape(10, 1.0), scrape(110, 1.5));
        assert!(summary.present);
        assert_eq!(summary.count, 100);
        let mean = summary.mean_ms.unwrap();
        assert!((mean - 5.0).abs() < 1e-9, "{mean}");
    }

    #[test]
    fn absent_before_counts_from_zero_and_absent_after_is_not_present() {
        assert_eq!(Delivery::between(None, scrape(4, 0.004)).count, 4);
        assert!(!Delivery::between(scrape(1, 0.1), None).present);
        assert_eq!(Delivery::read(&Metrics::parse("other 1\n")), None);
    }
}
