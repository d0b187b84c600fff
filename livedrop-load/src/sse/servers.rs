//! Each server's own figures: what was read of it at the run's moments (its `/metrics`
//! before and after, its process before and after the streams opened and around the idle
//! period), turned into one [`ServerSummary`] per base URL.

use super::host::ProcSample;
use super::server_metrics::{self, OVERFLOWS, SLOW_CLOSES, SSE_CONNECTIONS, scrape};
use super::summary::ServerSummary;
use crate::prometheus::Metrics;

/// The readings, each a list in base-URL order (`--server-pid` lists as long as the pids).
#[derive(Debug, Default)]
pub struct Readings {
    /// `/metrics` before the streams opened.
    pub scrapes_before: Vec<Option<Metrics>>,
    /// `/metrics` at the end.
    pub scrapes_after: Vec<Option<Metrics>>,
    /// Streams opened on each server.
    pub streams: Vec<usize>,
    /// `livedrop_sse_connections` once they were open.
    pub gauges: Vec<Option<f64>>,
    /// Processes before the streams opened.
    pub before_open: Vec<ProcSample>,
    /// Processes with them open.
    pub after_open: Vec<ProcSample>,
    /// Processes at the start of the idle period.
    pub idle_start: Vec<ProcSample>,
    /// Processes at its end.
    pub idle_end: Vec<ProcSample>,
}

impl Readings {
    /// One summary per server of `urls`, paired with `pids` in order.
    pub fn summaries(&self, urls: &[String], pids: &[u32]) -> Vec<ServerSummary> {
        (0..urls.len())
            .map(|u| self.summary(u, urls, pids))
            .collect()
    }

    fn summary(&self, u: usize, urls: &[String], pids: &[u32]) -> ServerSummary {
        let at = |samples: &[ProcSample]| samples.get(u).copied();
        let before = self.scrapes_before.get(u).and_then(Option::as_ref);
        let after = self.scrapes_after.get(u).and_then(Option::as_ref);
        let (events, encodes, encodes_per_event) = server_metrics::encodes(before, after);
        let rss_before_kib = at(&self.before_open).and_then(|s| s.rss_kib);
        let rss_after_kib = at(&self.after_open).and_then(|s| s.rss_kib);
        let streams = self.streams.get(u).copied().unwrap_or(0);
        ServerSummary {
            base_url: urls.get(u).cloned().unwrap_or_default(),
            streams,
            sse_connections: self.gauges.get(u).copied().flatten(),
            pid: pids.get(u).copied(),
            rss_before_kib,
            rss_after_kib,
            rss_per_stream_kib: match (rss_before_kib, rss_after_kib) {
                (Some(b), Some(a)) if streams > 0 => Some((a as f64 - b as f64) / streams as f64),
                _ => None,
            },
            idle_cpu_percent: at(&self.idle_start)
                .zip(at(&self.idle_end))
                .and_then(|(start, end)| start.cpu_percent_until(&end)),
            events,
            encodes,
            encodes_per_event,
            queue_overflows: server_metrics::delta(before, after, OVERFLOWS),
            slow_closes: server_metrics::delta(before, after, SLOW_CLOSES),
            fanout: server_metrics::fanout(before, after),
        }
    }
}

/// One scrape of each server, in order.
pub async fn scrape_all(http: &reqwest::Client, urls: &[String]) -> Vec<Option<Metrics>> {
    let mut scrapes = Vec::with_capacity(urls.len());
    for url in urls {
        scrapes.push(scrape(http, url).await);
    }
    scrapes
}

/// Each server's stream gauge in `scrapes`.
pub fn gauges(scrapes: &[Option<Metrics>]) -> Vec<Option<f64>> {
    scrapes
        .iter()
        .map(|m| m.as_ref().and_then(|m| m.sum(SSE_CONNECTIONS, &[])))
        .collect()
}

/// Each of `pids` now.
pub fn samples(pids: &[u32]) -> Vec<ProcSample> {
    pids.iter().map(|pid| ProcSample::read(*pid)).collect()
}
