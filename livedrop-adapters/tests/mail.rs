//! The mailer contract (`livedrop_core::testkit::mailer`) against the mailers that need no
//! service: the memory mailbox and a mail directory. The SMTP mailer's run is in `smtp`.

use std::sync::Arc;

use livedrop_adapters::mail::{MailDir, Sender};
use livedrop_adapters::memory::MemoryMailbox;
use livedrop_core::clock::SystemClock;
use livedrop_core::testkit::mailer::check_mailer;

#[tokio::test]
async fn the_memory_mailbox_keeps_the_contract() {
    let mailbox = MemoryMailbox::new();
    check_mailer(&mailbox, |to| {
        let mailbox = mailbox.clone();
        async move { mailbox.to(&to) }
    })
    .await;
}

#[tokio::test]
async fn a_mail_directory_keeps_the_contract() {
    let root = std::env::temp_dir().join(format!("livedrop-mail-{}", uuid::Uuid::new_v4()));
    let dir = MailDir::open(&root, Sender::default(), Arc::new(SystemClock))
        .await
        .unwrap();
    check_mailer(&dir, |to| {
        let root = root.clone();
        async move { MailDir::read_to(&root, &to).await.unwrap() }
    })
    .await;
    std::fs::remove_dir_all(&root).unwrap();
}
