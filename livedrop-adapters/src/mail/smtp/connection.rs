//! One connection's steps, each within its deadline ([`SmtpConfig::timeout`]): opening it
//! (TCP, TLS, greeting, EHLO, then STARTTLS and AUTH as configured) and one mail
//! transaction (MAIL, RCPT, DATA, the message). A step that fails or runs out of time is
//! `Unavailable`, and its connection must not be reused.
//!
//! [`SmtpConfig::timeout`]: super::SmtpConfig::timeout

use std::future::Future;

use lettre::transport::smtp::Error as LettreError;
use lettre::transport::smtp::authentication::DEFAULT_MECHANISMS;
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::commands::{Data, Mail as MailCommand, Rcpt};
use lettre::transport::smtp::extension::{Extension, MailBodyParameter, MailParameter};
use livedrop_core::{Error, Result};

use super::BACKEND;
use super::failure::Failure;
use super::letter::{Letter, render};
use super::relay::Security;
use super::shared::Inner;

impl Inner {
    /// `step`, within the timeout; any failure is `Unavailable`.
    pub(super) async fn within<T>(
        &self,
        step: &'static str,
        work: impl Future<Output = std::result::Result<T, LettreError>>,
    ) -> Result<T> {
        let relay = || self.relay.to_string();
        match tokio::time::timeout(self.timeout, work).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(source)) => Err(Error::unavailable(
                BACKEND,
                Failure::Failed {
                    relay: relay(),
                    step,
                    source,
                },
            )),
            Err(_) => Err(Error::unavailable(
                BACKEND,
                Failure::TimedOut {
                    relay: relay(),
                    step,
                    after: self.timeout,
                },
            )),
        }
    }

    /// A new connection: TCP (and TLS from the start with `smtps`), greeting and EHLO, then
    /// STARTTLS and AUTH as configured.
    pub(super) async fn open(&self) -> Result<AsyncSmtpConnection> {
        let relay = &self.relay;
        let implicit_tls = match relay.security {
            Security::Tls => self.tls.clone(),
            _ => None,
        };
        let mut conn = self
            .within(
                "connect",
                AsyncSmtpConnection::connect_tokio1(
                    (relay.host.as_str(), relay.port),
                    Some(self.timeout),
                    &self.hello,
                    implicit_tls,
                    None,
                ),
            )
            .await?;
        let starttls = match relay.security {
            Security::StartTls => true,
            Security::StartTlsIfOffered => conn.can_starttls(),
            Security::Plain | Security::Tls => false,
        };
        if starttls && let Some(tls) = self.tls.clone() {
            self.within("STARTTLS", conn.starttls(tls, &self.hello))
                .await?;
        }
        if let Some(credentials) = &self.credentials {
            self.within("AUTH", conn.auth(DEFAULT_MECHANISMS, credentials))
                .await?;
        }
        Ok(conn)
    }

    /// One mail transaction on `conn`: MAIL, RCPT, DATA, the message.
    pub(super) async fn deliver(
        &self,
        conn: &mut AsyncSmtpConnection,
        letter: &Letter<'_>,
    ) -> Result<()> {
        let info = conn.server_info();
        let eight_bit = info.supports_feature(Extension::EightBitMime);
        let smtp_utf8 = info.supports_feature(Extension::SmtpUtfEight);
        let id = format!("<{}@{}>", uuid::Uuid::new_v4().simple(), self.domain);
        let bytes = render(&self.from, letter, id, eight_bit)?;
        let mut parameters = Vec::new();
        if eight_bit && !bytes.is_ascii() {
            parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        if letter.international {
            if !smtp_utf8 {
                return Err(Error::unavailable(
                    BACKEND,
                    Failure::NoSmtpUtf8 {
                        relay: self.relay.to_string(),
                    },
                ));
            }
            parameters.push(MailParameter::SmtpUtfEight);
        }
        let from = self.from.email.clone();
        self.within(
            "MAIL FROM",
            conn.command(MailCommand::new(Some(from), parameters)),
        )
        .await?;
        self.within(
            "RCPT TO",
            conn.command(Rcpt::new(letter.to.clone(), Vec::new())),
        )
        .await?;
        self.within("DATA", conn.command(Data)).await?;
        // lettre ends the data with CRLF.CRLF, whose first CRLF ends the last line (RFC
        // 5321): a message already ending in one would gain an empty line.
        let data = bytes.strip_suffix(b"\r\n").unwrap_or(&bytes);
        self.within("the message", conn.message(data)).await?;
        Ok(())
    }
}
