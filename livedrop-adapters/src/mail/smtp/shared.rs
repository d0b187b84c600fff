//! The state an [`SmtpMailer`](super::SmtpMailer)'s clones share, in a file of its own so
//! that the files adding its methods (`letter`, `pool`, `connection`) and the mailer
//! itself each depend on it, not on one another.

use std::time::{Duration, Instant};

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use parking_lot::Mutex;
use tokio::sync::Semaphore;

use super::relay::Relay;

/// What the clones share. Its other methods live with their concern: checking a mail in
/// `letter`, the permits and kept connections in `pool`, a connection's steps in
/// `connection`.
pub(super) struct Inner {
    pub(super) relay: Relay,
    /// For STARTTLS and implicit TLS.
    pub(super) tls: Option<TlsParameters>,
    pub(super) hello: ClientId,
    pub(super) credentials: Option<Credentials>,
    pub(super) from: Mailbox,
    /// The sender's domain, for `Message-ID`s.
    pub(super) domain: String,
    pub(super) timeout: Duration,
    pub(super) idle_timeout: Duration,
    pub(super) max_connections: usize,
    /// One permit per connection in use: at most `max_connections` are open at once (an
    /// idle one was in use before; it is parked before its permit is released).
    pub(super) slots: Semaphore,
    /// Unused connections, the most recently used last.
    pub(super) idle: Mutex<Vec<Parked>>,
}

/// A connection kept for reuse.
pub(super) struct Parked {
    pub(super) conn: AsyncSmtpConnection,
    pub(super) since: Instant,
}
