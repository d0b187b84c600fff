//! The SMTP mailer against a real relay: the mailer contract
//! (`livedrop_core::testkit::mailer`) read back from the relay's Maildir
//! (`LIVEDROP_TEST_SMTP_URL`, `LIVEDROP_TEST_SMTP_MAILDIR`: aiosmtpd in `.ci/run`), its
//! connections reused and bounded, STARTTLS and SMTPS (aiosmtpd of the test's own); and
//! against a scripted relay in this file, the failures a real one will not stage on
//! demand: a refused recipient, a relay that stops answering, credentials, a closed port.
#![cfg(feature = "smtp")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use livedrop_adapters::mail::{SmtpConfig, SmtpMailer};
use livedrop_core::Error;
use livedrop_core::domain::Email;
use livedrop_core::ports::{Mail, Mailer};
use livedrop_core::testkit::mailer::check_mailer;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use support::smtp::{Tls, TlsRelay};

fn address(name: &str) -> Email {
    Email::try_from(format!("{name}-{}@example.com", uuid::Uuid::new_v4().simple()).as_str())
        .unwrap()
}

fn mail(to: &Email, subject: &str) -> Mail {
    Mail {
        to: to.clone(),
        subject: subject.to_owned(),
        text: "Hello Zoë,\n\nOpen https://drops.example/#/confirm?token=a.b-c\n".to_owned(),
    }
}

fn mailer(url: &str, adjust: impl FnOnce(&mut SmtpConfig)) -> SmtpMailer {
    let mut config = SmtpConfig::new(
        url,
        "LiveDrop Tests <tests@livedrop.example>".parse().unwrap(),
    );
    adjust(&mut config);
    SmtpMailer::new(config).unwrap()
}

