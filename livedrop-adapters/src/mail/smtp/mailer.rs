//! [`SmtpMailer`]: the configuration checked once, the state its clones share (the relay,
//! TLS, credentials, sender, deadlines and the bounded connections), and a send: check the
//! mail, take a permit and a connection, deliver, keep the connection.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use lettre::Address;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::extension::ClientId;
use livedrop_core::ports::{Mail, Mailer};
use livedrop_core::{Error, Result};
use parking_lot::Mutex;
use tokio::sync::Semaphore;

use super::BACKEND;
use super::config::{SmtpConfig, redacted};
use super::relay::{Relay, Security};
use super::shared::Inner;
use super::tls::tls_parameters;

/// Mail through an SMTP relay. Connects lazily: it is built while the relay is down, and
/// [`ping`](Self::ping) tells whether it answers. Clones share the connections.
#[derive(Clone)]
pub struct SmtpMailer {
    pub(super) inner: Arc<Inner>,
}

impl fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("SmtpMailer")
            .field("relay", &inner.relay)
            .field("from", &inner.from.to_string())
            .field("timeout", &inner.timeout)
            .field("max_connections", &inner.max_connections)
            .field("idle_timeout", &inner.idle_timeout)
            .finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A mailer for `config`; opens no connection yet.
    ///
    /// # Errors
    /// [`Error::Internal`] for a configuration that cannot work: a URL that is not an SMTP
    /// URL (the message hides its password), a root certificate that is not PEM, no
    /// connections or no time allowed.
    pub fn new(config: SmtpConfig) -> Result<Self> {
        let bad = |why: String| Error::internal(BACKEND, why);
        let relay = Relay::parse(&config.url)
            .map_err(|why| bad(format!("SMTP URL {}: {why}", redacted(&config.url))))?;
        if config.max_connections == 0 {
            return Err(bad("max_connections is 0: no mail could be sent".to_owned()));
        }
        if config.timeout.is_zero() {
            return Err(bad("the timeout is 0: no step could finish".to_owned()));
        }
        let tls = match relay.security {
            Security::Plain => None,
            _ => Some(tls_parameters(&relay.host, config.tls_root_cert.as_deref()).map_err(bad)?),
        };
        let from_address: Address = config
            .from
            .address()
            .as_str()
            .parse()
            .map_err(|e| bad(format!("the sender's address: {e}")))?;
        let domain = from_address.domain().to_owned();
        let from = Mailbox::new(config.from.name().map(str::to_owned), from_address);
        let hello = relay
            .hello
            .clone()
            .map_or_else(ClientId::default, ClientId::Domain);
        let credentials = relay
            .credentials
            .clone()
            .map(|(user, password)| Credentials::new(user, password));
        Ok(Self {
            inner: Arc::new(Inner {
                relay,
                tls,
                hello,
                credentials,
                from,
                domain,
                timeout: config.timeout,
                idle_timeout: config.idle_timeout,
                max_connections: config.max_connections,
                slots: Semaphore::new(config.max_connections),
                idle: Mutex::new(Vec::new()),
            }),
        })
    }

    /// Whether the relay answers now (connects, or checks a kept connection), for
    /// the server's warning at start-up.
    ///
    /// # Errors
    /// [`Error::Unavailable`] when it does not, or refuses the configured TLS or
    /// credentials.
    pub async fn ping(&self) -> Result<()> {
        let inner = &self.inner;
        let _slot = inner.slot().await?;
        let conn = inner.connection().await?;
        inner.park(conn);
        Ok(())
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: Mail) -> Result<()> {
        let inner = &self.inner;
        let letter = inner.letter(&mail)?;
        let _slot = inner.slot().await?;
        let mut conn = inner.connection().await?;
        // On any failure `conn` is dropped here, closing it: it may be mid-command.
        inner.deliver(&mut conn, &letter).await?;
        inner.park(conn);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::mail::Sender;

    #[test]
    fn a_bad_configuration_is_refused_at_construction() {
        let mut config = SmtpConfig::new("smtp://relay.example", Sender::default());
        config.max_connections = 0;
        assert!(SmtpMailer::new(config.clone()).is_err());
        config.max_connections = 1;
        config.timeout = Duration::ZERO;
        assert!(SmtpMailer::new(config.clone()).is_err());
        config.timeout = Duration::from_secs(1);
        config.url = "smtps://relay.example".to_owned();
        config.tls_root_cert = Some(b"not a certificate".to_vec());
        assert!(SmtpMailer::new(config).is_err());
    }
}
