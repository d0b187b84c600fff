//! The human-readable summary: [`Summary`]'s `Display`, a few aligned lines per part.

use std::collections::BTreeMap;
use std::fmt;

use crate::{LatencyStats, Summary};

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.config;
        writeln!(
            f,
            "pipeline against {} (drop {})",
            self.base_url, self.drop_id
        )?;
        writeln!(
            f,
            "  {} buyers, {} orders/s for {} s, {} listeners{}, inbox sample 1 in {}, stock {}",
            c.buyers,
            c.rate,
            c.seconds,
            c.listeners,
            if c.followers_stream {
                " following the creator"
            } else {
                ""
            },
            c.inbox_sample,
            c.stock
        )?;
        for warning in &self.warnings {
            writeln!(f, "warning     {warning}")?;
        }

        let o = &self.orders;
        writeln!(
            f,
            "orders      sent {} of {} scheduled ({} skipped at the in-flight bound) in {:.2} s, {:.1}/s",
            o.sent, o.scheduled, o.skipped, o.window_seconds, o.sent_per_second
        )?;
        writeln!(
            f,
            "            confirmed {} ({:.1}/s), 429 {}, refused {}{}, no answer {} \
             (confirmed on asking again {}, unknown {}){}",
            o.confirmed,
            o.confirmed_per_second,
            o.rate_limited,
            o.refused.values().sum::<u64>(),
            counts(&o.refused),
            o.failed,
            o.confirmed_on_replay,
            o.unknown,
            if o.settled {
                ""
            } else {
                "; some never answered"
            }
        )?;
        writeln!(f, "            latency (201s) {}", latency(&o.latency_ms))?;

        let s = &self.stream;
        writeln!(
            f,
            "stream      {} of {} listeners got events ({} streams open at start): {} events{}, {} errors",
            s.listeners_with_events,
            s.listeners,
            s.streams_open_at_start
                .map_or_else(|| "gauge absent".to_owned(), |n| format!("{n}")),
            s.events,
            counts(&s.by_type),
            s.errors
        )?;
        writeln!(f, "            event to stream {}", latency(&s.latency_ms))?;

        let i = &self.inbox;
        writeln!(
            f,
            "inbox       {} sampled: {} found, {} missing at the deadline ({} polls, {} failed)",
            i.sampled, i.found, i.missing, i.polls, i.poll_errors
        )?;
        writeln!(f, "            event to inbox {}", latency(&i.latency_ms))?;

        let d = &self.server_delivery;
        match (d.present, d.mean_ms) {
            (false, _) => writeln!(f, "server      delivery histogram absent")?,
            (true, mean) => writeln!(
                f,
                "server      notification consumer: {} events, mean delivery {}",
                d.count,
                mean.map_or_else(|| "-".to_owned(), |ms| format!("{ms:.1} ms"))
            )?,
        }

        let l = &self.lag;
        match (l.metric_present, l.drained_after_ms) {
            (false, _) => writeln!(f, "lag         livedrop_consumer_lag absent")?,
            (true, Some(ms)) => writeln!(
                f,
                "lag         read 0 {ms:.0} ms after the load (highest {})",
                l.max_value.unwrap_or_default()
            )?,
            (true, None) => writeln!(
                f,
                "lag         never read 0 (last {})",
                l.last_value.unwrap_or_default()
            )?,
        }

        writeln!(f, "oversell    {}", self.stock)?;
        match self.failures.as_slice() {
            [] => write!(f, "verdict     passed"),
            failures => write!(f, "verdict     FAILED: {}", failures.join("; ")),
        }
    }
}

/// `p50 1.2 ms  p99 3.4 ms  max 5.6 ms (n 78)`, or `no samples`.
fn latency(stats: &LatencyStats) -> String {
    match (stats.p50_ms, stats.p99_ms, stats.max_ms) {
        (Some(p50), Some(p99), Some(max)) => format!(
            "p50 {p50:.1} ms  p99 {p99:.1} ms  max {max:.1} ms (n {})",
            stats.count
        ),
        _ => "no samples".to_owned(),
    }
}

/// ` (a 1, b 2)`, or nothing when empty (the HTTP modes' report too).
pub fn counts(counts: &BTreeMap<String, u64>) -> String {
    if counts.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
    format!(" ({})", parts.join(", "))
}