/// The messages to `to` in `maildir`, polled for up to five seconds until there are
/// `count` (the relay stores after it answers).
async fn wait_for(maildir: &std::path::Path, to: &Email, count: usize) -> Vec<Mail> {
    let mut mails = Vec::new();
    for _ in 0..100 {
        mails = support::smtp::delivered(maildir, to);
        if mails.len() >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    mails
}

#[tokio::test]
async fn the_smtp_mailer_keeps_the_contract() {
    let Some(relay) = support::smtp::relay() else {
        return;
    };
    let mailer = mailer(&relay.url, |_| {});
    check_mailer(&mailer, |to| {
        let maildir = relay.maildir.clone();
        async move { support::smtp::delivered(&maildir, &to) }
    })
    .await;
}

#[tokio::test]
async fn connections_are_reused_and_never_more_than_the_bound() {
    let Some(relay) = support::smtp::relay() else {
        return;
    };
    let mailer = mailer(&relay.url, |config| config.max_connections = 2);
    let (one, many) = (address("one-by-one"), address("all-at-once"));
    for n in 0..3 {
        mailer.send(mail(&one, &format!("one {n}"))).await.unwrap();
    }
    let sends: Vec<_> = (0..12)
        .map(|n| {
            let (mailer, sent) = (mailer.clone(), mail(&many, &format!("many {n}")));
            tokio::spawn(async move { mailer.send(sent).await })
        })
        .collect();
    for sent in sends {
        sent.await.unwrap().unwrap();
    }
    wait_for(&relay.maildir, &one, 3).await;
    wait_for(&relay.maildir, &many, 12).await;
    let peers = |to: &Email| {
        support::smtp::received(&relay.maildir)
            .into_iter()
            .filter(|received| &received.mail.to == to)
            .map(|received| received.peer.expect("the relay writes X-Peer (aiosmtpd)"))
            .collect::<Vec<_>>()
    };
    let (one_peers, many_peers) = (peers(&one), peers(&many));
    assert_eq!(one_peers.len(), 3);
    assert_eq!(many_peers.len(), 12);
    assert!(
        one_peers.iter().all(|peer| peer == &one_peers[0]),
        "sends one after the other share a connection: {one_peers:?}"
    );
    let all: BTreeSet<_> = one_peers.iter().chain(&many_peers).collect();
    assert!(all.len() <= 2, "at most 2 connections: {all:?}");
}

#[tokio::test]
async fn an_international_subject_arrives_as_given() {
    let Some(relay) = support::smtp::relay() else {
        return;
    };
    let mailer = mailer(&relay.url, |_| {});
    let to = address("subject");
    let sent = mail(&to, "Bestätigen Sie Ihr Konto – Zoë, 確認してください");
    mailer.send(sent.clone()).await.unwrap();
    let mails = wait_for(&relay.maildir, &to, 1).await;
    assert_eq!(mails, [sent]);
}

async fn over_tls(tls: Tls) {
    let Some(relay) = TlsRelay::start(tls) else {
        return;
    };
    let to = address("tls");
    let sent = mail(&to, "Over TLS");
    let trusting = mailer(&relay.url, |config| {
        config.tls_root_cert = Some(relay.ca.clone())
    });
    trusting.ping().await.unwrap();
    trusting.send(sent.clone()).await.unwrap();
    assert_eq!(
        wait_for(&relay.maildir, &to, 1).await,
        std::slice::from_ref(&sent)
    );

    // Mozilla's roots do not include the test's authority: no mail goes out.
    let default_roots = mailer(&relay.url, |config| config.timeout = Duration::from_secs(3));
    let refused = default_roots.send(sent).await.unwrap_err();
    assert!(matches!(refused, Error::Unavailable { .. }), "{refused:?}");
}

#[tokio::test]
async fn starttls_with_the_configured_authority() {
    over_tls(Tls::StartTls).await;
}

#[tokio::test]
async fn implicit_tls_with_the_configured_authority() {
    over_tls(Tls::Implicit).await;
}

#[tokio::test]
async fn a_closed_port_is_unavailable_at_once() {
    let port = support::spare_port();
    let mailer = mailer(&format!("smtp://127.0.0.1:{port}"), |_| {});
    let started = Instant::now();
    let refused = mailer
        .send(mail(&address("closed"), "Hi"))
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::Unavailable { .. }), "{refused:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(
        mailer.ping().await,
        Err(Error::Unavailable { .. })
    ));
}

#[tokio::test]
async fn a_relay_that_never_greets_is_unavailable_within_the_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            open.push(stream);
        }
    });
    let mailer = mailer(&format!("smtp://127.0.0.1:{port}"), |config| {
        config.timeout = Duration::from_millis(300);
    });
    let started = Instant::now();
    let refused = mailer
        .send(mail(&address("silent"), "Hi"))
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert!(matches!(refused, Error::Unavailable { .. }), "{refused:?}");
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(3),
        "{took:?}"
    );
    held.abort();
}

/// A scripted relay on a spare port. It advertises 8BITMIME and AUTH PLAIN, and accepts
/// everything, except the recipients that ask for a fault: `refused-...@` (RCPT answered
/// 550) and `stall-...@` (DATA never answered).
#[derive(Clone, Default)]
struct Scripted {
    connections: Arc<AtomicUsize>,
    /// Each AUTH PLAIN's decoded `\0user\0password`.
    logins: Arc<parking_lot::Mutex<Vec<String>>>,
    /// Each accepted message.
    messages: Arc<parking_lot::Mutex<Vec<String>>>,
}

