//! The authentication flows over real HTTP: register, log in, call a protected route,
//! refresh with rotation, reuse detection, logout, and every kind of bad token.
//!
//! The same flow runs on the memory backend and, with feature `postgres`, on PostgreSQL
//! (`LIVEDROP_TEST_DATABASE_URL`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(feature = "postgres")]
#[path = "../../livedrop-adapters/tests/support/mod.rs"]
mod backends;
mod support;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{EncodingKey, Header};
use livedrop_adapters::memory::{MemoryBackend, MemoryMailbox, MemoryRateLimiter};
use livedrop_core::domain::User;
use livedrop_core::ids::UserId;
use livedrop_core::ports::{BucketPolicy, Ports, RateLimits};
use livedrop_core::wire::{Problem, RealtimeToken, Registered, TokenPair};
use livedrop_server::AppState;
use livedrop_server::auth::{JwtSecret, Passwords};
use reqwest::{Client, StatusCode};
use serde_json::json;
use support::inbox::Inbox;

const SECRET: &str = "an-http-test-secret-of-32-bytes-or-more";

/// The server on `ports`, with cheap password hashing, a known secret and an auth
/// budget no test exhausts.
async fn server(ports: Ports, inbox: &MemoryMailbox) -> String {
    let limits = RateLimits {
        auth: BucketPolicy::per_second(1_000, 1_000),
        ..RateLimits::default()
    };
    let ports = Ports {
        rate_limiter: Arc::new(MemoryRateLimiter::new(limits)),
        ..ports
    };
    let state = AppState::builder(ports)
        .mailer(Arc::new(inbox.clone()))
        .passwords(Passwords::for_tests())
        .jwt_secret(JwtSecret::try_from(SECRET.to_owned()).unwrap())
        .build();
    support::serve(state).await
}

struct Api {
    base: String,
    http: Client,
    inbox: Inbox,
}

impl Api {
    async fn post(&self, path: &str, body: serde_json::Value) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    async fn get(&self, path: &str, bearer: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(bearer)
            .send()
            .await
            .unwrap()
    }

    /// Registers `email` as its owner would, through the mailed link; the confirmation's
    /// answer.
    async fn register(&self, email: &str, name: &str, password: &str) -> reqwest::Response {
        let started = self
            .post(
                "/api/auth/register",
                json!({ "email": email, "name": name }),
            )
            .await;
        assert_eq!(started.status(), StatusCode::ACCEPTED);
        let token = self.inbox.confirmation_token(email).await;
        self.confirm(&token, password).await
    }

    async fn confirm(&self, token: &str, password: &str) -> reqwest::Response {
        self.post(
            "/api/auth/register/confirm",
            json!({ "token": token, "password": password }),
        )
        .await
    }

    async fn refresh(&self, token: &str) -> reqwest::Response {
        self.post("/api/auth/refresh", json!({ "refreshToken": token }))
            .await
    }
}

/// `response` is a 401 problem with `code`.
async fn assert_401(response: reqwest::Response, code: &str) {
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let problem: Problem = response.json().await.unwrap();
    assert_eq!(problem.code, code, "{problem:?}");
}

async fn ok<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> T {
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    response.json().await.unwrap()
}

