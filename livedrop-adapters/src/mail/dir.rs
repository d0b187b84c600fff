//! Mail as files: each message an RFC 5322 `.eml` file in a directory, for a developer's
//! machine and for programs on it (the load tool, the browser test) that read the
//! confirmation links.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use livedrop_core::clock::Clock;
use livedrop_core::domain::Email;
use livedrop_core::ports::{Mail, Mailer};
use livedrop_core::{Error, Result};
use tokio::io::AsyncWriteExt;

use super::message::{Sender, parse, render};

/// Where a message is written before it is renamed into place: inside the root, so the
/// rename stays on one file system (and so is atomic).
const INCOMING: &str = ".incoming";

/// A directory of sent messages, `{millis}-{sequence}-{uuid}.eml` each, so names sort
/// oldest first (the sequence orders this process's sends within one millisecond). A
/// message is written to a temporary file and renamed into place, so a reader never sees
/// half of one. The messages hold live links, so on Unix the directory is the owner's
/// alone (`0700`, made so when it exists: a directory someone else owns is refused) and
/// each file too (`0600`).
#[derive(Clone, Debug)]
pub struct MailDir {
    root: PathBuf,
    from: Sender,
    /// Dates the messages and names their files.
    clock: Arc<dyn Clock>,
    /// Orders the names of this mailer's messages within one millisecond.
    sequence: Arc<AtomicU64>,
}

impl MailDir {
    /// Messages from `from` under `root` (created if missing), dated by `clock`.
    ///
    /// # Errors
    /// [`Error::Unavailable`] when the directory cannot be created.
    pub async fn open(
        root: impl Into<PathBuf>,
        from: Sender,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        let root = root.into();
        tokio::fs::create_dir_all(root.join(INCOMING))
            .await
            .map_err(io)?;
        owners_only(&root).await?;
        Ok(Self {
            root,
            from,
            clock,
            sequence: Arc::new(AtomicU64::new(0)),
        })
    }

    /// The messages to `to` in the directory at `root`, oldest first: what a test sharing
    /// the directory with the server reads (files it cannot parse are skipped). It reads
    /// every file on each call: for a test's own small directory, not a long-lived one.
    ///
    /// # Errors
    /// [`Error::Unavailable`] when the directory cannot be read.
    pub async fn read_to(root: &Path, to: &Email) -> Result<Vec<Mail>> {
        let mut names = Vec::new();
        let mut entries = tokio::fs::read_dir(root).await.map_err(io)?;
        while let Some(entry) = entries.next_entry().await.map_err(io)? {
            let name = entry.file_name();
            if name.to_string_lossy().ends_with(".eml") {
                names.push(entry.path());
            }
        }
        names.sort();
        let mut mails = Vec::new();
        for path in names {
            let bytes = tokio::fs::read(&path).await.map_err(io)?;
            if let Some(mail) = parse(&bytes).filter(|mail| &mail.to == to) {
                mails.push(mail);
            }
        }
        Ok(mails)
    }
}

fn io(error: std::io::Error) -> Error {
    Error::unavailable("mail directory", error)
}

/// Makes `root` readable by its owner only; refused (an error) when this process does not
/// own it, as chmod is.
#[cfg(unix)]
async fn owners_only(root: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    tokio::fs::set_permissions(root, std::fs::Permissions::from_mode(0o700))
        .await
        .map_err(|e| {
            Error::unavailable(
                "mail directory",
                format!(
                    "{}: cannot make it private ({e}): is it someone else's?",
                    root.display()
                ),
            )
        })
}

#[cfg(not(unix))]
async fn owners_only(_: &Path) -> Result<()> {
    Ok(())
}

/// A new file only its owner can read (on Unix).
async fn private_file(path: &Path) -> std::io::Result<tokio::fs::File> {
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    options.open(path).await
}

#[async_trait]
impl Mailer for MailDir {
    async fn send(&self, mail: Mail) -> Result<()> {
        let now = self.clock.now();
        let id = uuid::Uuid::new_v4().simple().to_string();
        let bytes = render(&self.from, &mail, now, &id)?;
        let temp = self.root.join(INCOMING).join(&id);
        let sequence = self.sequence.fetch_add(1, Ordering::Relaxed);
        let target = self.root.join(format!(
            "{:013}-{sequence:010}-{id}.eml",
            now.timestamp_millis()
        ));
        let written = async {
            let mut file = private_file(&temp).await?;
            file.write_all(&bytes).await?;
            file.sync_all().await?;
            tokio::fs::rename(&temp, &target).await
        }
        .await;
        if written.is_err() {
            // Best effort: a leftover temporary file is only disk.
            let _ = tokio::fs::remove_file(&temp).await;
        }
        written.map_err(io)
    }
}
