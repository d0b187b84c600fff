//! Steps a test takes as a client would, over HTTP only.

use std::time::Duration;

use serde_json::{Value, json};

use super::inbox::Inbox;
use super::{Answer, send};

/// `POST base + path` with `body` as JSON, as the bearer of `token`.
pub fn post_as(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    token: &str,
    body: Value,
) -> reqwest::RequestBuilder {
    http.post(format!("{base}{path}"))
        .bearer_auth(token)
        .json(&body)
}

/// The body of `answer`, which must be a `201`.
pub fn created(answer: Answer) -> Value {
    assert_eq!(answer.status, 201, "{answer:?}");
    answer.body
}

/// A signed-in user: id and access token.
pub struct Session {
    pub id: String,
    pub token: String,
}

/// Registers `email` over HTTP as its owner would: the request, the link mailed to
/// `inbox`, the confirmation with `password`. The confirmation's answer.
pub async fn register(
    http: &reqwest::Client,
    base: &str,
    inbox: &Inbox,
    email: &str,
    name: &str,
    password: &str,
) -> Answer {
    let started = send(
        http.post(format!("{base}/api/auth/register"))
            .json(&json!({ "email": email, "name": name })),
    )
    .await;
    assert_eq!(started.status, 202, "{started:?}");
    let token = inbox.confirmation_token(email).await;
    send(
        http.post(format!("{base}/api/auth/register/confirm"))
            .json(&json!({ "token": token, "password": password })),
    )
    .await
}

/// Registers `name` (a fresh email) over HTTP, then logs in with the same password.
pub async fn sign_up(http: &reqwest::Client, base: &str, inbox: &Inbox, name: &str) -> Session {
    let email = format!("{name}-{}@example.com", uuid::Uuid::new_v4().simple());
    let password = "correct horse battery staple";
    let registered = register(http, base, inbox, &email, name, password).await;
    assert_eq!(registered.status, 201, "{registered:?}");
    let login = send(
        http.post(format!("{base}/api/auth/login"))
            .json(&json!({ "email": email, "password": password })),
    )
    .await;
    assert_eq!(login.status, 200, "{login:?}");
    Session {
        id: registered.body["user"]["id"].as_str().unwrap().to_owned(),
        token: login.body["accessToken"].as_str().unwrap().to_owned(),
    }
}

/// Polls `GET /drops/{drop}` until the drop is live (10 s at most).
pub async fn wait_until_live(http: &reqwest::Client, base: &str, drop: &str) {
    for _ in 0..200 {
        let view = send(http.get(format!("{base}/drops/{drop}"))).await;
        if view.body["stock"]["status"] == "live" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("drop {drop} never went live");
}
