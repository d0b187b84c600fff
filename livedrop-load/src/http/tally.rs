//! [`Tally`]: what one kind of request got, counted by each worker on its own (no lock
//! or shared counter per answer beyond [`Live`]'s) and merged once the load is over;
//! [`Live`]: the few counts the progress bar reads meanwhile.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Deserialize;

use super::connection::{Answer, Failure};
use super::percentiles::{self, Latencies, Percentiles};
use super::requests::OrderSent;
use super::summary::OpFigures;

/// The two requests of the HTTP modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `POST /orders`.
    Order,
    /// `GET /api/drops/{id}`.
    Read,
}

impl Kind {
    /// The status of a request that did what it asked: `201` created, `200` read.
    pub fn success(self) -> u16 {
        match self {
            Self::Order => 201,
            Self::Read => 200,
        }
    }
}

/// Counts the progress bar shows during the load, all kinds together.
#[derive(Debug, Default)]
pub struct Live {
    /// Successful answers (`201` orders, `200` reads).
    pub ok: AtomicU64,
    /// `429`s.
    pub rate_limited: AtomicU64,
    /// Other answers.
    pub refused: AtomicU64,
    /// No answer.
    pub errors: AtomicU64,
}

impl Live {
    /// A count's current value.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// One kind's answers, by one worker or, merged, by all.
#[derive(Debug)]
pub struct Tally {
    /// Latencies of the successful answers; made on the first (a histogram is about
    /// 70 KiB, and in `orders` or `reads` each worker's tally of the other kind stays
    /// empty).
    latencies: Option<Latencies>,
    /// Latencies of the refusals (neither successful nor `429`): how fast a server that
    /// cannot serve says so (a dependency outage's `503`s), made on the first.
    refused_latencies: Option<Latencies>,
    /// Answers by status code.
    by_status: BTreeMap<u16, u64>,
    /// Answers neither successful nor `429`, by problem code.
    refused: BTreeMap<String, u64>,
    /// Requests with no answer, by why.
    errors: BTreeMap<Failure, u64>,
    /// Orders that got no answer but may have been handled: asked about again after the
    /// load, so the oversell check can count them.
    pub unanswered: Vec<OrderSent>,
}

/// The part of a problem body (`application/problem+json`) the tally reads.
#[derive(Deserialize)]
struct ProblemCode {
    code: String,
}

impl Default for Tally {
    /// Nothing counted yet.
    fn default() -> Self {
        Self {
            latencies: None,
            refused_latencies: None,
            by_status: BTreeMap::new(),
            refused: BTreeMap::new(),
            errors: BTreeMap::new(),
            unanswered: Vec::new(),
        }
    }
}

impl Tally {
    /// Counts `outcome` of a `kind` request (the order `sent`, for orders) that took
    /// `latency`, on the tally and on `live`.
    pub fn record(
        &mut self,
        kind: Kind,
        sent: Option<OrderSent>,
        outcome: &Result<Answer, Failure>,
        latency: Duration,
        live: &Live,
    ) {
        let counter = match outcome {
            Ok(answer) => {
                *self.by_status.entry(answer.status).or_default() += 1;
                if answer.status == kind.success() {
                    let latencies = self.latencies.get_or_insert_with(percentiles::latencies);
                    percentiles::record(latencies, latency);
                    &live.ok
                } else if answer.status == 429 {
                    &live.rate_limited
                } else {
                    *self.refused.entry(problem_code(answer)).or_default() += 1;
                    let latencies = self
                        .refused_latencies
                        .get_or_insert_with(percentiles::latencies);
                    percentiles::record(latencies, latency);
                    &live.refused
                }
            }
            Err(failure) => {
                *self.errors.entry(*failure).or_default() += 1;
                if let Some(sent) = sent.filter(|_| failure.maybe_handled()) {
                    self.unanswered.push(sent);
                }
                &live.errors
            }
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Adds `other`'s counts to these.
    pub fn merge(&mut self, other: Self) {
        merge_latencies(&mut self.latencies, other.latencies);
        merge_latencies(&mut self.refused_latencies, other.refused_latencies);
        for (status, n) in other.by_status {
            *self.by_status.entry(status).or_default() += n;
        }
        for (code, n) in other.refused {
            *self.refused.entry(code).or_default() += n;
        }
        for (failure, n) in other.errors {
            *self.errors.entry(failure).or_default() += n;
        }
        self.unanswered.extend(other.unanswered);
    }

    /// The figures of a `kind` load that lasted `seconds`.
    pub fn figures(&self, kind: Kind, seconds: f64) -> OpFigures {
        let answered: u64 = self.by_status.values().sum();
        let errors: u64 = self.errors.values().sum();
        let ok = self.by_status.get(&kind.success()).copied().unwrap_or(0);
        let per_second = |n: u64| {
            if seconds > 0.0 {
                n as f64 / seconds
            } else {
                0.0
            }
        };
        OpFigures {
            requests: answered + errors,
            answered,
            ok,
            rate_limited: self.by_status.get(&429).copied().unwrap_or(0),
            refused: self.refused.clone(),
            errors,
            errors_by_kind: self
                .errors
                .iter()
                .map(|(failure, n)| (failure.name().to_owned(), *n))
                .collect(),
            by_status: self
                .by_status
                .iter()
                .map(|(status, n)| (status.to_string(), *n))
                .collect(),
            answered_per_second: per_second(answered),
            ok_per_second: per_second(ok),
            latency_ms: self
                .latencies
                .as_ref()
                .map(Percentiles::of)
                .unwrap_or_default(),
            refused_latency_ms: self
                .refused_latencies
                .as_ref()
                .map(Percentiles::of)
                .unwrap_or_default(),
        }
    }
}

/// Adds `theirs` to `mine`.
fn merge_latencies(mine: &mut Option<Latencies>, theirs: Option<Latencies>) {
    match (mine, theirs) {
        // Same bounds on both sides, so adding cannot fail.
        (Some(mine), Some(theirs)) => {
            let _ = mine.add(&theirs);
        }
        (mine @ None, theirs) => *mine = theirs,
        (Some(_), None) => {}
    }
}

/// The problem code of a refusal, or `http_STATUS` for a body that is not a problem.
fn problem_code(answer: &Answer) -> String {
    serde_json::from_slice::<ProblemCode>(&answer.body).map_or_else(
        |_| format!("http_{}", answer.status),
        |problem| problem.code,
    )
}

#[cfg(test)]
mod tests {
    use hyper::body::Bytes;

    use super::*;

    fn answer(status: u16, body: &'static str) -> Result<Answer, Failure> {
        Ok(Answer {
            status,
            body: Bytes::from_static(body.as_bytes()),
        })
    }

    #[test]
    fn answers_add_up_by_status_code_and_failure() {
        let live = Live::default();
        let ms = Duration::from_millis(3);
        let sent = OrderSent {
            buyer: 1,
            key: uuid::Uuid::new_v4(),
        };
        let mut tally = Tally::default();
        tally.record(Kind::Order, Some(sent), &answer(201, "{}"), ms, &live);
        tally.record(Kind::Order, Some(sent), &answer(429, ""), ms, &live);
        let sold_out = r#"{"type":"/problems/sold_out","code":"sold_out","status":409}"#;
        tally.record(Kind::Order, Some(sent), &answer(409, sold_out), ms, &live);
        tally.record(
            Kind::Order,
            Some(sent),
            &answer(502, "bad gateway"),
            ms,
            &live,
        );
        let mut other = Tally::default();
        other.record(Kind::Order, Some(sent), &Err(Failure::Timeout), ms, &live);
        other.record(Kind::Order, Some(sent), &Err(Failure::Connect), ms, &live);
        tally.merge(other);

        let figures = tally.figures(Kind::Order, 2.0);
        assert_eq!((figures.requests, figures.answered), (6, 4));
        assert_eq!(
            (figures.ok, figures.rate_limited, figures.errors),
            (1, 1, 2)
        );
        assert_eq!(figures.refused.get("sold_out"), Some(&1));
        assert_eq!(figures.refused.get("http_502"), Some(&1));
        assert_eq!(figures.errors_by_kind.get("timeout"), Some(&1));
        assert_eq!(figures.latency_ms.count, 1);
        // The two refusals' latencies, apart from the success's and the 429's.
        assert_eq!(figures.refused_latency_ms.count, 2);
        assert_eq!(figures.ok_per_second, 0.5);
        // A connect failure was never sent: only the timed-out order is asked about.
        assert_eq!(tally.unanswered.len(), 1);
        assert_eq!(Live::get(&live.errors), 2);
    }
}
