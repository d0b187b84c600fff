//! The verdict on an HTTP run: what the reader should be warned of (figures that are
//! real but not what was meant to be measured), and what fails it (an oversell, or a
//! kind of request that never once succeeded: such a run measured nothing).

use super::summary::{HttpSummary, OpFigures};

/// `summary` with its warnings, failures and `passed` filled in.
pub fn judged(mut summary: HttpSummary) -> HttpSummary {
    summary.warnings = warnings(&summary);
    summary.failures = failures(&summary);
    summary.passed = summary.failures.is_empty();
    summary
}

fn kinds(summary: &HttpSummary) -> impl Iterator<Item = (&'static str, &OpFigures)> {
    let orders = summary.orders.iter().map(|f| ("orders", f));
    orders.chain(summary.reads.iter().map(|f| ("reads", f)))
}

fn warnings(summary: &HttpSummary) -> Vec<String> {
    let mut warnings = Vec::new();
    for (kind, figures) in kinds(summary) {
        if figures.rate_limited > 0 {
            warnings.push(format!(
                "{} {kind} were refused 429 by the server's rate limits: start it with \
                 --no-rate-limits (LIVEDROP_NO_RATE_LIMITS=1) to measure HTTP rather than \
                 the limiter",
                figures.rate_limited
            ));
        }
        if figures.errors > 0 {
            warnings.push(format!(
                "{} {kind} got no answer ({})",
                figures.errors,
                figures
                    .errors_by_kind
                    .iter()
                    .map(|(why, n)| format!("{why} {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    if summary.load.behind > 0 {
        warnings.push(format!(
            "{} requests due at --rate were never sent: every connection was waiting on \
             the server (raise --connections, or lower --rate)",
            summary.load.behind
        ));
    }
    if let Some(unanswered) = &summary.unanswered
        && unanswered.unknown > 0
    {
        warnings.push(format!(
            "{} orders got no answer, even when asked again: the oversell check cannot \
             account for them",
            unanswered.unknown
        ));
    }
    warnings
}

fn failures(summary: &HttpSummary) -> Vec<String> {
    let mut failures: Vec<String> = summary.stock.iter().flat_map(|s| s.failure()).collect();
    for (kind, figures) in kinds(summary) {
        if figures.ok == 0 {
            failures.push(format!(
                "no {kind} succeeded ({} sent): the run measured nothing",
                figures.requests
            ));
        }
    }
    if summary.load.requests == 0 {
        failures.push("no request was sent".to_owned());
    }
    failures
}
