//! The hub's own counters from `GET /metrics`, read before and after the run and
//! differenced: events in, encodes (at most one per event), queue overflows, slow
//! closes, and the fan-out histogram.

use livedrop_client::Url;

use crate::prometheus::Metrics;
use crate::sse::summary::FanoutSummary;

/// The stream gauge.
pub const SSE_CONNECTIONS: &str = "livedrop_sse_connections";
const EVENTS: &str = "livedrop_realtime_events_total";
const ENCODES: &str = "livedrop_realtime_encodes_total";
/// Frames dropped because a stream's queue was full (the stream then ends).
pub const OVERFLOWS: &str = "livedrop_realtime_queue_overflows_total";
/// Connections cut because their queue stayed full.
pub const SLOW_CLOSES: &str = "livedrop_realtime_slow_closes_total";
const FANOUT: &str = "livedrop_realtime_fanout_seconds";

/// One scrape of one server; `None` when it failed.
pub async fn scrape(http: &reqwest::Client, base: &str) -> Option<Metrics> {
    let base = Url::parse(base).ok()?;
    Metrics::scrape(http, &base).await.ok()
}

/// The sum of `name` over every server scraped (absent ones count as 0).
pub fn total(scrapes: &[Option<Metrics>], name: &str) -> f64 {
    scrapes
        .iter()
        .flatten()
        .filter_map(|m| m.sum(name, &[]))
        .sum()
}

/// `name` after minus before; a counter absent before counts from 0.
pub fn delta(before: Option<&Metrics>, after: Option<&Metrics>, name: &str) -> Option<f64> {
    let after = after?.sum(name, &[])?;
    let before = before.and_then(|m| m.sum(name, &[])).unwrap_or(0.0);
    Some((after - before).max(0.0))
}

/// Events and encodes over the run, and encodes per event.
pub fn encodes(
    before: Option<&Metrics>,
    after: Option<&Metrics>,
) -> (Option<f64>, Option<f64>, Option<f64>) {
    let events = delta(before, after, EVENTS);
    let encodes = delta(before, after, ENCODES);
    let ratio = match (events, encodes) {
        (Some(events), Some(encodes)) if events > 0.0 => Some(encodes / events),
        _ => None,
    };
    (events, encodes, ratio)
}

/// The fan-out histogram over the run: its count, mean, and the bucket bounds the median
/// and the 99th percentile fall under (a histogram cannot say more).
pub fn fanout(before: Option<&Metrics>, after: Option<&Metrics>) -> Option<FanoutSummary> {
    let count = delta(before, after, &format!("{FANOUT}_count"))?;
    let sum = delta(before, after, &format!("{FANOUT}_sum")).unwrap_or(0.0);
    let buckets = buckets(before, after?);
    // `None` past the last finite bound (the `+Inf` bucket): the summary then says "over
    // `last_bound_ms`".
    let under = |share: f64| {
        let rank = (share * count).ceil();
        buckets
            .iter()
            .find(|(_, cumulative)| *cumulative >= rank && rank > 0.0)
            .map(|(le, _)| le * 1000.0)
            .filter(|ms| ms.is_finite())
    };
    Some(FanoutSummary {
        count,
        mean_ms: (count > 0.0).then(|| sum / count * 1000.0),
        p50_under_ms: under(0.5),
        p99_under_ms: under(0.99),
        last_bound_ms: buckets
            .iter()
            .rev()
            .map(|(le, _)| le * 1000.0)
            .find(|ms| ms.is_finite()),
    })
}

/// `(le, cumulative count over the run)`, by bound; `+Inf` as infinity.
fn buckets(before: Option<&Metrics>, after: &Metrics) -> Vec<(f64, f64)> {
    let name = format!("{FANOUT}_bucket");
    let mut bounds: Vec<(f64, f64)> = after
        .samples()
        .iter()
        .filter(|s| s.name == name)
        .filter_map(|s| {
            let le = s.labels.iter().find(|(l, _)| l == "le")?.1.clone();
            let bound: f64 = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().ok()?
            };
            let earlier = before
                .and_then(|m| m.sum(&name, &[("le", le.as_str())]))
                .unwrap_or(0.0);
            Some((bound, (s.value - earlier).max(0.0)))
        })
        .collect();
    bounds.sort_by(|a, b| a.0.total_cmp(&b.0));
    bounds
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEFORE: &str = "livedrop_realtime_events_total 10\nlivedrop_realtime_encodes_total 5\n\
        livedrop_realtime_fanout_seconds_bucket{le=\"0.001\"} 1\n\
        livedrop_realtime_fanout_seconds_bucket{le=\"0.01\"} 2\n\
        livedrop_realtime_fanout_seconds_bucket{le=\"+Inf\"} 2\n\
        livedrop_realtime_fanout_seconds_sum 0.002\nlivedrop_realtime_fanout_seconds_count 2\n";
    const AFTER: &str = "livedrop_realtime_events_total 110\nlivedrop_realtime_encodes_total 85\n\
        livedrop_realtime_fanout_seconds_bucket{le=\"0.001\"} 51\n\
        livedrop_realtime_fanout_seconds_bucket{le=\"0.01\"} 101\n\
        livedrop_realtime_fanout_seconds_bucket{le=\"+Inf\"} 102\n\
        livedrop_realtime_fanout_seconds_sum 0.302\nlivedrop_realtime_fanout_seconds_count 102\n";

    #[test]
    fn the_run_is_the_difference() {
        let (before, after) = (Metrics::parse(BEFORE), Metrics::parse(AFTER));
        assert_eq!(
            encodes(Some(&before), Some(&after)),
            (Some(100.0), Some(80.0), Some(0.8))
        );
        let fanout = fanout(Some(&before), Some(&after)).unwrap();
        assert_eq!(fanout.count, 100.0);
        assert!((fanout.mean_ms.unwrap() - 3.0).abs() < 1e-9);
        assert_eq!(fanout.p50_under_ms, Some(1.0));
        assert_eq!(fanout.p99_under_ms, Some(10.0));
        assert_eq!(fanout.last_bound_ms, Some(10.0));
        assert_eq!(fanout_absent(), None);
    }

    fn fanout_absent() -> Option<FanoutSummary> {
        fanout(None, Some(&Metrics::parse("other 1\n")))
    }
}
