//! The web app as the server serves it, over real HTTP: the page and its assets (versioned,
//! compressed, cacheable, under a strict content security policy), and the routes made for
//! it: the cookie sign-in, images shown on a product, a creator's drops and a user's creator.
//! The app itself is driven in a real browser by `browser.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use livedrop_adapters::memory::{MemoryBackend, MemoryConfig, MemoryMailbox};
use livedrop_core::domain::User;
use livedrop_core::ids::{FamilyId, UserId};
use livedrop_core::ports::{Credentials, PasswordHash, Ports, RefreshTokenHash, Rotation, TokenId};
use livedrop_core::{Error, Result};
use livedrop_server::AppState;
use reqwest::header::{self, HeaderMap};
use serde_json::{Value, json};
use support::inbox::Inbox;
use support::over_http::register;
use support::{Answer, send};

/// A server on memory whose media links point at itself; returns its base URL.
async fn server() -> String {
    server_with_inbox().await.0
}

/// A server, and where it mails.
async fn server_with_inbox() -> (String, Inbox) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let backend = MemoryBackend::new(MemoryConfig {
        media_base_url: base.clone(),
        ..MemoryConfig::default()
    });
    let mailbox = MemoryMailbox::new();
    let state = AppState::builder(backend.ports())
        .mailer(Arc::new(mailbox.clone()))
        .build();
    support::serve_on(listener, state);
    (base, Inbox::Memory(mailbox))
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The `livedrop_session` cookie an answer sets: its value and its attributes.
fn session_cookie(headers: &HeaderMap) -> (String, String) {
    let set = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .find(|value| value.starts_with("livedrop_session="))
        .expect("a livedrop_session cookie");
    let (pair, attributes) = set.split_once(';').unwrap();
    let value = pair.trim_start_matches("livedrop_session=").to_owned();
    (value, attributes.to_owned())
}

async fn web(base: &str, path: &str, cookie: Option<&str>, body: Option<Value>) -> Answer {
    let mut request = client().post(format!("{base}/api/auth/web/{path}"));
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, format!("livedrop_session={cookie}"));
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    send(request).await
}

