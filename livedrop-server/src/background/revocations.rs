//! The watch for sign-ins revoked on other nodes: their access tokens are refused here
//! within a second, not when they expire.
//!
//! Each round asks the credential store for the sign-ins revoked lately (one indexed read)
//! and adds them to the token checks' [`RevokedSignIns`]. Rounds overlap by
//! [`LOOKBACK`], so a revocation whose transaction committed a little after its instant is
//! still seen; adding one again changes nothing. Sign-ins revoked longer ago than a token
//! lives are forgotten.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use livedrop_core::clock::Clock;
use livedrop_core::ports::Credentials;
use tokio::sync::watch;

use super::retry::stopped_during;
use crate::auth::RevokedSignIns;
use crate::auth::tokens::ACCESS_TTL;

/// How far back each round looks past the previous one.
const LOOKBACK: TimeDelta = TimeDelta::seconds(30);

/// How long a revocation matters: a token issued just before it lives this long after,
/// with the checks' clock-skew leeway.
fn relevant() -> TimeDelta {
    TimeDelta::from_std(ACCESS_TTL).unwrap_or(TimeDelta::MAX) + TimeDelta::minutes(1)
}

/// Keeps `revoked` current from `credentials` every `every` until `stop`; the first round
/// reads every revocation still relevant. A failed round is logged (once per outage) and
/// the next one looks back to the last that succeeded.
pub(super) async fn run(
    credentials: Arc<dyn Credentials>,
    revoked: RevokedSignIns,
    clock: Arc<dyn Clock>,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let mut since: DateTime<Utc> = clock.now() - relevant();
    let mut failing = false;
    loop {
        let started = clock.now();
        match credentials.revoked_since(since).await {
            Ok(families) => {
                for (family, at) in families {
                    revoked.insert(family, at);
                }
                revoked.forget_before(started - relevant());
                metrics::gauge!("livedrop_revoked_sign_ins").set(revoked.len() as f64);
                since = started - LOOKBACK;
                failing = false;
            }
            Err(error) if !failing => {
                tracing::warn!(%error, "revoked sign-ins unavailable; other nodes' logouts wait");
                failing = true;
            }
            Err(_) => {}
        }
        if stopped_during(&mut stop, every).await {
            return;
        }
    }
}
