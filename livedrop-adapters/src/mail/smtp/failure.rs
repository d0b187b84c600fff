//! [`Failure`]: why a send is `Unavailable`. It names the relay, the step and the relay's
//! reply, never the text.

use std::time::Duration;

use lettre::transport::smtp::Error as LettreError;

/// Why a send is `Unavailable`: the source of its
/// [`Error::Unavailable`](livedrop_core::Error::Unavailable).
#[derive(Debug, thiserror::Error)]
pub(super) enum Failure {
    /// The relay refused a step, or the connection failed during it.
    #[error("SMTP relay {relay}: {step} failed")]
    Failed {
        relay: String,
        step: &'static str,
        #[source]
        source: LettreError,
    },
    /// A step had no answer in time.
    #[error("SMTP relay {relay}: {step}: no answer within {after:?}")]
    TimedOut {
        relay: String,
        step: &'static str,
        after: Duration,
    },
    /// Every connection stayed busy.
    #[error("SMTP relay {relay}: all {max} connections stayed busy for {after:?}")]
    Busy {
        relay: String,
        max: usize,
        after: Duration,
    },
    /// An international address, and a relay without SMTPUTF8.
    #[error("SMTP relay {relay}: an address is not ASCII and the relay lacks SMTPUTF8")]
    NoSmtpUtf8 { relay: String },
}
