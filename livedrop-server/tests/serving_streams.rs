//! The accept loop's fast path for event streams, over raw TCP: what it writes is valid
//! HTTP (chunked on 1.1, close-delimited on 1.0, sized refusals), anything that is not a
//! bodiless stream `GET` is hyper's as before, and the limits (header timeout, a client
//! leaving, shutdown, the connection gauge) hold on it too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use livedrop_adapters::memory::MemoryBackend;
use livedrop_core::domain::StockPlan;
use livedrop_core::ids::DropId;
use livedrop_server::{AppState, ServeConfig, run_with};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use support::{seed_drop, window_from};

const PATIENCE: Duration = Duration::from_secs(5);

struct Server {
    state: AppState,
    addr: SocketAddr,
    drop: DropId,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

/// A server over memory, with one scheduled drop, ready to stream.
async fn start(config: ServeConfig) -> Server {
    let state = AppState::new(MemoryBackend::default().ports());
    let (_, drop) = seed_drop(
        &state,
        window_from(Utc::now() + TimeDelta::hours(1)),
        StockPlan::new(10, 1, None).unwrap(),
    )
    .await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(run_with(listener, state.clone(), config, async {
        let _ = stopped.await;
    }));
    while !state.streams().hub().is_ready() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Server {
        state,
        addr,
        drop: drop.id,
        stop,
        task,
    }
}

/// A response head as read off the wire.
#[derive(Debug)]
struct Head {
    version: u8,
    status: u16,
    headers: Vec<(String, String)>,
}

impl Head {
    fn get(&self, name: &str) -> Option<&str> {
        let mut values = self.headers.iter().filter(|(n, _)| n == name);
        let value = values.next().map(|(_, value)| value.as_str());
        assert!(values.next().is_none(), "{name} twice: {self:?}");
        value
    }
}

/// A raw client connection and what it has read but not yet taken.
struct Raw {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Raw {
    async fn send(addr: SocketAddr, request: &str) -> Self {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        Self {
            stream,
            buffer: Vec::new(),
        }
    }

    /// Reads more; `false` at the end of file.
    async fn fill(&mut self) -> bool {
        let mut chunk = [0; 4096];
        let read = tokio::time::timeout(PATIENCE, self.stream.read(&mut chunk))
            .await
            .expect("the server answers in time")
            .unwrap();
        self.buffer.extend_from_slice(&chunk[..read]);
        read > 0
    }

    async fn head(&mut self) -> Head {
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut response = httparse::Response::new(&mut headers);
            let parsed = response.parse(&self.buffer).expect("a valid response head");
            if let httparse::Status::Complete(length) = parsed {
                let head = Head {
                    version: response.version.unwrap(),
                    status: response.code.unwrap(),
                    headers: response
                        .headers
                        .iter()
                        .map(|header| {
                            let value = std::str::from_utf8(header.value).unwrap();
                            (header.name.to_ascii_lowercase(), value.to_owned())
                        })
                        .collect(),
                };
                self.buffer.drain(..length);
                return head;
            }
            assert!(self.fill().await, "closed before a whole head");
        }
    }

    /// A head and the body its `content-length` gives.
    async fn answer(&mut self) -> (Head, Vec<u8>) {
        let head = self.head().await;
        let length = head
            .get("content-length")
            .expect("a length")
            .parse()
            .unwrap();
        (head, self.exact(length).await)
    }

    async fn exact(&mut self, length: usize) -> Vec<u8> {
        while self.buffer.len() < length {
            assert!(self.fill().await, "closed {length} bytes short");
        }
        self.buffer.drain(..length).collect()
    }

    /// One chunk of a chunked body: its data (empty for the last chunk).
    async fn chunk(&mut self) -> Vec<u8> {
        let line = loop {
            if let Some(at) = self.buffer.windows(2).position(|w| w == b"\r\n") {
                let line = self.exact(at + 2).await;
                break String::from_utf8(line[..at].to_vec()).unwrap();
            }
            assert!(self.fill().await, "closed before a chunk");
        };
        let length = usize::from_str_radix(&line, 16).expect("a hex chunk size");
        let mut data = self.exact(length + 2).await;
        assert_eq!(&data[length..], b"\r\n", "a chunk ends with CRLF");
        data.truncate(length);
        data
    }