#[tokio::test]
async fn the_page_is_revalidated_and_its_assets_are_immutable_and_gzipped() {
    let base = server().await;
    let page = client().get(format!("{base}/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let headers = page.headers().clone();
    assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
    let etag = headers[header::ETAG].to_str().unwrap().to_owned();
    let html = page.text().await.unwrap();
    assert!(!html.contains("%ASSETS%"), "the asset prefix is filled in");

    let again = client()
        .get(format!("{base}/"))
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    // The script the page names, at its versioned URL.
    let start = html.find("src=\"/app/").expect("a versioned script URL") + 5;
    let script = &html[start..];
    let script = &script[..script.find(".js").expect("a script") + 3];
    let asset = client()
        .get(format!("{base}{script}"))
        .header(header::ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(asset.status(), 200, "{script}");
    assert_eq!(asset.headers()[header::CONTENT_ENCODING], "gzip");
    assert_eq!(
        asset.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(
        asset.headers()[header::CONTENT_TYPE],
        "text/javascript; charset=utf-8"
    );
    let plain = client()
        .get(format!("{base}{script}"))
        .send()
        .await
        .unwrap();
    assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
    assert!(plain.text().await.unwrap().contains("import"));

    // Another version's URL is not today's file.
    let (_, rest) = script.trim_start_matches("/app/").split_once('/').unwrap();
    let stale = send(client().get(format!("{base}/app/0000000000/{rest}"))).await;
    assert_eq!((stale.status, stale.code()), (404, "not_found"));
}

#[tokio::test]
async fn a_web_sign_in_keeps_its_refresh_token_in_an_http_only_cookie() {
    let (base, inbox) = server_with_inbox().await;
    let email = format!("web-{}@example.com", uuid::Uuid::new_v4().simple());
    let started = web(
        &base,
        "register",
        None,
        Some(json!({"email": email, "name": "Ada"})),
    )
    .await;
    assert_eq!(started.status, 202, "{:?}", started.body);
    let token = inbox.confirmation_token(&email).await;
    let registered = web(
        &base,
        "register/confirm",
        None,
        Some(json!({"token": token, "password": "correct horse battery"})),
    )
    .await;
    assert_eq!(registered.status, 201, "{:?}", registered.body);
    assert_eq!(registered.body["user"]["email"], email.as_str());
    assert!(registered.body["accessToken"].is_string());
    assert!(registered.body.get("refreshToken").is_none());
    assert_eq!(registered.headers[header::CACHE_CONTROL], "no-store");
    let (first, attributes) = session_cookie(&registered.headers);
    for attribute in [
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Path=/api/auth/web",
    ] {
        assert!(attributes.contains(attribute), "{attributes}");
    }

    // The access token works on the API.
    let me = send(
        client()
            .get(format!("{base}/api/auth/me"))
            .bearer_auth(registered.body["accessToken"].as_str().unwrap()),
    )
    .await;
    assert_eq!(me.body["email"], email.as_str());

    // A refresh spends the cookie for the next one.
    let renewed = web(&base, "refresh", Some(&first), None).await;
    assert_eq!(renewed.status, 200);
    assert_eq!(renewed.body["user"]["email"], email.as_str());
    let (second, _) = session_cookie(&renewed.headers);
    assert_ne!(first, second);

    // The spent cookie again is theft: refused, the cookie removed, the sign-in revoked.
    let replayed = web(&base, "refresh", Some(&first), None).await;
    assert_eq!(
        (replayed.status, replayed.code()),
        (401, "refresh_token_reused")
    );
    assert!(session_cookie(&replayed.headers).1.contains("Max-Age=0"));
    let revoked = web(&base, "refresh", Some(&second), None).await;
    assert_eq!(revoked.status, 401);

    // No cookie at all is simply signed out.
    let none = web(&base, "refresh", None, None).await;
    assert_eq!((none.status, none.code()), (401, "invalid_refresh_token"));

    // Login, then logout: the cookie is removed and no longer refreshes.
    let login = web(
        &base,
        "login",
        None,
        Some(json!({"email": email, "password": "correct horse battery"})),
    )
    .await;
    assert_eq!(login.status, 200);
    let (cookie, _) = session_cookie(&login.headers);
    let out = web(&base, "logout", Some(&cookie), None).await;
    assert_eq!(out.status, 204);
    assert!(session_cookie(&out.headers).1.contains("Max-Age=0"));
    let after = web(&base, "refresh", Some(&cookie), None).await;
    assert_eq!(after.status, 401);
}

#[tokio::test]
async fn another_sites_page_cannot_use_the_web_sign_in() {
    let base = server().await;
    let answer = send(
        client()
            .post(format!("{base}/api/auth/web/refresh"))
            .header("sec-fetch-site", "cross-site")
            .header(header::COOKIE, "livedrop_session=anything"),
    )
    .await;
    assert_eq!((answer.status, answer.code()), (403, "forbidden"));
}

/// A signed-up user with a creator and a product: (token, user id, creator id, product id).
async fn seller(base: &str, inbox: &Inbox) -> (String, String, String, String) {
    let email = format!("seller-{}@example.com", uuid::Uuid::new_v4().simple());
    let registered = register(
        &client(),
        base,
        inbox,
        &email,
        "Seller",
        "correct horse battery",
    )
    .await;
    let token = registered.body["tokens"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let user = registered.body["user"]["id"].as_str().unwrap().to_owned();
    let handle = format!("s{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let creator = send(
        client()
            .post(format!("{base}/api/creators"))
            .bearer_auth(&token)
            .json(&json!({"displayName": "Seller", "handle": handle})),
    )
    .await;
    let creator = creator.body["id"].as_str().unwrap().to_owned();
    let product = send(client().post(format!("{base}/products")).bearer_auth(&token).json(
        &json!({"creatorId": creator, "title": "Cap", "description": "A cap", "priceCents": 2500, "currencyCode": "USD"}),
    ))
    .await;
    let product = product.body["id"].as_str().unwrap().to_owned();
    (token, user, creator, product)
}

#[tokio::test]
async fn an_uploaded_image_is_shown_on_its_product_and_no_other() {
    let (base, inbox) = server_with_inbox().await;
    let (token, _, _, product) = seller(&base, &inbox).await;
    let (_, _, _, other_product) = seller(&base, &inbox).await;
    let upload = send(
        client()
            .post(format!("{base}/api/products/{product}/images"))
            .bearer_auth(&token)
            .json(&json!({"contentType": "image/png"})),
    )
    .await;
    assert_eq!(upload.status, 201);
    let stored = client()
        .put(upload.body["url"].as_str().unwrap())
        .header(header::CONTENT_TYPE, "image/png")
        .body(b"\x89PNG\r\n\x1a\n pixels".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(stored.status(), 201);
    let key = upload.body["key"].as_str().unwrap();

    let attach = |product: &str, keys: Value| {
        send(
            client()
                .put(format!("{base}/api/products/{product}/images"))
                .bearer_auth(&token)
                .json(&json!({ "keys": keys })),
        )
    };
    let shown = attach(&product, json!([key])).await;
    assert_eq!(shown.status, 200, "{:?}", shown.body);
    assert_eq!(shown.body["images"], json!([key]));
    let image = client()
        .get(format!("{base}/media/{key}"))
        .send()
        .await
        .unwrap();
    assert_eq!(image.status(), 200);

    // Refusals change nothing.
    let foreign = format!("products/{other_product}/{}.png", uuid::Uuid::now_v7());
    let refused = attach(&product, json!([foreign])).await;
    assert_eq!(
        (refused.status, refused.code()),
        (400, "image_not_of_product")
    );
    let too_many = attach(&product, json!(vec![key; 9])).await;
    assert_eq!((too_many.status, too_many.code()), (400, "too_many_images"));
    let not_owner = attach(&other_product, json!([])).await;
    assert_eq!(not_owner.status, 403);
    let product_now = send(client().get(format!("{base}/api/products/{product}"))).await;
    assert_eq!(product_now.body["images"], json!([key]));
}

#[tokio::test]
async fn a_creators_drops_and_a_users_own_creator_are_listed() {
    let (base, inbox) = server_with_inbox().await;
    let (token, user, creator, product) = seller(&base, &inbox).await;
    let mut scheduled = Vec::new();
    for hours in [2, 1, 3] {
        let start = Utc::now() + chrono::TimeDelta::hours(hours);
        let drop = send(client().post(format!("{base}/drops")).bearer_auth(&token).json(
            &json!({"productId": product, "startAt": start, "endAt": start + chrono::TimeDelta::hours(1), "initialStock": 5, "lowStockThreshold": 1}),
        ))
        .await;
        assert_eq!(drop.status, 201, "{:?}", drop.body);
        scheduled.push(drop.body["id"].as_str().unwrap().to_owned());
    }
    scheduled.reverse();
    let mut listed = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{base}/api/creators/{creator}/drops?limit=2");
        if let Some(cursor) = &cursor {
            url.push_str(&format!("&cursor={cursor}"));
        }
        let page = send(client().get(url)).await;
        assert_eq!(page.status, 200);
        for item in page.body["items"].as_array().unwrap() {
            listed.push(item["id"].as_str().unwrap().to_owned());
        }
        match page.body["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(listed, scheduled, "newest first, each once");

    let mine = send(
        client()
            .get(format!("{base}/users/{user}/creator"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(
        (mine.status, mine.body["id"].as_str()),
        (200, Some(creator.as_str()))
    );
    let (other_token, other_user, _, _) = seller(&base, &inbox).await;
    let someone_elses = send(
        client()
            .get(format!("{base}/users/{user}/creator"))
            .bearer_auth(&other_token),
    )
    .await;
    assert_eq!(someone_elses.status, 404);
    assert_ne!(other_user, user);
    let unknown = send(client().get(format!(
        "{base}/api/creators/{}/drops",
        uuid::Uuid::new_v4()
    )))
    .await;
    assert_eq!(unknown.status, 404);
}

/// A credential store that is down: every call fails as an outage would.
#[derive(Debug)]
struct CredentialsDown;

fn down() -> Error {
    Error::unavailable("credentials", "the test's store is down")
}

#[async_trait::async_trait]
impl Credentials for CredentialsDown {
    async fn register(&self, _: &User, _: &PasswordHash) -> Result<()> {
        Err(down())
    }
    async fn set_password(&self, _: UserId, _: &PasswordHash) -> Result<()> {
        Err(down())
    }
    async fn password(&self, _: UserId) -> Result<Option<PasswordHash>> {
        Err(down())
    }
    async fn issue_refresh(
        &self,
        _: UserId,
        _: &RefreshTokenHash,
        _: DateTime<Utc>,
        _: DateTime<Utc>,
    ) -> Result<FamilyId> {
        Err(down())
    }
    async fn rotate(
        &self,
        _: &RefreshTokenHash,
        _: &RefreshTokenHash,
        _: DateTime<Utc>,
        _: DateTime<Utc>,
    ) -> Result<Rotation> {
        Err(down())
    }
    async fn revoke_family(
        &self,
        _: &RefreshTokenHash,
        _: DateTime<Utc>,
    ) -> Result<Option<FamilyId>> {
        Err(down())
    }
    async fn family_live(&self, _: FamilyId, _: DateTime<Utc>) -> Result<bool> {
        Err(down())
    }
    async fn revoked_since(&self, _: DateTime<Utc>) -> Result<Vec<(FamilyId, DateTime<Utc>)>> {
        Err(down())
    }
    async fn spend_once(&self, _: TokenId, _: DateTime<Utc>, _: DateTime<Utc>) -> Result<bool> {
        Err(down())
    }
}

#[tokio::test]
async fn a_store_outage_during_a_refresh_keeps_the_cookie() {
    let ports = Ports {
        credentials: Arc::new(CredentialsDown),
        ..MemoryBackend::default().ports()
    };
    let base = support::serve(AppState::new(ports)).await;
    let answer = web(&base, "refresh", Some("some-session"), None).await;
    assert_eq!(answer.status, 503, "{:?}", answer.body);
    assert!(
        answer.headers.get(header::SET_COOKIE).is_none(),
        "an outage must not sign the page out"
    );
}
