//! The human-readable summary: [`HttpSummary`]'s `Display`, a few aligned lines per part.

use std::fmt;

use super::percentiles::Percentiles;
use super::summary::Ratios;
use super::summary::{HttpSummary, OpFigures};
use crate::report::counts;

impl fmt::Display for HttpSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.config;
        writeln!(
            f,
            "{} against {} (drop {})",
            self.mode, self.base_url, self.drop_id
        )?;
        let pace = c.rate.map_or_else(
            || "closed loop".to_owned(),
            |rate| format!("{rate} requests/s"),
        );
        let stock = c.stock.map_or_else(String::new, |s| format!(", stock {s}"));
        writeln!(
            f,
            "  {} connections, {pace} for {} s, read share {}, {} buyers{stock}",
            c.connections, c.seconds, c.read_share, c.buyers
        )?;
        for warning in &self.warnings {
            writeln!(f, "warning     {warning}")?;
        }
        let l = &self.load;
        writeln!(
            f,
            "load        {} requests in {:.2} s: {:.1} answered/s{}",
            l.requests,
            l.seconds,
            l.answered_per_second,
            if l.behind > 0 {
                format!(", {} behind the rate", l.behind)
            } else {
                String::new()
            }
        )?;
        if let Some(orders) = &self.orders {
            op(f, "orders", orders)?;
        }
        if let Some(reads) = &self.reads {
            op(f, "reads", reads)?;
        }
        if let Some(u) = &self.unanswered
            && u.asked_again > 0
        {
            writeln!(
                f,
                "unanswered  {} orders asked about again: {} confirmed, {} unknown",
                u.asked_again, u.confirmed, u.unknown
            )?;
        }
        if let Some(stock) = &self.stock {
            writeln!(f, "oversell    {stock}")?;
        }
        if let Some(s) = &self.server {
            writeln!(
                f,
                "server      pid {}{}: CPU {}, {} per request, RSS {} at the end",
                s.pid,
                if s.processes > 1 {
                    format!(" and {} more", s.processes - 1)
                } else {
                    String::new()
                },
                s.cpu_seconds
                    .map_or_else(|| "-".to_owned(), |cpu| format!("{cpu:.2} s")),
                s.cpu_us_per_request
                    .map_or_else(|| "-".to_owned(), |us| format!("{us:.1} µs")),
                s.rss_kib.map_or_else(
                    || "-".to_owned(),
                    |kib| format!("{:.1} MiB", kib as f64 / 1024.0)
                )
            )?;
            if let Some(ms) = s.pipeline_drained_after_ms {
                writeln!(
                    f,
                    "            (CPU counted until the event pipeline caught up, {ms:.0} ms after the load)"
                )?;
            }
        }
        if let Some(b) = &self.baseline {
            writeln!(f, "baseline    bare server {}", b.run.base_url)?;
            for (kind, figures, ratios) in [
                ("orders", &b.run.orders, &b.orders),
                ("reads", &b.run.reads, &b.reads),
            ] {
                if let (Some(figures), Some(ratios)) = (figures, ratios) {
                    writeln!(
                        f,
                        "            {kind}: {:.1}/s, {}; real/baseline {}",
                        figures.ok_per_second,
                        latency(&figures.latency_ms),
                        ratio_text(ratios)
                    )?;
                }
            }
        }
        match self.failures.as_slice() {
            [] => write!(f, "verdict     passed"),
            failures => write!(f, "verdict     FAILED: {}", failures.join("; ")),
        }
    }
}

/// Two lines about one kind of request.
fn op(f: &mut fmt::Formatter<'_>, kind: &str, o: &OpFigures) -> fmt::Result {
    writeln!(
        f,
        "{kind:<11} {} sent: ok {} ({:.1}/s), 429 {}, refused {}{}, no answer {}{}",
        o.requests,
        o.ok,
        o.ok_per_second,
        o.rate_limited,
        o.refused.values().sum::<u64>(),
        counts(&o.refused),
        o.errors,
        counts(&o.errors_by_kind)
    )?;
    writeln!(f, "            latency (ok) {}", latency(&o.latency_ms))?;
    if o.refused_latency_ms.count > 0 {
        writeln!(
            f,
            "            latency (refused) {}",
            latency(&o.refused_latency_ms)
        )?;
    }
    Ok(())
}

/// `p50 1.2 ms  p90 …  p99 …  p99.9 …  max 5.6 ms (n 78)`, or `no samples`.
fn latency(p: &Percentiles) -> String {
    match (p.p50_ms, p.p90_ms, p.p99_ms, p.p99_9_ms, p.max_ms) {
        (Some(p50), Some(p90), Some(p99), Some(p999), Some(max)) => format!(
            "p50 {p50:.2} ms  p90 {p90:.2} ms  p99 {p99:.2} ms  p99.9 {p999:.2} ms  \
             max {max:.2} ms (n {})",
            p.count
        ),
        _ => "no samples".to_owned(),
    }
}

/// `throughput 0.31, p99 3.20`.
fn ratio_text(r: &Ratios) -> String {
    let show = |x: Option<f64>| x.map_or_else(|| "-".to_owned(), |x| format!("{x:.2}"));
    format!("throughput {}, p99 {}", show(r.throughput), show(r.p99))
}
