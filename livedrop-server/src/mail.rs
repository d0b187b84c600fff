//! Where the registration messages go: the configuration and the mailer it makes.
//!
//! - `--smtp-url` (feature `smtp`): an SMTP relay, from `--mail-from`: production.
//! - `--mail-dir`: each message an `.eml` file in that directory: a developer's machine,
//!   and the programs on it that read the links (the load tool, the browser test).
//! - neither: the files go to `livedrop-mail` in the system's temporary directory, and the
//!   start-up log says where: a server run as the README shows has working sign-ups, and
//!   one that looks like production (a database configured) warns that nobody gets mail.
//!
//! The links in the messages point at `--public-url` (the web app is served from the
//! server's own origin), or `http://{listen address}` when it is unset.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use livedrop_adapters::mail::{MailDir, Sender};
use livedrop_core::clock::SystemClock;
use livedrop_core::ports::Mailer;
use livedrop_core::services::AppUrl;

/// Why the mail settings cannot be used: said at start-up, before anything is served.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MailError {
    /// A setting that does not parse.
    #[error("{setting}: {why}")]
    Invalid {
        /// The setting.
        setting: &'static str,
        /// Why.
        why: String,
    },
    /// `--smtp-url` in a build without feature `smtp`.
    #[error("LIVEDROP_SMTP_URL is set, but this build has no SMTP mailer (cargo feature `smtp`)")]
    NotBuilt,
    /// The mail directory cannot be made, or made private.
    #[error("the mail directory")]
    Directory(#[source] livedrop_core::Error),
    /// The SMTP settings are refused.
    #[error("the SMTP relay")]
    Smtp(#[source] livedrop_core::Error),
}

/// The mail settings ([`Config`](crate::Config) flattens them in).
#[derive(Clone, PartialEq, Eq, clap::Args)]
#[non_exhaustive]
pub struct MailConfig {
    /// Directory each message is written to as an `.eml` file, for development. Unset
    /// (and no `--smtp-url`): `livedrop-mail` in the system's temporary directory.
    #[arg(long, env = "LIVEDROP_MAIL_DIR", conflicts_with = "smtp_url")]
    pub mail_dir: Option<PathBuf>,
    /// SMTP relay the messages go to (needs feature `smtp`): `smtp://HOST:PORT` (plain,
    /// for a relay on the same host), `smtp://HOST:587?tls=required` (STARTTLS),
    /// `smtps://HOST:465` (TLS); `USER:PASSWORD@` before the host to authenticate (over
    /// TLS only, unless the relay is on this host).
    #[arg(
        long,
        env = "LIVEDROP_SMTP_URL",
        hide_env_values = true,
        requires = "mail_from"
    )]
    pub smtp_url: Option<String>,
    /// The messages' sender: `Name <address>` or an address (an address the relay may send
    /// from). Unset: `LiveDrop <no-reply@livedrop.localhost>`, which only a mail
    /// directory accepts.
    #[arg(long, env = "LIVEDROP_MAIL_FROM")]
    pub mail_from: Option<String>,
}

/// A mailer and what the start-up log should say about it.
pub struct Mail {
    /// Where the messages go.
    pub mailer: Arc<dyn Mailer>,
    /// Said once at start-up: where mail goes.
    pub described: String,
    /// `true` when the messages reach no one's mailbox (a directory).
    pub undelivered: bool,
}

impl std::fmt::Debug for MailConfig {
    // Never the relay's password: configurations get logged.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("mail_dir", &self.mail_dir)
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "set"))
            .field("mail_from", &self.mail_from)
            .finish()
    }
}

impl MailConfig {
    /// The mailer these settings name.
    ///
    /// # Errors
    /// A sender that is not an address, a directory that cannot be made (or made
    /// private), an SMTP URL that does not parse, or one given to a build without feature
    /// `smtp`.
    pub async fn mailer(&self) -> Result<Mail, MailError> {
        let from = match &self.mail_from {
            Some(text) => text.parse::<Sender>().map_err(|why| MailError::Invalid {
                setting: "LIVEDROP_MAIL_FROM",
                why,
            })?,
            None => Sender::default(),
        };
        if let Some(url) = &self.smtp_url {
            return smtp(url, from).await;
        }
        let dir = self
            .mail_dir
            .clone()
            .unwrap_or_else(|| std::env::temp_dir().join("livedrop-mail"));
        let mailer = MailDir::open(&dir, from, Arc::new(SystemClock))
            .await
            .map_err(MailError::Directory)?;
        Ok(Mail {
            mailer: Arc::new(mailer),
            described: format!("written as .eml files to {}", dir.display()),
            undelivered: true,
        })
    }
}

/// Where the links in the messages point: `public_url`, else this server's own address
/// (with a warning when that is a wildcard no one can open, `0.0.0.0`).
///
/// # Errors
/// A URL that is not a plain `http(s)` origin or path.
pub fn app_url(public_url: Option<&str>, listen: SocketAddr) -> Result<AppUrl, MailError> {
    let url = match public_url {
        Some(url) => url.to_owned(),
        None => {
            if listen.ip().is_unspecified() {
                tracing::warn!(
                    %listen,
                    "no LIVEDROP_PUBLIC_URL: the links in the registration mail name the listen address, which no one can open; set it to the address users see"
                );
            }
            format!("http://{listen}")
        }
    };
    AppUrl::try_from(url.as_str()).map_err(|why| MailError::Invalid {
        setting: "LIVEDROP_PUBLIC_URL",
        why,
    })
}

#[cfg(feature = "smtp")]
async fn smtp(url: &str, from: Sender) -> Result<Mail, MailError> {
    use livedrop_adapters::mail::{SmtpConfig, SmtpMailer};
    let mailer = SmtpMailer::new(SmtpConfig::new(url, from)).map_err(MailError::Smtp)?;
    // A relay that is down now may be up by the first sign-up: say so, do not refuse to
    // start (orders do not need mail).
    if let Err(error) = mailer.ping().await {
        tracing::warn!(%error, "the SMTP relay does not answer yet; sign-ups fail until it does");
    }
    Ok(Mail {
        described: format!("sent through {mailer:?}"),
        mailer: Arc::new(mailer),
        undelivered: false,
    })
}

#[cfg(not(feature = "smtp"))]
async fn smtp(_: &str, _: Sender) -> Result<Mail, MailError> {
    Err(MailError::NotBuilt)
}