impl Scripted {
    async fn start() -> (Self, u16) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let relay = Self::default();
        let serving = relay.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                serving.connections.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(serving.clone().serve(stream));
            }
        });
        (relay, port)
    }

    async fn serve(self, stream: TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 scripted.example ESMTP\r\n").await?;
        let mut stall = false;
        while let Some(line) = lines.next_line().await? {
            let command = line.to_ascii_uppercase();
            let reply = if command.starts_with("EHLO") {
                "250-scripted.example\r\n250-8BITMIME\r\n250 AUTH PLAIN\r\n"
            } else if command.starts_with("AUTH PLAIN ") {
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(&line["AUTH PLAIN ".len()..])
                    .unwrap();
                self.logins.lock().push(String::from_utf8(decoded).unwrap());
                "235 2.7.0 accepted\r\n"
            } else if command.starts_with("MAIL FROM:") || command == "NOOP" || command == "RSET" {
                "250 ok\r\n"
            } else if command.starts_with("RCPT TO:<REFUSED-") {
                "550 5.1.1 no such user\r\n"
            } else if command.starts_with("RCPT TO:") {
                stall = command.starts_with("RCPT TO:<STALL-");
                "250 ok\r\n"
            } else if command == "DATA" {
                if stall {
                    std::future::pending::<()>().await;
                }
                write.write_all(b"354 go on\r\n").await?;
                let mut message = String::new();
                while let Some(line) = lines.next_line().await? {
                    if line == "." {
                        break;
                    }
                    message.push_str(&line);
                    message.push('\n');
                }
                self.messages.lock().push(message);
                "250 2.0.0 queued\r\n"
            } else if command == "QUIT" {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else {
                "500 5.5.1 unknown command\r\n"
            };
            write.write_all(reply.as_bytes()).await?;
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_refused_recipient_is_unavailable_and_names_the_step() {
    let (relay, port) = Scripted::start().await;
    let mailer = mailer(&format!("smtp://127.0.0.1:{port}"), |_| {});
    let refused = mailer
        .send(mail(&address("refused"), "Hi"))
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::Unavailable { .. }), "{refused:?}");
    let chain = chain(&refused);
    assert!(
        chain.contains("RCPT TO") && chain.contains("550"),
        "{chain}"
    );
    mailer.send(mail(&address("fine"), "Hi")).await.unwrap();
    assert_eq!(relay.messages.lock().len(), 1);
}

#[tokio::test]
async fn a_relay_that_stops_answering_times_out_and_its_connection_is_dropped() {
    let (relay, port) = Scripted::start().await;
    let mailer = mailer(&format!("smtp://127.0.0.1:{port}"), |config| {
        config.timeout = Duration::from_millis(300);
        config.max_connections = 1;
    });
    let started = Instant::now();
    let stalled = mailer
        .send(mail(&address("stall"), "Stalled"))
        .await
        .unwrap_err();
    assert!(matches!(stalled, Error::Unavailable { .. }), "{stalled:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let chain = chain(&stalled);
    assert!(
        chain.contains("DATA") && chain.contains("no answer"),
        "{chain}"
    );

    // The stalled connection, mid-command, is not reused: the next send opens another and
    // its message is the one stored.
    mailer
        .send(mail(&address("after"), "After the stall"))
        .await
        .unwrap();
    assert_eq!(relay.connections.load(Ordering::SeqCst), 2);
    let messages = relay.messages.lock().clone();
    assert_eq!(messages.len(), 1);
    assert!(
        messages[0].contains("Subject: After the stall"),
        "{messages:?}"
    );
}

#[tokio::test]
async fn credentials_from_the_url_are_sent_percent_decoded() {
    let (relay, port) = Scripted::start().await;
    let mailer = mailer(
        &format!("smtp://apikey:p%40ss%3Aword@127.0.0.1:{port}"),
        |_| {},
    );
    mailer.send(mail(&address("auth"), "Hi")).await.unwrap();
    mailer.send(mail(&address("auth"), "Again")).await.unwrap();
    // Once per connection, and one connection for both.
    assert_eq!(*relay.logins.lock(), ["\0apikey\0p@ss:word"]);
    assert_eq!(relay.connections.load(Ordering::SeqCst), 1);
}

/// `error` and its sources, one per line.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut chain = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        chain.push_str("\n  caused by: ");
        chain.push_str(&cause.to_string());
        source = cause.source();
    }
    chain
}
