//! Mailers: where the messages to users (registration confirmations) go.
//!
//! - [`MailDir`]: each message an `.eml` file in a directory (always built): a developer's
//!   machine, and the programs there that read the links (the load tool, the browser
//!   test).
//! - [`SmtpMailer`] (feature `smtp`): an SMTP relay, with STARTTLS or implicit TLS and
//!   authentication: production.
//! - The memory mailer is the memory backend's
//!   ([`MemoryMailbox`](crate::memory::MemoryMailbox)).
//!
//! # Layout
//! - `message`: a message as RFC 5322 text (plain UTF-8, 8-bit), its [`Sender`], and
//!   [`parse`] to read one back.
//! - `dir`: [`MailDir`].
//! - `smtp`: [`SmtpMailer`]; only compiled with feature `smtp`, which keeps the SMTP
//!   client out of builds that do not use it.

mod dir;
mod message;
#[cfg(feature = "smtp")]
mod smtp;

pub use dir::MailDir;
pub use message::{Sender, parse};
#[cfg(feature = "smtp")]
pub use smtp::{SmtpConfig, SmtpMailer};
