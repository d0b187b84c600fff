//! The human-readable `sse` summary: [`SseSummary`]'s `Display`, a few lines per part.

use std::fmt;

use super::summary::{ServerSummary, SseSummary};
use crate::LatencyStats;

impl fmt::Display for SseSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.config;
        writeln!(
            f,
            "sse against {} (drop {})",
            self.base_urls.join(", "),
            self.drop_id
        )?;
        writeln!(
            f,
            "  {} streams ({} following), {} buyers, stock {}, storm {} x {} away{}, {} stuck x {} events, idle {} s",
            c.streams,
            c.followers,
            c.buyers,
            c.stock,
            c.storm,
            c.away_events,
            if c.storm_gap { " + gap" } else { "" },
            c.stuck,
            c.stuck_events,
            c.idle_seconds
        )?;
        for warning in &self.warnings {
            writeln!(f, "warning     {warning}")?;
        }
        let o = &self.open;
        writeln!(
            f,
            "open        {} opened, {} failed, in {:.0} ms{}",
            o.opened,
            o.failed,
            o.took_ms,
            o.errors
                .first()
                .map_or_else(String::new, |e| format!(" (first failure: {e})"))
        )?;
        let d = &self.delivery;
        writeln!(
            f,
            "delivery    {} of {} streams clean; {} events expected: {} missed, {} repeated, \
             {} out of order, {} unexpected, resets {} extra / {} missing; {} server-ended \
             connections resumed",
            d.streams_ok,
            d.streams,
            d.expected,
            d.missed,
            d.repeated,
            d.out_of_order,
            d.unexpected,
            d.extra_resets,
            d.missing_resets,
            d.server_ends
        )?;
        for example in &d.examples {
            writeln!(f, "            {example}")?;
        }
        let l = &self.latency;
        writeln!(
            f,
            "latency     drop.started {}",
            latency(&l.drop_started_ms)
        )?;
        writeln!(
            f,
            "            orders{} {}",
            if l.orders_cross_node {
                " (cross-node)"
            } else {
                ""
            },
            latency(&l.orders_ms)
        )?;
        if let Some(s) = &self.storm {
            writeln!(
                f,
                "storm       {} streams away {:.0} ms while {} orders ({} failed); resumed{} in \
                 {:.0} ms: {} replayed, {} missed",
                s.streams,
                s.away_ms,
                s.away_orders,
                s.away_orders_failed,
                if s.cross_node {
                    " on the next server"
                } else {
                    ""
                },
                s.reconnect_ms,
                s.replayed,
                s.missed
            )?;
        }
        if let Some(g) = &self.gap {
            writeln!(
                f,
                "gap         {} streams from the zero position: {} resets {:?}, {} events replayed instead",
                g.streams, g.resets, g.reasons, g.replayed_instead
            )?;
        }
        if let Some(s) = &self.stuck {
            writeln!(
                f,
                "stuck       {} streams x {} events: {}; slow closes {}, overflows {}, {} ended \
                 with a reconnect; frames left in their sockets {}..{}; RSS (KiB) {:?}",
                s.streams,
                s.events_each,
                match s.closed_after_ms {
                    Some(ms) => format!("cut {:.1} s after the burst", ms / 1000.0),
                    None => "NOT all cut".to_owned(),
                },
                s.slow_closes,
                s.queue_overflows,
                s.ended_with_reconnect,
                s.frames_buffered.0,
                s.frames_buffered.1,
                s.rss_kib
            )?;
        }
        for server in &self.servers {
            writeln!(f, "server      {}", server_line(server))?;
        }
        if let Some(db) = &self.database {
            writeln!(
                f,
                "database    {:.1}/s while idle ({})",
                db.per_second, db.source
            )?;
        }
        match self.failures.as_slice() {
            [] => write!(f, "verdict     passed"),
            failures => write!(f, "verdict     FAILED: {}", failures.join("; ")),
        }
    }
}

fn server_line(s: &ServerSummary) -> String {
    let opt =
        |v: Option<f64>, unit: &str| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.1}{unit}"));
    let mut line = format!(
        "{}: {} streams (gauge {}), events {}, encodes {} ({} per event), overflows {}, slow closes {}",
        s.base_url,
        s.streams,
        opt(s.sse_connections, ""),
        opt(s.events, ""),
        opt(s.encodes, ""),
        s.encodes_per_event
            .map_or_else(|| "-".to_owned(), |r| format!("{r:.3}")),
        opt(s.queue_overflows, ""),
        opt(s.slow_closes, ""),
    );
    if let Some(pid) = s.pid {
        line.push_str(&format!(
            "\n            pid {pid}: RSS {} -> {} KiB ({} KiB/stream), idle CPU {}",
            s.rss_before_kib
                .map_or_else(|| "-".to_owned(), |v| v.to_string()),
            s.rss_after_kib
                .map_or_else(|| "-".to_owned(), |v| v.to_string()),
            s.rss_per_stream_kib
                .map_or_else(|| "-".to_owned(), |v| format!("{v:.2}")),
            opt(s.idle_cpu_percent, "% of a core"),
        ));
    }
    if let Some(fanout) = &s.fanout {
        let bound = |under: Option<f64>| match (under, fanout.last_bound_ms) {
            (Some(ms), _) => format!("under {ms} ms"),
            (None, Some(last)) if fanout.count > 0.0 => format!("over {last} ms"),
            _ => "-".to_owned(),
        };
        line.push_str(&format!(
            "\n            fan-out {} frames, mean {}, p50 {}, p99 {}",
            fanout.count,
            opt(fanout.mean_ms, " ms"),
            bound(fanout.p50_under_ms),
            bound(fanout.p99_under_ms),
        ));
    }
    line
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
