//! The user event stream over real HTTP, fed by the hub from the bus: only realtime
//! tokens open it, it carries the user's orders and their creators' news, a
//! `Last-Event-ID` resumes it exactly (or gets one `reset`), and a shutting-down server
//! ends it with a resumable id.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use chrono::Utc;
use livedrop_adapters::memory::MemoryBackend;
use livedrop_core::domain::{Event, EventData, Quantity};
use livedrop_core::ids::{CreatorId, DropId, OrderId, UserId};
use livedrop_server::AppState;
use livedrop_server::realtime::HubConfig;

use support::sse::{Message, Reader};
use support::{access_token, realtime_token, register_user, send};

const PATIENCE: Duration = Duration::from_secs(5);
const QUIET: Duration = Duration::from_millis(300);

/// A server on the memory backend with `hub`, serving until the returned sender fires;
/// returns once its hub reads the bus.
async fn server(hub: HubConfig) -> (AppState, String, tokio::sync::oneshot::Sender<()>) {
    let state = AppState::builder(MemoryBackend::default().ports())
        .hub(hub)
        .build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(livedrop_server::run(listener, state.clone(), async {
        let _ = stopped.await;
    }));
    while !state.streams().hub().is_ready() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    (state, base, stop)
}

/// The stream's URL with a fresh realtime token (each opens one stream).
async fn events_url(base: &str, state: &AppState, user: UserId) -> String {
    let token = realtime_token(state, user).await;
    format!("{base}/api/realtime/events?token={token}")
}

fn order(user: UserId) -> Event {
    Event::new(
        EventData::OrderConfirmed {
            order_id: OrderId::new(),
            user_id: user,
            qty: Quantity::ONE,
            available: 1,
        },
        CreatorId::new(),
        Some(DropId::new()),
        Utc::now(),
    )
}

fn started(creator: CreatorId) -> Event {
    Event::new(
        EventData::DropStarted { available: 3 },
        creator,
        Some(DropId::new()),
        Utc::now(),
    )
}

/// Publishes `events` on the bus, as the relay would.
async fn publish(state: &AppState, events: &[Event]) {
    state.ports().bus.publish(events).await.unwrap();
}

fn ids(messages: &[Message]) -> Vec<String> {
    messages
        .iter()
        .map(|m| m.json()["id"].as_str().unwrap().to_owned())
        .collect()
}

fn ids_of(events: &[&Event]) -> Vec<String> {
    events.iter().map(|e| e.id.to_string()).collect()
}

#[tokio::test]
async fn only_a_realtime_token_opens_the_stream() {
    let (state, base, _stop) = server(HubConfig::default()).await;
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
}

#[tokio::test]
async fn an_unreadable_last_event_id_gets_a_reset_not_an_error() {
    let (state, base, _stop) = server(HubConfig::default()).await;
    let user = register_user(&state).await;
    for id in ["garbage", "0193a1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b", "1.2.3"] {
        let mut stream = Reader::connect(&events_url(&base, &state, user).await, Some(id)).await;
        let first = stream.next(PATIENCE).await.unwrap();
        assert_eq!(first.event, "reset", "{id}: {first:?}");
        assert_eq!(first.id, "0", "the position to go on from");
    }
}

#[tokio::test]
async fn a_stream_carries_the_users_orders_and_followed_creators_news_only() {
    let (state, base, _stop) = server(HubConfig::default()).await;
    let (me, someone) = (register_user(&state).await, register_user(&state).await);
    let (_owner, drop) = support::seed_drop(
        &state,
        support::window_from(Utc::now() + chrono::TimeDelta::hours(1)),
        livedrop_core::domain::StockPlan::new(5, 1, None).unwrap(),
    )
    .await;
    state.follows().follow(me, drop.creator_id).await.unwrap();
    let mut stream = Reader::open(&events_url(&base, &state, me).await).await;

    let events = [
        order(me),
        order(someone),
        started(drop.creator_id),
        started(CreatorId::new()),
    ];
    publish(&state, &events).await;
    let got = stream.drain(QUIET).await;
    assert_eq!(ids(&got), ids_of(&[&events[0], &events[2]]));
    assert_eq!(
        got.iter().map(|m| m.event.as_str()).collect::<Vec<_>>(),
        ["order.confirmed", "drop.started"]
    );
}

