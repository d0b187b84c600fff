//! [`SmtpConfig`]: where the relay is, who the mail is from, how long to wait; and the
//! URL with its password hidden, for its `Debug` and for errors.

use std::fmt;
use std::time::Duration;

use url::Url;

use crate::mail::Sender;

/// Where the relay is, who the mail is from, and how long to wait.
#[derive(Clone)]
pub struct SmtpConfig {
    /// The relay, in lettre's URL conventions:
    /// - `smtp://[user:password@]host[:port]`: plain SMTP, port 25;
    /// - `smtp://...?tls=required`: STARTTLS, refusing a relay without it, port 587;
    /// - `smtp://...?tls=opportunistic`: STARTTLS when the relay offers it, port 587;
    /// - `smtps://...`: implicit TLS, port 465.
    ///
    /// A path names the client in `EHLO` (`smtps://relay.example/app.example`); without
    /// one it is lettre's default, `[127.0.0.1]`. User and password come together or not
    /// at all, percent-decoded, for AUTH PLAIN (or LOGIN) on each new connection, and only
    /// with `tls=required` or `smtps` (plain text only to a relay on this host). Any
    /// other query parameter is refused, as is a `tls` one with `smtps`.
    pub url: String,
    /// The `From` of every message.
    pub from: Sender,
    /// With TLS: the PEM certificate(s) the relay's certificate must chain to (a private
    /// authority, a self-signed relay). `None`: Mozilla's roots (webpki-roots).
    pub tls_root_cert: Option<Vec<u8>>,
    /// Longest wait for each step: opening a connection (TCP, TLS, greeting, EHLO), each
    /// command, and a free connection when all are busy.
    pub timeout: Duration,
    /// Most connections open at once; sends beyond it wait for one.
    pub max_connections: usize,
    /// How long an unused connection is kept for reuse (relays close idle clients after
    /// some minutes; RFC 5321 asks them to wait at least five). Expired ones are closed
    /// when a send next looks for a connection; a reused one is checked with a NOOP.
    pub idle_timeout: Duration,
}

impl SmtpConfig {
    /// Defaults for the relay at `url`, sending as `from`: 10 s per step, at most 8
    /// connections, each kept 60 s unused.
    pub fn new(url: impl Into<String>, from: Sender) -> Self {
        Self {
            url: url.into(),
            from,
            tls_root_cert: None,
            timeout: Duration::from_secs(10),
            max_connections: 8,
            idle_timeout: Duration::from_secs(60),
        }
    }
}

impl fmt::Debug for SmtpConfig {
    // Never the password: configurations get logged.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("url", &redacted(&self.url))
            .field("from", &self.from)
            .field("tls_root_cert", &self.tls_root_cert.as_ref().map(|_| "set"))
            .field("timeout", &self.timeout)
            .field("max_connections", &self.max_connections)
            .field("idle_timeout", &self.idle_timeout)
            .finish()
    }
}

/// The URL with its password hidden (`smtp://user:***@host`); all of it hidden when it
/// does not parse, as a password could be anywhere in it.
pub(super) fn redacted(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                // Cannot fail: a URL with a password has a host.
                let _ = parsed.set_password(Some("***"));
            }
            parsed.into()
        }
        Err(_) => "***".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::SmtpMailer;

    #[test]
    fn debug_output_never_shows_the_password() {
        let config = SmtpConfig::new(
            "smtp://apikey:s3cret@relay.example:587?tls=required",
            Sender::default(),
        );
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(
            shown.contains("smtp://apikey:***@relay.example:587?tls=required"),
            "{shown}"
        );
        let mailer = SmtpMailer::new(config).unwrap();
        let shown = format!("{mailer:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("apikey"), "{shown}");
        assert_eq!(redacted("not a url with s3cret"), "***");
    }
}
