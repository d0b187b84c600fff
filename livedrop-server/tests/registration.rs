//! Registration by mail over real HTTP: the answer never says whether an address has an
//! account (the probe found `409` for a taken email), nothing is stored before the mailed
//! link is used, and the link works once, for its own address, on the API and the web
//! app's routes alike; and the binary sends the links through a real SMTP relay.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(feature = "smtp")]
#[path = "../../livedrop-adapters/tests/support/mod.rs"]
mod backends;
mod support;

use std::sync::Arc;

use livedrop_adapters::memory::{MemoryBackend, MemoryMailbox};
use livedrop_core::services::{CONFIRM_SUBJECT, EXISTING_SUBJECT};
use livedrop_server::AppState;
use livedrop_server::auth::Passwords;
use reqwest::header;
use serde_json::json;
use support::inbox::{Inbox, confirmation_token};
use support::over_http::register;
use support::{Answer, send};

const PASSWORD: &str = "correct horse battery staple";

async fn server() -> (String, Inbox) {
    let mailbox = MemoryMailbox::new();
    let state = AppState::builder(MemoryBackend::default().ports())
        .mailer(Arc::new(mailbox.clone()))
        .passwords(Passwords::for_tests())
        .build();
    (support::serve(state).await, Inbox::Memory(mailbox))
}

fn email(name: &str) -> String {
    format!("{name}-{}@example.com", uuid::Uuid::new_v4().simple())
}

async fn start_registration(http: &reqwest::Client, base: &str, path: &str, email: &str) -> Answer {
    send(
        http.post(format!("{base}{path}"))
            .json(&json!({ "email": email, "name": "Someone" })),
    )
    .await
}

/// What an answer shows a stranger, the address it names aside.
fn shown(answer: &Answer, email: &str) -> (u16, String, String, Option<String>) {
    (
        answer.status,
        answer.content_type.clone(),
        answer.body.to_string().replace(email, "ADDRESS"),
        answer
            .headers
            .get(header::CACHE_CONTROL)
            .map(|v| v.to_str().unwrap().to_owned()),
    )
}

#[tokio::test]
async fn registration_answers_a_taken_email_exactly_as_a_new_one() {
    let (base, inbox) = server().await;
    let http = reqwest::Client::new();
    let (taken, new) = (email("taken"), email("new"));
    let owner = register(&http, &base, &inbox, &taken, "Owner", PASSWORD).await;
    assert_eq!(owner.status, 201, "{owner:?}");

    for path in ["/api/auth/register", "/api/auth/web/register"] {
        let to_taken = start_registration(&http, &base, path, &taken.to_uppercase()).await;
        let to_new = start_registration(&http, &base, path, &new).await;
        assert_eq!(to_new.status, 202, "{path}: {to_new:?}");
        assert_eq!(to_new.body, json!({ "sentTo": new }));
        assert_eq!(
            shown(&to_taken, &taken),
            shown(&to_new, &new),
            "{path}: a stranger tells the two apart"
        );
        assert!(
            !to_new.headers.contains_key(header::SET_COOKIE),
            "{path}: nobody is signed in before the link is used"
        );
        // The difference is in the mailboxes, which only their owners read.
        let owners = inbox.last_to(&taken).await;
        assert_eq!(owners.subject, EXISTING_SUBJECT);
        assert_eq!(confirmation_token(&owners), None);
        let newcomers = inbox.last_to(&new).await;
        assert_eq!(newcomers.subject, CONFIRM_SUBJECT);
        assert!(confirmation_token(&newcomers).is_some());
    }

    // Nothing was stored for the new address: it has no account to sign in to.
    let login = send(
        http.post(format!("{base}/api/auth/login"))
            .json(&json!({ "email": new, "password": PASSWORD })),
    )
    .await;
    assert_eq!((login.status, login.code()), (401, "invalid_credentials"));
    // And the owner's account is untouched: the old password still signs in.
    let login = send(
        http.post(format!("{base}/api/auth/login"))
            .json(&json!({ "email": taken, "password": PASSWORD })),
    )
    .await;
    assert_eq!(login.status, 200, "{login:?}");
}

