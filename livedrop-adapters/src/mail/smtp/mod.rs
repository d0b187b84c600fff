//! [`SmtpMailer`]: mail handed to an SMTP relay, for production. lettre speaks SMTP and
//! builds the message; this module keeps the connections and the deadlines.
//!
//! Why not lettre's own transport and pool:
//! - Its timeout bounds only the TCP connect (lettre issue 1027): a relay that stops
//!   answering mid-conversation would hold a sign-up forever. Here each step has its
//!   deadline ([`SmtpConfig::timeout`]): opening a connection (TCP, TLS, greeting, EHLO),
//!   STARTTLS, AUTH, the NOOP that checks a reused connection, MAIL, RCPT, DATA and the
//!   message.
//! - A connection whose step failed or ran out of time is dropped, never reused: after an
//!   abandoned command, the relay's late reply would be read as the next command's. lettre's
//!   pool puts a connection back whenever its user lets go of it.
//! - Its pool bounds the idle connections it keeps, not the open ones. Here at most
//!   [`SmtpConfig::max_connections`] are open at once, and reused while they are fresh, so a
//!   burst of sign-ups neither opens a connection each nor queues without end: a send that
//!   finds them all busy waits up to the timeout, then is `Unavailable` (busy).
//!
//! Nothing here logs, and no error carries the text: it may hold a confirmation link.
//! Errors name the relay, the step and the relay's reply.
//!
//! # Layout
//! - `config`: [`SmtpConfig`], and the URL with its password hidden, for `Debug` and
//!   errors.
//! - `relay`: the relay [`SmtpConfig::url`] names (host, port, how the connection is
//!   protected, credentials, EHLO name), parsed and checked.
//! - `tls`: the TLS parameters, trusting the configured root certificate or Mozilla's
//!   roots.
//! - `mailer`: [`SmtpMailer`]: the configuration checked once and a send (take a
//!   connection, deliver, keep the connection).
//! - `shared`: the state its clones share (the relay, TLS, credentials, sender, deadlines,
//!   the permits and the kept connections), which `letter`, `pool` and `connection` add
//!   their methods to.
//! - `pool`: the bounded connections: a permit per connection in use, the idle ones kept
//!   for reuse, and the NOOP that checks one before it is reused.
//! - `connection`: one connection's steps, each within its deadline: opening it (TCP, TLS,
//!   greeting, EHLO, STARTTLS, AUTH) and one mail transaction (MAIL, RCPT, DATA).
//! - `letter`: the message: a mail's parts checked before a connection is taken, and its
//!   RFC 5322 text with the body's encoding.
//! - `failure`: why a send is `Unavailable` (a step failed or timed out, all connections
//!   busy, no SMTPUTF8), without the text.

mod config;
mod connection;
mod failure;
mod letter;
mod mailer;
mod pool;
mod relay;
mod shared;
mod tls;

pub use config::SmtpConfig;
pub use mailer::SmtpMailer;

/// The backend name in errors.
const BACKEND: &str = "smtp";
