//! How a real run compares with the same load on the bare server, right after it,
//! through the same client: real ÷ baseline ([`BaselineComparison`], [`Ratios`], kept
//! with the summary they belong to), so a figure reads as what LiveDrop's own work costs
//! over HTTP alone (throughput under 1, p99 over 1).

use super::summary::{BaselineComparison, HttpSummary, OpFigures, Ratios};

impl Ratios {
    /// `real` ÷ `baseline`.
    pub fn of(real: &OpFigures, baseline: &OpFigures) -> Self {
        Self {
            throughput: ratio(Some(real.ok_per_second), Some(baseline.ok_per_second)),
            p99: ratio(real.latency_ms.p99_ms, baseline.latency_ms.p99_ms),
        }
    }
}

impl BaselineComparison {
    /// `real` against `baseline`, kind by kind.
    pub fn of(real: &HttpSummary, baseline: HttpSummary) -> Self {
        let pair = |real: &Option<OpFigures>, base: &Option<OpFigures>| {
            Some(Ratios::of(real.as_ref()?, base.as_ref()?))
        };
        Self {
            orders: pair(&real.orders, &baseline.orders),
            reads: pair(&real.reads, &baseline.reads),
            run: Box::new(baseline),
        }
    }
}

/// `a / b` when both are known and `b` is not zero.
fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    let (a, b) = (a?, b?);
    (b > 0.0).then(|| a / b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::percentiles::Percentiles;

    fn figures(per_second: f64, p99: Option<f64>) -> OpFigures {
        OpFigures {
            ok_per_second: per_second,
            latency_ms: Percentiles {
                p99_ms: p99,
                ..Percentiles::default()
            },
            ..OpFigures::default()
        }
    }

    #[test]
    fn ratios_are_real_over_baseline() {
        let ratios = Ratios::of(&figures(500.0, Some(8.0)), &figures(2000.0, Some(2.0)));
        assert_eq!(ratios.throughput, Some(0.25));
        assert_eq!(ratios.p99, Some(4.0));
        let unmeasured = Ratios::of(&figures(500.0, None), &figures(0.0, Some(2.0)));
        assert_eq!(unmeasured, Ratios::default());
    }
}
