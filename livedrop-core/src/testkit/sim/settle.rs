//! Settling a finished operation: the oracle checks its answer, and what it revealed goes
//! into the history (orders to cancel, keys to retry) and the report.

use super::answers::{PlaceCtx, Settled};
use super::ops::{AttemptEnd, OpSpec};
use super::oracle::Violation;
use super::runner::{InFlight, OpResult, Sim};
use crate::clock::Clock;

impl Sim<'_> {
    /// Checks a finished operation's answer and feeds it into the history and the report.
    pub(super) fn settle(&mut self, op: &InFlight, result: OpResult) -> Result<String, Violation> {
        match (&op.spec, result) {
            (OpSpec::Place { key, payload, kind }, OpResult::Place(result)) => {
                let ctx = PlaceCtx {
                    key: *key,
                    payload: *payload,
                    kind: *kind,
                    started_at: op.started_at,
                    finished_at: self.clock.now(),
                    order_before: op.order_before,
                };
                let settled = self.oracle.on_place(&self.history, &ctx, &result)?;
                Ok(self.count_place(&ctx, &settled))
            }
            (OpSpec::Cancel { order, as_user }, OpResult::Cancel(result)) => {
                let known = &self.history.orders[*order];
                let outcome = self
                    .oracle
                    .on_cancel(known.id, known.owner, *as_user, &result)?;
                match outcome {
                    "cancelled" => self.report.cancels_applied += 1,
                    "already_cancelled" => self.report.cancels_repeated += 1,
                    "not_found" => self.report.cancels_refused += 1,
                    _ => {}
                }
                Ok(outcome.to_owned())
            }
            (OpSpec::Tick, OpResult::Tick(result)) => {
                let applied = self.oracle.on_tick(op.started_at, &result)?;
                self.report.transitions += applied as u64;
                Ok(match result {
                    Ok(_) => format!("{applied} transitions"),
                    Err(error) => error.code().to_owned(),
                })
            }
            _ => Err(format!(
                "operation #{} finished with the result of another kind",
                op.id
            )),
        }
    }

    fn count_place(&mut self, ctx: &PlaceCtx, settled: &Settled) -> String {
        let owner = self.history.keys[ctx.key].user;
        let mut end = AttemptEnd::Answered;
        let text = match settled {
            Settled::Ordered {
                id,
                replayed,
                first_seen,
                recovered,
            } => {
                if *first_seen {
                    self.history.order_seen(*id, owner);
                }
                if *replayed {
                    self.report.orders_replayed += 1;
                } else {
                    self.report.orders_confirmed += 1;
                }
                self.report.hidden_recovered += u64::from(*recovered);
                match (replayed, recovered) {
                    (false, _) => "confirmed".to_owned(),
                    (true, false) => "replayed order".to_owned(),
                    (true, true) => "replayed hidden order".to_owned(),
                }
            }
            Settled::Refused { code, replayed } => {
                if *replayed {
                    self.report.rejections_replayed += 1;
                    format!("replayed {code}")
                } else {
                    self.report.orders_rejected += 1;
                    (*code).to_owned()
                }
            }
            Settled::Failed { code } => {
                self.report.order_errors += 1;
                end = match *code {
                    "idempotency_key_in_flight" => {
                        self.report.keys_locked += 1;
                        AttemptEnd::KeyLocked
                    }
                    "idempotency_key_reused" => {
                        self.report.keys_reused += 1;
                        AttemptEnd::Answered
                    }
                    _ => AttemptEnd::Retryable,
                };
                format!("error {code}")
            }
        };
        self.history.attempt_ended(ctx.key, end);
        text
    }
}
