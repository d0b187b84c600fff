//! The confirmation links the server mails, read from its mail directory, so simulated
//! people can finish signing up as real ones do: by the link in their mail.
//!
//! The directory is the server's: `LIVEDROP_MAIL_DIR`, the variable the server reads
//! too, or by default the same `livedrop-mail` in the system's temporary directory, so a
//! server and the tool started on one machine with the same environment meet there. Only
//! files written since shortly before this process started are read, each once, however
//! many people wait; a directory kept across runs costs a listing per poll, not reads.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use livedrop_adapters::mail::parse;
use livedrop_core::services::confirmation_token;
use tokio::sync::Mutex;

use crate::Error;

/// How long a sign-up waits for its message (the server writes it before it answers, so
/// this only covers a slow disk).
const WAIT: Duration = Duration::from_secs(30);
/// Files named for a time this much before the process started are still read: the
/// clocks are one machine's, so this is only the gap between a server's write and this
/// process's start.
const LOOKBACK_MILLIS: u64 = 60_000;

/// The server's mail directory: `LIVEDROP_MAIL_DIR`, else the server's default.
pub fn mail_dir() -> PathBuf {
    std::env::var_os("LIVEDROP_MAIL_DIR")
        .map_or_else(|| std::env::temp_dir().join("livedrop-mail"), PathBuf::from)
}

/// The process's reader of the server's mail directory ([`mail_dir`]).
pub fn shared() -> &'static Confirmations {
    static SHARED: OnceLock<Confirmations> = OnceLock::new();
    SHARED.get_or_init(|| Confirmations::new(mail_dir()))
}

/// Reads confirmation tokens out of a mail directory.
#[derive(Debug)]
pub struct Confirmations {
    dir: PathBuf,
    /// File names before this (`{millis}-...`) are older than the run.
    since: String,
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    /// Files already read.
    read: HashSet<OsString>,
    /// The last token mailed to each address.
    tokens: HashMap<String, String>,
}

impl Confirmations {
    /// A reader of `dir`'s messages from now on.
    pub fn new(dir: PathBuf) -> Self {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_millis() as u64);
        Self {
            dir,
            since: format!("{:013}", now.saturating_sub(LOOKBACK_MILLIS)),
            seen: Mutex::new(Seen::default()),
        }
    }

    /// The token of the confirmation link mailed to `email`, waiting for it to arrive.
    /// Taken: a later wait for the same address waits for a new message.
    ///
    /// # Errors
    /// The directory cannot be read, or no link came within the wait.
    pub async fn take(&self, email: &str) -> Result<String, Error> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            {
                let mut seen = self.seen.lock().await;
                if let Some(token) = seen.tokens.remove(email) {
                    return Ok(token);
                }
                self.read_new(&mut seen).await?;
                if let Some(token) = seen.tokens.remove(email) {
                    return Ok(token);
                }
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(format!(
                    "no confirmation link to {email} in {} within {WAIT:?}: is the server writing its mail there (LIVEDROP_MAIL_DIR)?",
                    self.dir.display()
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Reads the messages not read yet, noting each confirmation link's token.
    async fn read_new(&self, seen: &mut Seen) -> Result<(), Error> {
        let mut entries = match tokio::fs::read_dir(&self.dir).await {
            Ok(entries) => entries,
            // Not made yet: the server makes it when it starts.
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(error) => return Err(error.into()),
        };
        let mut new = Vec::new();
        while let Some(entry) = entries.next_entry().await? {
            let name = entry.file_name();
            let text = name.to_string_lossy();
            if text.ends_with(".eml") && *text >= *self.since && !seen.read.contains(&name) {
                new.push(name);
            }
        }
        // Oldest first (names start with the time), so an address's last link wins.
        new.sort();
        for name in new {
            let bytes = tokio::fs::read(self.dir.join(&name)).await?;
            seen.read.insert(name);
            let Some(mail) = parse(&bytes) else { continue };
            if let Some(token) = confirmation_token(&mail.text) {
                seen.tokens
                    .insert(mail.to.as_str().to_owned(), token.to_owned());
            }
        }
        Ok(())
    }
}