#[tokio::test]
async fn memory_auth_flows() {
    auth_flows(MemoryBackend::default().ports()).await;
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_auth_flows() {
    use livedrop_adapters::postgres::LedgerMode;
    let Some(pg) = backends::postgres::backend(LedgerMode::default()).await else {
        return;
    };
    auth_flows(pg.ports(backends::postgres::base())).await;
}

async fn auth_flows(ports: Ports) {
    let mailbox = MemoryMailbox::new();
    let api = Api {
        base: server(ports, &mailbox).await,
        http: Client::new(),
        inbox: Inbox::Memory(mailbox),
    };
    let email = format!("ada-{}@example.com", UserId::new());
    let password = "correct horse battery";

    // Register: 202, a link by mail; confirmed, 201, the user and working tokens.
    let response = api.register(&email, "Ada Lovelace", password).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let registered: Registered = response.json().await.unwrap();
    assert_eq!(registered.user.email.to_string(), email);
    let me: User = ok(api
        .get("/api/auth/me", &registered.tokens.access_token)
        .await)
    .await;
    assert_eq!(me, registered.user);

    // The link again: 409. Short password: 400.
    let token = api.inbox.confirmation_token(&email).await;
    let again = api.confirm(&token, password).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let short = api.register("short@example.com", "Shorty", "1234567").await;
    assert_eq!(short.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        short.json::<Problem>().await.unwrap().code,
        "invalid_password"
    );
    // Long enough but guessed at once: the common ones, a repeat, the user's own email.
    let own = format!("weak-{}@example.com", UserId::new());
    for (address, weak) in [
        (format!("weak-{}@example.com", UserId::new()), "password"),
        (format!("weak-{}@example.com", UserId::new()), "12345678"),
        (format!("weak-{}@example.com", UserId::new()), "        "),
        (own.clone(), own.as_str()),
    ] {
        let refused = api.register(&address, "Weak", weak).await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{weak:?}");
        assert_eq!(
            refused.json::<Problem>().await.unwrap().code,
            "weak_password"
        );
    }
    let garbage = api.post("/api/auth/login", json!({ "email": 1 })).await;
    assert_eq!(
        garbage.json::<Problem>().await.unwrap().code,
        "invalid_body"
    );

    // Wrong password and unknown email: the same 401.
    let wrong = api
        .post(
            "/api/auth/login",
            json!({ "email": email, "password": "not the password" }),
        )
        .await;
    assert_401(wrong, "invalid_credentials").await;
    let unknown = api
        .post(
            "/api/auth/login",
            json!({ "email": "nobody@example.com", "password": password }),
        )
        .await;
    assert_401(unknown, "invalid_credentials").await;

    // Log in, refresh: a new pair; the new access token works.
    let login: TokenPair = ok(api
        .post(
            "/api/auth/login",
            json!({ "email": email, "password": password }),
        )
        .await)
    .await;
    assert_eq!(login.token_type, "Bearer");
    let rotated: TokenPair = ok(api.refresh(&login.refresh_token).await).await;
    assert_ne!(rotated.refresh_token, login.refresh_token);
    let me: User = ok(api.get("/api/auth/me", &rotated.access_token).await).await;
    assert_eq!(me.id, registered.user.id);

    // The spent token again: reuse, and the family dies with it.
    assert_401(
        api.refresh(&login.refresh_token).await,
        "refresh_token_reused",
    )
    .await;
    assert_401(
        api.refresh(&rotated.refresh_token).await,
        "invalid_refresh_token",
    )
    .await;
    // Its access tokens end with it, not 15 minutes later.
    for token in [&login.access_token, &rotated.access_token] {
        assert_401(api.get("/api/auth/me", token).await, "sign_in_ended").await;
    }
    // The registration's own family is another sign-in: untouched.
    let other: TokenPair = ok(api.refresh(&registered.tokens.refresh_token).await).await;
    let _: User = ok(api.get("/api/auth/me", &other.access_token).await).await;

    // Logout: 204, and the family's token is dead; logging out again is still 204.
    let logout = api
        .post(
            "/api/auth/logout",
            json!({ "refreshToken": other.refresh_token }),
        )
        .await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert_401(
        api.refresh(&other.refresh_token).await,
        "invalid_refresh_token",
    )
    .await;
    // Signed out: its access token no longer calls the API nor gets realtime tokens.
    for path in ["/api/auth/me", "/api/realtime/token"] {
        assert_401(api.get(path, &other.access_token).await, "sign_in_ended").await;
    }
    let logout = api
        .post(
            "/api/auth/logout",
            json!({ "refreshToken": other.refresh_token }),
        )
        .await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert_401(api.refresh("never-issued").await, "invalid_refresh_token").await;

    // A realtime token opens streams, not the API. (Every sign-in above has ended, and an
    // ended sign-in gets no realtime token: a new one.)
    let fresh: TokenPair = ok(api
        .post(
            "/api/auth/login",
            json!({ "email": email, "password": password }),
        )
        .await)
    .await;
    let realtime: RealtimeToken =
        ok(api.get("/api/realtime/token", &fresh.access_token).await).await;
    assert_401(
        api.get("/api/auth/me", &realtime.token).await,
        "unauthorized",
    )
    .await;
    assert_401(
        api.get("/api/realtime/token", &realtime.token).await,
        "unauthorized",
    )
    .await;

    // Expired, forged, unsigned, missing.
    let user = registered.user.id;
    let expired = sign(SECRET, user, -120);
    assert_401(api.get("/api/auth/me", &expired).await, "unauthorized").await;
    let forged = sign("another-secret-that-is-also-32-bytes-long", user, 600);
    assert_401(api.get("/api/auth/me", &forged).await, "unauthorized").await;
    let payload = sign(SECRET, user, 600)
        .split('.')
        .nth(1)
        .unwrap()
        .to_owned();
    let none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let unsigned = format!("{none}.{payload}.");
    assert_401(api.get("/api/auth/me", &unsigned).await, "unauthorized").await;
    let anonymous = api
        .http
        .get(format!("{}/api/auth/me", api.base))
        .send()
        .await
        .unwrap();
    assert_401(anonymous, "unauthorized").await;
    // The control: the same claims, properly signed, pass.
    let genuine = sign(SECRET, user, 600);
    let _: User = api
        .get("/api/auth/me", &genuine)
        .await
        .json()
        .await
        .unwrap();
}

/// Two nodes on one store: a logout on one stops the sign-in's access token on the other
/// within a couple of its watch rounds, though the token itself is still unexpired.
#[tokio::test]
async fn a_logout_on_one_node_stops_the_access_token_on_every_node() {
    let ports = MemoryBackend::default().ports();
    let mailbox = MemoryMailbox::new();
    let (one, two) = (
        server(ports.clone(), &mailbox).await,
        server(ports, &mailbox).await,
    );
    let http = Client::new();
    let api = |base: &str| Api {
        base: base.to_owned(),
        http: http.clone(),
        inbox: Inbox::Memory(mailbox.clone()),
    };
    let (one, two) = (api(&one), api(&two));
    let email = format!("grace-{}@example.com", UserId::new());
    let registered: Registered = one
        .register(&email, "Grace", "a long enough passphrase")
        .await
        .json()
        .await
        .unwrap();
    let access = &registered.tokens.access_token;
    let _: User = ok(two.get("/api/auth/me", access).await).await;

    let logout = one
        .post(
            "/api/auth/logout",
            json!({ "refreshToken": registered.tokens.refresh_token }),
        )
        .await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert_401(one.get("/api/auth/me", access).await, "sign_in_ended").await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while two.get("/api/auth/me", access).await.status() == StatusCode::OK {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the other node still takes the token 5 s after the logout"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_401(two.get("/api/auth/me", access).await, "sign_in_ended").await;
}

/// An access token for `user` signed HS256 with `secret`, expiring `exp_in` seconds from
/// now (negative: already expired, beyond the checker's leeway).
fn sign(secret: &str, user: UserId, exp_in: i64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .cast_signed();
    let claims = json!({
        "sub": user,
        "sid": uuid::Uuid::new_v4(),
        "aud": "livedrop-api",
        "iss": "livedrop",
        "iat": now - 600,
        "exp": now + exp_in,
    });
    jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

/// The auth routes share one budget per address: the eleventh login in a burst is `429`,
/// whatever access token the request carries (a token of its own account would otherwise
/// bring every registered account a fresh bucket of guesses).
#[tokio::test]
async fn auth_routes_are_rate_limited_per_address_even_with_a_token() {
    let state = AppState::builder(MemoryBackend::default().ports())
        .passwords(Passwords::for_tests())
        .build();
    let tokens: Vec<String> = {
        let mut tokens = Vec::new();
        for _ in 0..11 {
            tokens.push(support::access_token(
                &state,
                support::register_user(&state).await,
            ));
        }
        tokens
    };
    let base = support::serve(state).await;
    let http = Client::new();
    let mut statuses = Vec::new();
    for token in &tokens {
        let response = http
            .post(format!("{base}/api/auth/login"))
            .bearer_auth(token)
            .json(&json!({ "email": "nobody@example.com", "password": "whatever1" }))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses[..10], [401; 10]);
    assert_eq!(statuses[10], 429);
}
