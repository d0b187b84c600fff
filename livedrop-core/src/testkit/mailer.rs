//! The [`Mailer`] contract, checked at the far end: every case sends through the mailer and
//! reads back with `delivered(to)`, which returns what the backend's transport holds for
//! `to` (the memory mailbox, the files, the SMTP server's store), oldest first. Delivery
//! may lag a successful send (an SMTP server stores after it answers), so a case waits up
//! to five seconds for what it expects. Addresses are unique per case, so the cases can
//! share one transport.

use std::future::Future;
use std::time::Duration;

use futures_util::future::join_all;

use crate::domain::Email;
use crate::ports::{Mail, Mailer};

fn address(name: &str) -> Email {
    Email::try_from(format!("{name}-{}@example.com", uuid::Uuid::new_v4().simple()).as_str())
        .unwrap()
}

/// A message with a non-ASCII name, a link and an empty line, as the confirmations are.
fn message(to: &Email, n: usize) -> Mail {
    Mail {
        to: to.clone(),
        subject: format!("Confirm your LiveDrop account ({n})"),
        text: format!(
            "Hello Zoë,\n\nOpen this link to finish signing up:\nhttps://drops.example/#/confirm?token=eyJ0.eyJ{n}.c2ln-_\n\nLiveDrop\n"
        ),
    }
}

/// Waits up to five seconds for `delivered(to)` to hold `count` messages; returns them.
async fn await_delivered<F, Fut>(delivered: &F, to: &Email, count: usize) -> Vec<Mail>
where
    F: Fn(Email) -> Fut,
    Fut: Future<Output = Vec<Mail>>,
{
    let mut mails = Vec::new();
    for _ in 0..100 {
        mails = delivered(to.clone()).await;
        if mails.len() >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    mails
}

/// Recipient, subject and text arrive exactly as given.
pub async fn a_message_arrives_as_given<F, Fut>(mailer: &dyn Mailer, delivered: F)
where
    F: Fn(Email) -> Fut,
    Fut: Future<Output = Vec<Mail>>,
{
    let to = address("arrives");
    let sent = message(&to, 1);
    mailer.send(sent.clone()).await.unwrap();
    let mails = await_delivered(&delivered, &to, 1).await;
    assert_eq!(mails.len(), 1, "one message for {to:?}: {mails:?}");
    assert_eq!(mails[0].to, sent.to);
    assert_eq!(mails[0].subject, sent.subject);
    assert_eq!(
        mails[0].text.trim_end(),
        sent.text.trim_end(),
        "the text, line ends aside"
    );
}

/// Each recipient gets their own messages and no one else's, in the order sent.
pub async fn each_recipient_gets_only_theirs<F, Fut>(mailer: &dyn Mailer, delivered: F)
where
    F: Fn(Email) -> Fut,
    Fut: Future<Output = Vec<Mail>>,
{
    let (ada, bob) = (address("ada"), address("bob"));
    for n in 0..2 {
        mailer.send(message(&ada, n)).await.unwrap();
    }
    mailer.send(message(&bob, 9)).await.unwrap();
    let to_ada = await_delivered(&delivered, &ada, 2).await;
    let to_bob = await_delivered(&delivered, &bob, 1).await;
    let subjects = |mails: &[Mail]| mails.iter().map(|m| m.subject.clone()).collect::<Vec<_>>();
    assert_eq!(
        subjects(&to_ada),
        [message(&ada, 0).subject, message(&ada, 1).subject]
    );
    assert_eq!(subjects(&to_bob), [message(&bob, 9).subject]);
}

/// Concurrent sends all arrive, none lost or doubled.
pub async fn concurrent_sends_all_arrive<F, Fut>(mailer: &dyn Mailer, delivered: F)
where
    F: Fn(Email) -> Fut,
    Fut: Future<Output = Vec<Mail>>,
{
    let to = address("many");
    let sends = (0..20).map(|n| mailer.send(message(&to, n)));
    for sent in join_all(sends).await {
        sent.unwrap();
    }
    let mails = await_delivered(&delivered, &to, 20).await;
    let mut subjects: Vec<_> = mails.iter().map(|m| m.subject.clone()).collect();
    subjects.sort();
    let mut expected: Vec<_> = (0..20).map(|n| message(&to, n).subject).collect();
    expected.sort();
    assert_eq!(subjects, expected);
}

/// Every case, in turn, against one mailer and its far end.
pub async fn check_mailer<F, Fut>(mailer: &dyn Mailer, delivered: F)
where
    F: Fn(Email) -> Fut,
    Fut: Future<Output = Vec<Mail>>,
{
    a_message_arrives_as_given(mailer, &delivered).await;
    each_recipient_gets_only_theirs(mailer, &delivered).await;
    concurrent_sends_all_arrive(mailer, &delivered).await;
}
