//! The accept loop over real TCP: slow clients are cut off, handlers can drop their own
//! connection, and a shutdown ends within its grace period whatever the clients do.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::routing::get;
use axum::{Extension, Router};
use livedrop_adapters::memory::MemoryBackend;
use livedrop_server::{AppState, ConnectionHandle, ServeConfig, run_with, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Short enough for tests, long enough that a loaded machine does not trip it by accident.
const HEADER_TIMEOUT: Duration = Duration::from_millis(300);

fn config(shutdown_grace: Duration) -> ServeConfig {
    ServeConfig {
        header_read_timeout: HEADER_TIMEOUT,
        shutdown_grace,
        ..ServeConfig::default()
    }
}

/// A served router: its address, the shutdown trigger, whether `on_shutdown` ran, and the
/// serving task.
struct Server {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    on_shutdown_ran: Arc<AtomicBool>,
    task: JoinHandle<std::io::Result<()>>,
}

async fn start(router: Router, config: ServeConfig) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let on_shutdown_ran = Arc::new(AtomicBool::new(false));
    let ran = on_shutdown_ran.clone();
    let task = tokio::spawn(serve(
        listener,
        router,
        config,
        async {
            let _ = stopped.await;
        },
        move || ran.store(true, Ordering::SeqCst),
    ));
    Server {
        addr,
        stop,
        on_shutdown_ran,
        task,
    }
}

/// `/hello` answers `hello`; `/peer` the peer address the handler sees; `/forever` an
/// endless body, after sending its connection's handle to `handles`.
fn test_router(handles: mpsc::UnboundedSender<ConnectionHandle>) -> Router {
    Router::new()
        .route("/hello", get(|| async { "hello" }))
        .route(
            "/peer",
            get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() }),
        )
        .route("/forever", get(forever))
        .with_state(handles)
}

async fn forever(
    State(handles): State<mpsc::UnboundedSender<ConnectionHandle>>,
    Extension(connection): Extension<ConnectionHandle>,
) -> Body {
    static CHUNK: [u8; 16 * 1024] = [b'x'; 16 * 1024];
    handles.send(connection).unwrap();
    Body::from_stream(futures_util::stream::repeat_with(|| {
        Ok::<_, Infallible>(Bytes::from_static(&CHUNK))
    }))
}

fn get_request(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nhost: livedrop.test\r\n\r\n")
}

/// Reads one response (with a `content-length`) off `stream`: its status and body.
/// `buffer` keeps what was read past it.
async fn read_response(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> (u16, String) {
    let deadline = Instant::now() + Duration::from_secs(5);
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        read_more(stream, buffer, deadline).await;
    };
    let head = String::from_utf8(buffer[..head_end].to_vec()).unwrap();
    let status: u16 = head[9..12].parse().unwrap();
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().unwrap())
        })
        .unwrap_or_else(|| panic!("no content-length: {head}"));
    while buffer.len() < head_end + length {
        read_more(stream, buffer, deadline).await;
    }
    let body = String::from_utf8(buffer[head_end..head_end + length].to_vec()).unwrap();
    buffer.drain(..head_end + length);
    (status, body)
}

async fn read_more(stream: &mut TcpStream, buffer: &mut Vec<u8>, deadline: Instant) {
    let mut chunk = [0; 4096];
    let read = tokio::time::timeout_at(deadline, stream.read(&mut chunk))
        .await
        .expect("the response comes in time")
        .unwrap();
    assert!(read > 0, "connection closed mid-response");
    buffer.extend_from_slice(&chunk[..read]);
}

/// Reads (and discards) until the server ends the connection (end of file or reset), which
/// must happen within `limit`; returns how long it took.
async fn ended_within(stream: &mut TcpStream, limit: Duration) -> Duration {
    let started = Instant::now();
    let mut chunk = vec![0; 64 * 1024];
    loop {
        match tokio::time::timeout_at(started + limit, stream.read(&mut chunk)).await {
            Err(_) => panic!("the connection is still open after {limit:?}"),
            Ok(Ok(0) | Err(_)) => return started.elapsed(),
            Ok(Ok(_)) => {}
        }
    }
}

/// Opens `/forever` on a new connection and never reads from it; returns the connection
/// and its handle once the handler has run and the server's writes have had time to block.
async fn stalled_stream(
    addr: SocketAddr,
    handles: &mut mpsc::UnboundedReceiver<ConnectionHandle>,
) -> (TcpStream, ConnectionHandle) {
    let mut client = TcpStream::connect(addr).await.unwrap();
    client
        .write_all(get_request("/forever").as_bytes())
        .await
        .unwrap();
    let handle = tokio::time::timeout(Duration::from_secs(5), handles.recv())
        .await
        .expect("the handler runs")
        .unwrap();
    // Let the socket buffers fill: the server is now blocked writing to a client that
    // does not read.
    tokio::time::sleep(Duration::from_millis(300)).await;
    (client, handle)
}

