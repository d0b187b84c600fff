//! Mail as files: each message an RFC 5322 `.eml` file in a directory, for a developer's
//! machine and for programs on it (the load tool, the browser test) that read the
//! confirmation links.

use std::path::{Path, PathBuf};
use std::sync::Arc;

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

/// A directory of sent messages, `{millis}-{uuid}.eml` each, so names sort oldest first.
/// A message is written to a temporary file and renamed into place, so a reader never sees
/// half of one.
#[derive(Clone, Debug)]
pub struct MailDir {
    root: PathBuf,
    from: Sender,
    /// Dates the messages and names their files.
    clock: Arc<dyn Clock>,
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
        Ok(Self { root, from, clock })
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The messages to `to` in the directory at `root`, oldest first: what a program
    /// sharing the directory with the server reads (files it cannot parse are skipped).
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

#[async_trait]
impl Mailer for MailDir {
    async fn send(&self, mail: Mail) -> Result<()> {
        let now = self.clock.now();
        let id = uuid::Uuid::new_v4().simple().to_string();
        let bytes = render(&self.from, &mail, now, &id)?;
        let temp = self.root.join(INCOMING).join(&id);
        let target = self
            .root
            .join(format!("{:013}-{id}.eml", now.timestamp_millis()));
        let written = async {
            let mut file = tokio::fs::File::create(&temp).await?;
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
