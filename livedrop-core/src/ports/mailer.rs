//! The mailer port: plain-text mail to a user's address (registration confirmations).

use std::fmt::{self, Debug};

use async_trait::async_trait;

use crate::Result;
use crate::domain::Email;

/// One plain-text message to one address. Its text may carry a secret (a confirmation
/// link is as good as the account it creates), so its `Debug` shows the recipient and the
/// subject only.
#[derive(Clone, PartialEq, Eq)]
pub struct Mail {
    /// The one recipient.
    pub to: Email,
    /// The subject line: one line, no control characters.
    pub subject: String,
    /// The body, plain UTF-8 text with `\n` line ends.
    pub text: String,
}

impl Debug for Mail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mail")
            .field("to", &self.to)
            .field("subject", &self.subject)
            .field("text", &"..")
            .finish()
    }
}

/// Hands mail over for delivery: to an SMTP relay in production, to a folder on a
/// developer's machine, to memory in tests.
///
/// # Contract
/// - [`send`](Mailer::send) returns `Ok` once the message is accepted for delivery (the
///   relay said `250`, the file is complete, the message is stored): delivery itself may
///   still fail later, out of the caller's sight. Every `Ok` message reaches the transport
///   exactly as given: recipient, subject and text (line ends may become `\r\n` on the
///   wire); a message that was refused is [`Error::Unavailable`](crate::Error::Unavailable)
///   when the transport is down or busy and may be retried.
/// - It never logs the text (it may hold a secret), and no message goes to anyone but its
///   `to`.
/// - A send ends in bounded time: a transport that is slow or saturated answers
///   `Unavailable` once its own deadline passes rather than hold the caller; sends may
///   wait for one another only within that bound (a relay's connections are limited).
#[async_trait]
pub trait Mailer: Send + Sync + Debug + 'static {
    /// Hands `mail` over for delivery.
    async fn send(&self, mail: Mail) -> Result<()>;
}
