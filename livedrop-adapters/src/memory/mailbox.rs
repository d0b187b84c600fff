//! The memory mailer: messages kept in process, for tests and embedders to read back.

use std::collections::VecDeque;
use std::sync::Arc;

use async_trait::async_trait;
use livedrop_core::Result;
use livedrop_core::domain::Email;
use livedrop_core::ports::{Mail, Mailer};
use parking_lot::Mutex;

/// How many messages a [`MemoryMailbox`] keeps: the newest, so a long-running embedded
/// server's memory stays bounded however many people sign up.
pub const KEPT_MAILS: usize = 10_000;

/// Keeps every message sent through it (the newest [`KEPT_MAILS`]); clones share them.
#[derive(Clone, Debug, Default)]
pub struct MemoryMailbox {
    mails: Arc<Mutex<VecDeque<Mail>>>,
}

impl MemoryMailbox {
    /// An empty mailbox.
    pub fn new() -> Self {
        Self::default()
    }

    /// The messages sent to `to`, oldest first.
    pub fn to(&self, to: &Email) -> Vec<Mail> {
        let mails = self.mails.lock();
        mails
            .iter()
            .filter(|mail| &mail.to == to)
            .cloned()
            .collect()
    }

    /// The last message sent to `to`.
    pub fn last_to(&self, to: &Email) -> Option<Mail> {
        let mails = self.mails.lock();
        mails.iter().rev().find(|mail| &mail.to == to).cloned()
    }
}

#[async_trait]
impl Mailer for MemoryMailbox {
    async fn send(&self, mail: Mail) -> Result<()> {
        let mut mails = self.mails.lock();
        if mails.len() == KEPT_MAILS {
            mails.pop_front();
        }
        mails.push_back(mail);
        Ok(())
    }
}
