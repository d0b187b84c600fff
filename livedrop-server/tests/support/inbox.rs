//! Where a test reads what the server mailed: the memory mailbox of a server in process,
//! or the directory a server binary writes to; and the confirmation links in it.

use std::path::PathBuf;
use std::time::Duration;

use livedrop_adapters::mail::MailDir;
use livedrop_adapters::memory::MemoryMailbox;
use livedrop_core::domain::Email;
use livedrop_core::ports::Mail;

/// A server's outgoing mail, as a test reads it.
#[derive(Clone, Debug)]
pub enum Inbox {
    /// A server in process ([`AppState::mailbox`](livedrop_server::AppState::mailbox), or
    /// a mailbox given to its builder).
    Memory(MemoryMailbox),
    /// A binary's `LIVEDROP_MAIL_DIR`.
    Dir(PathBuf),
}

impl Inbox {
    /// Every message to `email` so far, oldest first.
    pub async fn to(&self, email: &str) -> Vec<Mail> {
        let to = Email::try_from(email).unwrap();
        match self {
            Inbox::Memory(mailbox) => mailbox.to(&to),
            Inbox::Dir(dir) => MailDir::read_to(dir, &to).await.unwrap(),
        }
    }

    /// The last message to `email`, waiting up to five seconds for the first.
    pub async fn last_to(&self, email: &str) -> Mail {
        for _ in 0..100 {
            if let Some(mail) = self.to(email).await.pop() {
                return mail;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no message to {email} within 5 s");
    }

    /// The token of the last confirmation link mailed to `email`.
    pub async fn confirmation_token(&self, email: &str) -> String {
        let mail = self.last_to(email).await;
        confirmation_token(&mail).unwrap_or_else(|| panic!("no confirmation link in {mail:?}"))
    }
}

/// The token of the confirmation link in `mail`, if it has one.
pub fn confirmation_token(mail: &Mail) -> Option<String> {
    livedrop_core::services::confirmation_token(&mail.text).map(str::to_owned)
}