#[tokio::test]
async fn a_resume_replays_exactly_the_missed_events_in_order_then_goes_on() {
    let (state, base, _stop) = server(HubConfig::default()).await;
    let me = register_user(&state).await;
    let mut stream = Reader::open(&events_url(&base, &state, me).await).await;
    let seen: Vec<Event> = (0..3).map(|_| order(me)).collect();
    publish(&state, &seen).await;
    let got = stream.drain(QUIET).await;
    assert_eq!(got.len(), 3);
    drop(stream);

    let away: Vec<Event> = (0..10)
        .map(|n| {
            if n % 2 == 0 {
                order(me)
            } else {
                order(UserId::new())
            }
        })
        .collect();
    publish(&state, &away).await;
    let last = &got.last().unwrap().id;
    let mut resumed = Reader::connect(&events_url(&base, &state, me).await, Some(last)).await;
    let replayed = resumed.drain(QUIET).await;
    let missed: Vec<&Event> = away.iter().step_by(2).collect();
    assert_eq!(
        ids(&replayed),
        ids_of(&missed),
        "all missed, once, in order"
    );

    let live = order(me);
    publish(&state, std::slice::from_ref(&live)).await;
    assert_eq!(ids(&resumed.drain(QUIET).await), ids_of(&[&live]));
}

#[tokio::test]
async fn a_stream_cut_before_its_first_event_resumes_from_where_it_opened() {
    let (state, base, _stop) = server(HubConfig::default()).await;
    let me = register_user(&state).await;
    let stream = Reader::open(&events_url(&base, &state, me).await).await;
    let opened = stream.opened.clone();
    drop(stream);

    let missed = order(me);
    publish(&state, std::slice::from_ref(&missed)).await;
    let mut resumed = Reader::connect(&events_url(&base, &state, me).await, Some(&opened)).await;
    assert_eq!(ids(&resumed.drain(QUIET).await), ids_of(&[&missed]));
}

#[tokio::test]
async fn a_gap_larger_than_the_window_gives_one_reset_then_live_events() {
    let hub = HubConfig {
        max_replay: 2,
        ..HubConfig::default()
    };
    let (state, base, _stop) = server(hub).await;
    let me = register_user(&state).await;
    let stream = Reader::open(&events_url(&base, &state, me).await).await;
    let opened = stream.opened.clone();
    drop(stream);
    let away: Vec<Event> = (0..3).map(|_| order(me)).collect();
    publish(&state, &away).await;

    let mut resumed = Reader::connect(&events_url(&base, &state, me).await, Some(&opened)).await;
    let got = resumed.drain(QUIET).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].event, "reset");
    assert_eq!(got[0].json()["reason"], "outside_window");
    let live = order(me);
    publish(&state, std::slice::from_ref(&live)).await;
    assert_eq!(ids(&resumed.drain(QUIET).await), ids_of(&[&live]));
}

#[tokio::test]
async fn a_gap_older_than_the_window_gives_one_reset() {
    let hub = HubConfig {
        history: Duration::from_millis(100),
        ..HubConfig::default()
    };
    let (state, base, _stop) = server(hub).await;
    let me = register_user(&state).await;
    let stream = Reader::open(&events_url(&base, &state, me).await).await;
    let opened = stream.opened.clone();
    drop(stream);
    publish(&state, &[order(me)]).await;
    // The node's sweep (every second) ages the window.
    tokio::time::sleep(Duration::from_millis(1_500)).await;

    let mut resumed = Reader::connect(&events_url(&base, &state, me).await, Some(&opened)).await;
    let got = resumed.drain(QUIET).await;
    assert_eq!(
        got.iter().map(|m| m.event.as_str()).collect::<Vec<_>>(),
        ["reset"]
    );
}

#[tokio::test]
async fn shutdown_ends_streams_with_a_resumable_id() {
    let (state, base, stop) = server(HubConfig::default()).await;
    let me = register_user(&state).await;
    let mut stream = Reader::open(&events_url(&base, &state, me).await).await;
    publish(&state, &[order(me)]).await;
    let got = stream.next(PATIENCE).await.unwrap();
    assert_eq!(got.event, "order.confirmed");

    stop.send(()).unwrap();
    let farewell = stream.next(PATIENCE).await.expect("a closing event");
    assert_eq!(farewell.event, "reconnect");
    assert_eq!(farewell.json()["reason"], "server shutting down");
    assert_eq!(farewell.id, got.id, "resume from the last event sent");
    assert!(stream.next(PATIENCE).await.is_none(), "the stream ends");
}