#[tokio::test]
async fn a_client_stalling_mid_head_is_disconnected_after_the_header_timeout() {
    let state = AppState::new(MemoryBackend::default().ports());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (_stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(run_with(
        listener,
        state,
        config(Duration::from_secs(1)),
        async {
            let _ = stopped.await;
        },
    ));

    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nhost: livedrop.test\r\n")
        .await
        .unwrap();
    let took = ended_within(&mut slow, Duration::from_secs(2)).await;
    assert!(
        took >= HEADER_TIMEOUT - Duration::from_millis(50),
        "cut off before the timeout: {took:?}"
    );

    // The server itself carries on.
    let answer = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
}

#[tokio::test]
async fn a_connection_is_kept_alive_between_requests_until_the_header_timeout() {
    let (handles, _) = mpsc::unbounded_channel();
    let server = start(test_router(handles), config(Duration::from_secs(1))).await;
    let mut client = TcpStream::connect(server.addr).await.unwrap();
    let mut buffer = Vec::new();

    for _ in 0..2 {
        client
            .write_all(get_request("/hello").as_bytes())
            .await
            .unwrap();
        let answer = read_response(&mut client, &mut buffer).await;
        assert_eq!(answer, (200, "hello".to_owned()));
    }
    // Idle, without starting a third request: closed once the head is overdue.
    let took = ended_within(&mut client, Duration::from_secs(2)).await;
    assert!(
        took >= HEADER_TIMEOUT - Duration::from_millis(50),
        "an idle kept-alive connection was cut off early: {took:?}"
    );
}

#[tokio::test]
async fn handlers_see_the_peer_address() {
    let (handles, _) = mpsc::unbounded_channel();
    let server = start(test_router(handles), config(Duration::from_secs(1))).await;
    let mut client = TcpStream::connect(server.addr).await.unwrap();
    client
        .write_all(get_request("/peer").as_bytes())
        .await
        .unwrap();
    let answer = read_response(&mut client, &mut Vec::new()).await;
    assert_eq!(answer, (200, client.local_addr().unwrap().to_string()));
}

#[tokio::test]
async fn closing_its_handle_drops_a_connection_whose_client_stopped_reading() {
    let (handles, mut handled) = mpsc::unbounded_channel();
    let server = start(test_router(handles), config(Duration::from_secs(1))).await;
    let (mut client, handle) = stalled_stream(server.addr, &mut handled).await;
    assert!(!handle.is_closed(), "the stream is still being served");

    handle.close();
    // What was already in the socket buffers still arrives; then the connection ends,
    // though the body never does.
    ended_within(&mut client, Duration::from_secs(1)).await;
    assert!(handle.is_closed());

    // Only that connection: the server still answers.
    let mut other = TcpStream::connect(server.addr).await.unwrap();
    other
        .write_all(get_request("/hello").as_bytes())
        .await
        .unwrap();
    let answer = read_response(&mut other, &mut Vec::new()).await;
    assert_eq!(answer, (200, "hello".to_owned()));
}

#[tokio::test]
async fn shutdown_drops_a_client_that_never_reads_once_the_grace_period_is_over() {
    let grace = Duration::from_millis(500);
    let (handles, mut handled) = mpsc::unbounded_channel();
    let server = start(test_router(handles), config(grace)).await;
    let (mut client, handle) = stalled_stream(server.addr, &mut handled).await;

    let started = Instant::now();
    server.stop.send(()).unwrap();
    tokio::time::timeout(grace + Duration::from_secs(1), server.task)
        .await
        .expect("the server returns within the grace period and a second")
        .unwrap()
        .unwrap();
    let took = started.elapsed();
    assert!(
        took >= grace - Duration::from_millis(50),
        "the stream in flight was not given its grace period: {took:?}"
    );
    assert!(server.on_shutdown_ran.load(Ordering::SeqCst));
    assert!(
        handle.is_closed(),
        "the dropped connection's handle says so"
    );
    ended_within(&mut client, Duration::from_secs(1)).await;
    assert!(
        TcpStream::connect(server.addr).await.is_err(),
        "no longer accepting"
    );
}

#[tokio::test]
async fn shutdown_closes_idle_kept_alive_connections_without_waiting_for_the_grace_period() {
    let (handles, _) = mpsc::unbounded_channel();
    let server = start(
        test_router(handles),
        ServeConfig {
            // Neither limit may be what closes the connection.
            header_read_timeout: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(30),
            ..ServeConfig::default()
        },
    )
    .await;
    let mut client = TcpStream::connect(server.addr).await.unwrap();
    client
        .write_all(get_request("/hello").as_bytes())
        .await
        .unwrap();
    let answer = read_response(&mut client, &mut Vec::new()).await;
    assert_eq!(answer, (200, "hello".to_owned()));

    server.stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(2), server.task)
        .await
        .expect("an idle connection does not hold up the shutdown")
        .unwrap()
        .unwrap();
    ended_within(&mut client, Duration::from_secs(1)).await;
}