    /// Everything up to the end of file, which must come in time.
    async fn rest(&mut self) -> Vec<u8> {
        while self.fill().await {}
        std::mem::take(&mut self.buffer)
    }
}

fn stream_get(path: &str, version: &str) -> String {
    format!("GET {path} {version}\r\nhost: livedrop.test\r\naccept: text/event-stream\r\n\r\n")
}

/// Waits until the hub holds `count` streams.
async fn streams_become(state: &AppState, count: usize) {
    let deadline = Instant::now() + PATIENCE;
    while state.streams().hub().streams() != count {
        assert!(Instant::now() < deadline, "never {count} streams");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

// reqwest reads the fast path's streams in every other realtime test (each opens a new
// connection); these read the bytes.
#[tokio::test]
async fn a_drop_stream_is_chunked_http11_and_a_shutdown_ends_it_resumably_at_once() {
    let server = start(ServeConfig::default()).await;
    let path = format!("/api/drops/{}/events", server.drop);
    let mut client = Raw::send(server.addr, &stream_get(&path, "HTTP/1.1")).await;
    let head = client.head().await;
    assert_eq!((head.version, head.status), (1, 200), "{head:?}");
    assert_eq!(head.get("content-type"), Some("text/event-stream"));
    assert_eq!(head.get("transfer-encoding"), Some("chunked"));
    assert_eq!(head.get("connection"), Some("close"));
    assert_eq!(head.get("cache-control"), Some("no-cache"));
    assert_eq!(head.get("content-length"), None);
    assert!(
        head.get("x-request-id").is_some(),
        "the layers ran: {head:?}"
    );
    httpdate::parse_http_date(head.get("date").unwrap()).unwrap();

    let first = String::from_utf8(client.chunk().await).unwrap();
    assert!(first.starts_with("event: stock\n"), "{first}");
    assert!(first.ends_with("\n\n"), "one whole event a chunk: {first}");

    // A shutdown ends the body: a `reconnect` event, the last chunk, the end of file,
    // and the server returns without waiting for its grace period.
    let started = Instant::now();
    server.stop.send(()).unwrap();
    let farewell = String::from_utf8(client.chunk().await).unwrap();
    assert!(farewell.starts_with("event: reconnect\n"), "{farewell}");
    assert!(farewell.contains(r#""reason":"server shutting down""#));
    assert!(client.chunk().await.is_empty(), "then the last chunk");
    assert!(client.rest().await.is_empty(), "then nothing");
    tokio::time::timeout(PATIENCE, server.task)
        .await
        .expect("the server returns once its streams have ended")
        .unwrap()
        .unwrap();
    assert!(started.elapsed() < ServeConfig::default().shutdown_grace / 2);
}

#[tokio::test]
async fn http10_streams_are_close_delimited() {
    let server = start(ServeConfig::default()).await;
    let path = format!("/api/drops/{}/events", server.drop);
    let mut client = Raw::send(server.addr, &format!("GET {path} HTTP/1.0\r\n\r\n")).await;
    let head = client.head().await;
    assert_eq!((head.version, head.status), (0, 200), "{head:?}");
    assert_eq!(head.get("transfer-encoding"), None);
    assert_eq!(head.get("content-length"), None);
    assert_eq!(head.get("connection"), Some("close"));
    streams_become(&server.state, 1).await;

    server.state.close_streams();
    let body = String::from_utf8(client.rest().await).unwrap();
    assert!(body.starts_with("event: stock\n"), "{body}");
    assert!(body.contains("\n\nevent: reconnect\n"), "{body}");
    assert!(body.ends_with("\n\n"), "{body}");
}

#[tokio::test]
async fn a_refused_stream_is_problem_json_of_its_content_length_then_closed() {
    let server = start(ServeConfig::default()).await;
    for (version, minor) in [("HTTP/1.1", 1), ("HTTP/1.0", 0)] {
        for (path, status, code) in [
            ("/api/realtime/events?token=nope", 401, "unauthorized"),
            ("/api/drops/not-an-id/events", 400, "invalid_id"),
        ] {
            let mut client = Raw::send(server.addr, &stream_get(path, version)).await;
            let (head, body) = client.answer().await;
            assert_eq!((head.version, head.status), (minor, status), "{head:?}");
            assert_eq!(head.get("content-type"), Some("application/problem+json"));
            assert_eq!(head.get("connection"), Some("close"));
            assert_eq!(head.get("transfer-encoding"), None);
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(body["status"], status, "{body}");
            assert!(body["code"].as_str().unwrap().contains(code), "{body}");
            assert!(client.rest().await.is_empty(), "nothing after the body");
        }
    }
}

#[tokio::test]
async fn other_methods_and_bodies_on_a_stream_path_are_served_by_hyper() {
    let server = start(ServeConfig::default()).await;
    let path = format!("/api/drops/{}/events", server.drop);
    // One kept-alive connection: hyper's (the fast path would close it after one answer).
    let mut client = Raw::send(
        server.addr,
        &format!("POST {path} HTTP/1.1\r\nhost: h\r\ncontent-length: 2\r\n\r\n{{}}"),
    )
    .await;
    let (head, _) = client.answer().await;
    assert_eq!(head.status, 405, "{head:?}");
    assert_ne!(head.get("connection"), Some("close"));
    for (request, status) in [
        (format!("DELETE {path} HTTP/1.1\r\nhost: h\r\n\r\n"), 405),
        ("GET /healthz HTTP/1.1\r\nhost: h\r\n\r\n".to_owned(), 200),
    ] {
        client.stream.write_all(request.as_bytes()).await.unwrap();
        assert_eq!(client.answer().await.0.status, status, "{request}");
    }

    // A GET with a body is hyper's too, and served as usual.
    let request = format!("GET {path} HTTP/1.1\r\nhost: h\r\ncontent-length: 3\r\n\r\nabc");
    let mut client = Raw::send(server.addr, &request).await;
    let head = client.head().await;
    assert_eq!(head.status, 200, "{head:?}");
    assert_eq!(head.get("transfer-encoding"), Some("chunked"));
    let first = String::from_utf8(client.chunk().await).unwrap();
    assert!(first.starts_with("event: stock\n"), "{first}");
}

#[tokio::test]
async fn pipelined_requests_behind_a_stream_path_are_all_answered() {
    let server = start(ServeConfig::default()).await;
    let mut client = Raw::send(
        server.addr,
        &format!(
            "{}GET /healthz HTTP/1.1\r\nhost: h\r\n\r\n",
            stream_get("/api/drops/not-an-id/events", "HTTP/1.1")
        ),
    )
    .await;
    for status in [400, 200] {
        assert_eq!(client.answer().await.0.status, status);
    }
}

#[tokio::test]
async fn a_stream_head_sent_too_slowly_is_cut_at_the_header_timeout() {
    let timeout = Duration::from_millis(300);
    let server = start(ServeConfig {
        header_read_timeout: timeout,
        ..ServeConfig::default()
    })
    .await;
    let path = format!("/api/drops/{}/events", server.drop);
    let partial = format!("GET {path} HTTP/1.1\r\nhost: h\r\n");
    // Part of a head, then more of it (which buys no time), or nothing at all.
    for (sent, more) in [(partial.as_str(), "x-slow: 1\r\n"), ("", "")] {
        let started = Instant::now();
        let mut client = Raw::send(server.addr, sent).await;
        tokio::time::sleep(timeout / 2).await;
        let _ = client.stream.write_all(more.as_bytes()).await;
        assert!(client.rest().await.is_empty(), "no answer to {sent:?}");
        let took = started.elapsed();
        assert!(
            took >= timeout - Duration::from_millis(50) && took < timeout * 3,
            "{sent:?} cut after {took:?}"
        );
    }
    assert_eq!(server.state.streams().hub().streams(), 0);
}

#[tokio::test]
async fn a_client_that_leaves_frees_its_stream_and_connection_at_once() {
    let server = start(ServeConfig::default()).await;
    let http = reqwest::Client::new();
    let metrics = format!("http://{}/metrics", server.addr);
    let connections = || async {
        let response = http.get(&metrics).send().await.unwrap();
        let body = response.text().await.unwrap();
        body.lines()
            .find_map(|line| line.strip_prefix("livedrop_http_connections "))
            .map_or(0.0, |value| value.parse::<f64>().unwrap())
    };
    let before = connections().await;

    let path = format!("/api/drops/{}/events", server.drop);
    let mut client = Raw::send(server.addr, &stream_get(&path, "HTTP/1.1")).await;
    assert_eq!(client.head().await.status, 200);
    streams_become(&server.state, 1).await;
    // The test binary is a process of its own under nextest, so the gauge is this test's.
    assert_eq!(connections().await, before + 1.0);

    // Nothing is published: only watching the socket can tell the client is gone.
    drop(client);
    streams_become(&server.state, 0).await;
    let deadline = Instant::now() + PATIENCE;
    while connections().await != before {
        assert!(Instant::now() < deadline, "the connection is still counted");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
