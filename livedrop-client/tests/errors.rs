//! How the client reports failures, against a real in-process server: problems become
//! [`ClientError::Api`], an unreachable server [`ClientError::Transport`].
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use livedrop_adapters::memory::{MemoryBackend, MemoryConfig};
use livedrop_client::{Client, ClientError, StatusCode};
use livedrop_core::ids::DropId;
use livedrop_server::{AppState, run};

#[tokio::test]
async fn problems_decode_into_api_errors() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(MemoryBackend::new(MemoryConfig::default()).ports());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(run(listener, state, async {
        let _ = stopped.await;
    }));

    let client = Client::builder().base_url(base_url).build().unwrap();
    client.health().await.unwrap();
    let error = client.drops().get(DropId::new()).await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(error.code(), Some("not_found"));
    match &error {
        ClientError::Api {
            status, problem, ..
        } => {
            assert_eq!(*status, StatusCode::NOT_FOUND);
            assert_eq!(problem.status, 404);
            assert!(
                problem
                    .detail
                    .as_deref()
                    .unwrap_or_default()
                    .contains("not found")
            );
        }
        other => panic!("expected an API error, got {other:?}"),
    }

    stop.send(()).unwrap();
    served.await.unwrap().unwrap();
}

#[tokio::test]
async fn an_unreachable_server_is_a_transport_error() {
    // Bind, learn a free port, and close it again so nothing listens there.
    let port = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = Client::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .build()
        .unwrap();
    let error = client.health().await.unwrap_err();
    assert!(matches!(error, ClientError::Transport(_)), "got {error:?}");
    assert_eq!(error.status(), None);
}

/// `Client::get` takes a path on the client's server: an absolute URL to another host is
/// refused before anything (the session's token included) is sent.
#[tokio::test]
async fn get_refuses_urls_on_other_hosts() {
    let client = Client::builder()
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    let error = client
        .get::<serde_json::Value>("https://elsewhere.example/steal")
        .await
        .unwrap_err();
    assert!(matches!(error, ClientError::InvalidUrl { .. }), "{error:?}");
}
