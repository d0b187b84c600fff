//! The event stream: only realtime tokens open it, `Last-Event-ID` resumes it, and a
//! shutting-down server ends it with a resumable id.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use livedrop_adapters::memory::MemoryBackend;
use livedrop_core::domain::{Event, EventData, Notification, Quantity, Recipient};
use livedrop_core::ids::{CreatorId, OrderId, UserId};
use livedrop_server::AppState;
use livedrop_server::auth::TokenKind;

use support::sse::Reader;
use support::{access_token, register_user, send};

const PATIENCE: Duration = Duration::from_secs(5);

/// Stores an `order.confirmed` notification for `user`, `age` ago, and wakes the streams
/// as the notification consumer would.
async fn notify(state: &AppState, user: UserId, age: TimeDelta) -> Event {
    let order_id = OrderId::new();
    let event = Event::new(
        EventData::OrderConfirmed {
            order_id,
            user_id: user,
            qty: Quantity::try_from(1).unwrap(),
            available: 1,
        },
        CreatorId::new(),
        None,
        Utc::now() - age,
    );
    let stored = state
        .ports()
        .notifier
        .deliver(&Notification {
            recipient: Recipient::User(user),
            event: event.clone(),
        })
        .await
        .unwrap();
    assert!(stored);
    state.inbox_signal().bump();
    event
}

async fn server() -> (AppState, String, tokio::sync::oneshot::Sender<()>) {
    let state = AppState::new(MemoryBackend::default().ports());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(livedrop_server::run(listener, state.clone(), async {
        let _ = stopped.await;
    }));
    (state, base, stop)
}

fn events_url(base: &str, state: &AppState, user: UserId) -> String {
    let token = state.tokens().issue(TokenKind::Realtime, user).unwrap();
    format!("{base}/api/realtime/events?token={}", token.token)
}

#[tokio::test]
async fn only_a_realtime_token_opens_the_stream() {
    let (state, base, _stop) = server().await;
    let user = register_user(&state).await;
    let http = reqwest::Client::new();
    let access = access_token(&state, user);
    for url in [
        format!("{base}/api/realtime/events"),
        format!("{base}/api/realtime/events?token=not-a-token"),
        format!("{base}/api/realtime/events?token={access}"),
    ] {
        let answer = send(http.get(&url)).await;
        assert_eq!(
            (answer.status, answer.code()),
            (401, "unauthorized"),
            "{url}"
        );
    }
    let bad_resume = send(
        http.get(events_url(&base, &state, user))
            .header("last-event-id", "garbage"),
    )
    .await;
    assert_eq!(
        (bad_resume.status, bad_resume.code()),
        (400, "invalid_cursor")
    );
}

#[tokio::test]
async fn the_stream_sends_new_events_and_resumes_after_the_last_id() {
    let (state, base, _stop) = server().await;
    let user = register_user(&state).await;
    let before = notify(&state, user, TimeDelta::seconds(1)).await;

    let mut stream = Reader::open(&events_url(&base, &state, user), None).await;
    let first = notify(&state, user, TimeDelta::zero()).await;
    let got = stream.next(PATIENCE).await.unwrap();
    // History (`before`) is the inbox's to serve; the stream starts with what is new.
    assert_eq!(got.event, "order.confirmed");
    assert_eq!(
        got.json()["id"],
        first.id.to_string(),
        "{got:?} (before: {})",
        before.id
    );
    drop(stream);

    // Missed while disconnected: a resume from the last id gets it, last. Delivery is at
    // least once: what lies within the late window before the id (`first`, `before`)
    // may come again, nothing else.
    let missed = notify(&state, user, TimeDelta::zero()).await;
    let mut resumed = Reader::open(&events_url(&base, &state, user), Some(&got.id)).await;
    let mut ids = Vec::new();
    while let Some(message) = resumed.next(Duration::from_millis(500)).await {
        ids.push(message.json()["id"].as_str().unwrap().to_owned());
    }
    assert!(ids.contains(&missed.id.to_string()), "{ids:?}");
    assert_eq!(
        ids.last().unwrap(),
        &missed.id.to_string(),
        "oldest first: {ids:?}"
    );
    assert!(ids.len() <= 3, "{ids:?}");
}

#[tokio::test]
async fn a_stream_cut_before_its_first_event_resumes_from_where_it_opened() {
    let (state, base, _stop) = server().await;
    let user = register_user(&state).await;
    let stream = Reader::open(&events_url(&base, &state, user), None).await;
    let opened = stream.opened.clone();
    drop(stream);

    let missed = notify(&state, user, TimeDelta::zero()).await;
    let mut resumed = Reader::open(&events_url(&base, &state, user), Some(&opened)).await;
    let got = resumed.next(PATIENCE).await.unwrap();
    assert_eq!(got.json()["id"], missed.id.to_string());
}

#[tokio::test]
async fn shutdown_ends_streams_with_a_resumable_id() {
    let (state, base, stop) = server().await;
    let user = register_user(&state).await;
    let mut stream = Reader::open(&events_url(&base, &state, user), None).await;
    let sent = notify(&state, user, TimeDelta::zero()).await;
    let got = stream.next(PATIENCE).await.unwrap();
    assert_eq!(got.json()["id"], sent.id.to_string());

    stop.send(()).unwrap();
    let farewell = stream.next(PATIENCE).await.expect("a closing event");
    assert_eq!(farewell.event, "reconnect");
    assert_eq!(farewell.id, got.id, "resume from the last event sent");
    assert!(stream.next(PATIENCE).await.is_none(), "the stream ends");
}