#[tokio::test]
async fn a_mailed_link_makes_one_account_once() {
    let (base, inbox) = server().await;
    let http = reqwest::Client::new();
    let address = email("once");
    assert_eq!(
        start_registration(&http, &base, "/api/auth/register", &address)
            .await
            .status,
        202
    );
    let token = inbox.confirmation_token(&address).await;
    let confirm = |token: String, password: &'static str| {
        send(
            http.post(format!("{base}/api/auth/register/confirm"))
                .json(&json!({ "token": token, "password": password })),
        )
    };

    // A weak password is refused and spends nothing: the link still works after.
    let weak = confirm(token.clone(), "password").await;
    assert_eq!((weak.status, weak.code()), (400, "weak_password"));
    // A changed link is refused.
    let mut changed = token.clone();
    changed.insert(changed.len() / 2, 'x');
    let forged = confirm(changed, PASSWORD).await;
    assert_eq!(
        (forged.status, forged.code()),
        (401, "invalid_registration_token")
    );

    let made = confirm(token.clone(), PASSWORD).await;
    assert_eq!(made.status, 201, "{made:?}");
    assert_eq!(made.body["user"]["email"], address);
    assert_eq!(made.body["user"]["name"], "Someone");
    assert_eq!(made.headers[header::CACHE_CONTROL], "no-store");
    let again = confirm(token, PASSWORD).await;
    assert_eq!((again.status, again.code()), (409, "already_exists"));
}

#[tokio::test]
async fn a_link_from_another_server_is_refused() {
    let (base, _) = server().await;
    let (other, other_inbox) = server().await;
    let http = reqwest::Client::new();
    let address = email("elsewhere");
    start_registration(&http, &other, "/api/auth/register", &address).await;
    let token = other_inbox.confirmation_token(&address).await;
    let answer = send(
        http.post(format!("{base}/api/auth/register/confirm"))
            .json(&json!({ "token": token, "password": PASSWORD })),
    )
    .await;
    assert_eq!(
        (answer.status, answer.code()),
        (401, "invalid_registration_token")
    );
}

#[tokio::test]
async fn the_web_app_confirms_into_a_cookie_session() {
    let (base, inbox) = server().await;
    let http = reqwest::Client::new();
    let address = email("web");
    let started = start_registration(&http, &base, "/api/auth/web/register", &address).await;
    assert_eq!(started.status, 202, "{started:?}");
    let token = inbox.confirmation_token(&address).await;
    let made = send(
        http.post(format!("{base}/api/auth/web/register/confirm"))
            .json(&json!({ "token": token, "password": PASSWORD })),
    )
    .await;
    assert_eq!(made.status, 201, "{made:?}");
    assert!(made.body["accessToken"].is_string(), "{made:?}");
    let cookie = made.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("livedrop_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
}

/// The binary with `--smtp-url`: the link reaches the relay's mailbox (aiosmtpd's Maildir,
/// `LIVEDROP_TEST_SMTP_*`), pointing at the server, and completes the registration.
#[cfg(feature = "smtp")]
#[tokio::test]
async fn the_binary_mails_its_links_through_an_smtp_relay() {
    use livedrop_core::domain::Email;
    use support::binary::{ready, start, terminate};

    let Some(relay) = backends::smtp::relay() else {
        return;
    };
    let (running, base) = start(&[
        ("LIVEDROP_SMTP_URL", relay.url.clone()),
        (
            "LIVEDROP_MAIL_FROM",
            "Drops Team <drops@shop.example>".to_owned(),
        ),
    ]);
    ready(&base).await;
    let http = reqwest::Client::new();
    let address = email("smtp");
    let started = start_registration(&http, &base, "/api/auth/register", &address).await;
    assert_eq!(started.status, 202, "{started:?}");
    let to = Email::try_from(address.as_str()).unwrap();
    let mut mails = Vec::new();
    for _ in 0..100 {
        mails = backends::smtp::delivered(&relay.maildir, &to);
        if !mails.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(mails.len(), 1, "one message reached the relay: {mails:?}");
    assert_eq!(mails[0].subject, CONFIRM_SUBJECT);
    let token = confirmation_token(&mails[0]).expect("a confirmation link");
    assert!(
        mails[0].text.contains(&format!("{base}/#/confirm?token=")),
        "the link points at the server: {}",
        mails[0].text
    );
    let made = send(
        http.post(format!("{base}/api/auth/register/confirm"))
            .json(&json!({ "token": token, "password": PASSWORD })),
    )
    .await;
    assert_eq!(made.status, 201, "{made:?}");
    terminate(running);
}
