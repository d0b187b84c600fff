//! The verdict on an HTTP run: what the reader should be warned of (figures that are
//! real but not what was meant to be measured), and what fails it (an oversell, or a
//! kind of request that never once succeeded: such a run measured nothing).

use super::summary::{HttpSummary, OpFigures, ServerCost};

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
    warnings.extend(summary.server.as_ref().and_then(undrained));
    warnings
}

/// After orders, a pipeline still behind two minutes on: the CPU figure then counts the
/// server idling (or catching up on something else) for the whole wait. Where the
/// consumers could not join their groups, the broker held them off, and the remedy is
/// there.
fn undrained(server: &ServerCost) -> Option<String> {
    let lag = server.pipeline_lag_left?;
    let behind = format!(
        "the event pipeline had not caught up two minutes after the load ({lag:.0} events \
         still behind): the server's CPU per request counts that wait"
    );
    Some(match server.consumer_join_failures {
        Some(failed) if failed > 0.0 => format!(
            "{behind}. Its consumers failed {failed:.0} times to join their groups: the \
             broker admitted no member (tansu 0.6.0 once did so after two instances were \
             restarted on it). Restart the broker"
        ),
        _ => format!(
            "{behind}, and no failed group join was counted: read \
             livedrop_outbox_pending, livedrop_consumer_lag and the server's log for which \
             part fell behind"
        ),
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pipeline_left_behind_is_warned_of_and_a_drained_one_is_not() {
        let drained = ServerCost {
            pipeline_drained_after_ms: Some(1_250.0),
            ..ServerCost::default()
        };
        assert_eq!(undrained(&drained), None);
        let behind = ServerCost {
            pipeline_lag_left: Some(1_262_257.0),
            ..ServerCost::default()
        };
        let warning = undrained(&behind).unwrap();
        assert!(warning.contains("1262257 events still behind"), "{warning}");
        assert!(!warning.contains("broker"), "{warning}");
        // The server's counter reads 0 from its start: no failure, no broker blamed.
        let none_refused = ServerCost {
            consumer_join_failures: Some(0.0),
            ..behind
        };
        let warning = undrained(&none_refused).unwrap();
        assert!(warning.contains("no failed group join"), "{warning}");
        assert!(!warning.contains("broker"), "{warning}");
    }

    #[test]
    fn a_pipeline_held_off_by_the_broker_is_put_down_to_the_broker() {
        let refused = ServerCost {
            pipeline_lag_left: Some(58_269.0),
            consumer_join_failures: Some(10.0),
            ..ServerCost::default()
        };
        let warning = undrained(&refused).unwrap();
        assert!(warning.contains("58269 events still behind"), "{warning}");
        assert!(warning.contains("failed 10 times to join"), "{warning}");
        assert!(warning.contains("Restart the broker"), "{warning}");
    }
}
