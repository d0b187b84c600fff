//! No secret reaches the log: the binary, logging JSON at `debug`, goes through a whole
//! sign-in life (register through the mailed link, a wrong password, login, refresh, a
//! realtime token and the stream it opens, a forged token, logout) and its log must not
//! hold the password, any token (the registration link's included), the refresh tokens'
//! cookie values or the signing secret, anywhere in any line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};

use support::binary::{ready, start, terminate};
use support::inbox::Inbox;
use support::over_http::register;
use support::send;

const JWT_SECRET: &str = "a-signing-secret-the-log-must-never-show-0123";
const PASSWORD: &str = "violet staple horizon quarry";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_sign_in_life_logs_no_secret() {
    let (running, base) = start(&[
        ("LIVEDROP_LOG_FORMAT", "json".to_owned()),
        ("RUST_LOG", "debug".to_owned()),
        ("LIVEDROP_JWT_SECRET", JWT_SECRET.to_owned()),
    ]);
    ready(&base).await;
    let http = reqwest::Client::new();
    let post = |path: &str, body: Value| http.post(format!("{base}{path}")).json(&body);
    let email = format!("quiet-{}@example.com", uuid::Uuid::new_v4().simple());

    let inbox = Inbox::Dir(running.mail_dir().to_owned());
    let registered = register(&http, &base, &inbox, &email, "Quiet", PASSWORD).await;
    assert_eq!(registered.status, 201, "{registered:?}");
    let confirmation = inbox.confirmation_token(&email).await;
    let wrong = send(post(
        "/api/auth/login",
        json!({ "email": email, "password": "not the password at all" }),
    ))
    .await;
    assert_eq!(wrong.status, 401);
    let login = send(post(
        "/api/auth/login",
        json!({ "email": email, "password": PASSWORD }),
    ))
    .await;
    assert_eq!(login.status, 200, "{login:?}");
    let token =
        |answer: &support::Answer, name: &str| answer.body[name].as_str().unwrap().to_owned();
    let (access, refresh) = (token(&login, "accessToken"), token(&login, "refreshToken"));
    let refreshed = send(post(
        "/api/auth/refresh",
        json!({ "refreshToken": refresh }),
    ))
    .await;
    assert_eq!(refreshed.status, 200, "{refreshed:?}");
    let (access2, refresh2) = (
        token(&refreshed, "accessToken"),
        token(&refreshed, "refreshToken"),
    );
    let realtime = send(
        http.get(format!("{base}/api/realtime/token"))
            .bearer_auth(&access2),
    )
    .await;
    assert_eq!(realtime.status, 200, "{realtime:?}");
    let stream_token = token(&realtime, "token");
    // The stream's token travels in the query string: the log must show the path only.
    let stream = http
        .get(format!("{base}/api/realtime/events?token={stream_token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    drop(stream);
    let forged = format!("{access2}x");
    let refused = send(http.get(format!("{base}/api/auth/me")).bearer_auth(&forged)).await;
    assert_eq!(refused.status, 401);
    let logout = send(post(
        "/api/auth/logout",
        json!({ "refreshToken": refresh2 }),
    ))
    .await;
    assert_eq!(logout.status, 204);
    let ended = send(
        http.get(format!("{base}/api/auth/me"))
            .bearer_auth(&access2),
    )
    .await;
    assert_eq!(ended.status, 401);

    let logged = terminate(running);
    let lines: Vec<&str> = logged.lines().collect();
    // Not a vacuous pass: the flow's requests are in the log, one JSON object per line.
    assert!(
        lines
            .iter()
            .any(|line| line.contains("/api/auth/login") && line.contains("\"request_id\"")),
        "the requests are logged: {logged}"
    );
    for line in &lines {
        serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    }
    let secrets = [
        ("the password", PASSWORD.to_owned()),
        ("the signing secret", JWT_SECRET.to_owned()),
        ("an access token", access),
        ("an access token", access2),
        ("a refresh token", refresh),
        ("a refresh token", refresh2),
        ("a realtime token", stream_token),
        ("a registration link's token", confirmation),
    ];
    for (what, secret) in &secrets {
        // A token's signature alone is as telling as the token.
        let tail = secret.rsplit('.').next().unwrap_or(secret);
        for line in &lines {
            assert!(
                !line.contains(secret.as_str()) && !line.contains(tail),
                "{what} is in the log: {line}"
            );
        }
    }
}
