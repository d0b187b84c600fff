//! A TCP proxy between a client and the server that can break connections on purpose:
//! drop the answer to the next `POST /orders` after the server sent it (so the order is
//! committed but the client never hears), or cut every open connection.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

pub struct Proxy {
    /// The proxy's base URL, to give the client.
    pub base: String,
    shared: Arc<Shared>,
}

struct Shared {
    upstream: String,
    drop_next_order_answer: AtomicBool,
    dropped_answers: AtomicUsize,
    order_requests: AtomicUsize,
    connections: Mutex<Vec<AbortHandle>>,
}

impl Proxy {
    /// Proxies to the server at `upstream_base` (`http://host:port`).
    pub async fn start(upstream_base: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Shared {
            upstream: upstream_base.trim_start_matches("http://").to_owned(),
            drop_next_order_answer: AtomicBool::new(false),
            dropped_answers: AtomicUsize::new(0),
            order_requests: AtomicUsize::new(0),
            connections: Mutex::new(Vec::new()),
        });
        let accepting = shared.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let shared = accepting.clone();
                let task = tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(&shared.upstream).await else {
                        return;
                    };
                    relay(client, server, &shared).await;
                });
                accepting
                    .connections
                    .lock()
                    .unwrap()
                    .push(task.abort_handle());
            }
        });
        Proxy { base, shared }
    }

    /// The next `POST /orders` reaches the server, but its answer is dropped along with
    /// the connection.
    pub fn drop_next_order_answer(&self) {
        self.shared
            .drop_next_order_answer
            .store(true, Ordering::SeqCst);
    }

    /// Answers dropped so far.
    pub fn dropped_answers(&self) -> usize {
        self.shared.dropped_answers.load(Ordering::SeqCst)
    }

    /// `POST /orders` requests seen so far.
    pub fn order_requests(&self) -> usize {
        self.shared.order_requests.load(Ordering::SeqCst)
    }

    /// Closes every open connection.
    pub fn cut_all(&self) {
        for connection in self.shared.connections.lock().unwrap().drain(..) {
            connection.abort();
        }
    }
}

/// Copies both ways until either side closes, or until a doomed answer arrives.
async fn relay(client: TcpStream, server: TcpStream, shared: &Shared) {
    let (from_client, to_client) = client.into_split();
    let (from_server, to_server) = server.into_split();
    let doomed = AtomicBool::new(false);
    tokio::select! {
        () = requests(from_client, to_server, shared, &doomed) => {}
        () = answers(from_server, to_client, shared, &doomed) => {}
    }
}

async fn requests(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    shared: &Shared,
    doomed: &AtomicBool,
) {
    let mut buffer = vec![0; 64 * 1024];
    loop {
        let Ok(read) = from.read(&mut buffer).await else {
            return;
        };
        if read == 0 {
            return;
        }
        if buffer[..read].starts_with(b"POST /orders ") {
            shared.order_requests.fetch_add(1, Ordering::SeqCst);
            // Marked before the request is forwarded, so before its answer can arrive.
            if shared.drop_next_order_answer.swap(false, Ordering::SeqCst) {
                doomed.store(true, Ordering::SeqCst);
            }
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}

async fn answers(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    shared: &Shared,
    doomed: &AtomicBool,
) {
    let mut buffer = vec![0; 64 * 1024];
    loop {
        let Ok(read) = from.read(&mut buffer).await else {
            return;
        };
        if read == 0 {
            return;
        }
        if doomed.load(Ordering::SeqCst) {
            // The server has answered, so the order is committed: the client never hears.
            shared.dropped_answers.fetch_add(1, Ordering::SeqCst);
            return;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}
