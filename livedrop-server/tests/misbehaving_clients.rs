//! The binary against clients that hold connections without using them: slow request
//! heads are cut at the header timeout and more connections than the limit are closed at
//! once, while the server keeps answering everyone else.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::{Duration, Instant};

use support::binary::{ready, start, terminate};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// `GET /healthz` answers 200 within a second.
async fn healthy(client: &reqwest::Client, base_url: &str) -> bool {
    let answer = tokio::time::timeout(
        Duration::from_secs(1),
        client.get(format!("{base_url}/healthz")).send(),
    )
    .await;
    matches!(answer, Ok(Ok(response)) if response.status() == 200)
}

/// Whether the server closes `stream` (end of file or reset) by `deadline`. A stream
/// closed before the deadline passed answers at once, however late it is asked.
async fn closed_by(stream: &TcpStream, deadline: Instant) -> bool {
    let mut buffer = [0u8; 16];
    match tokio::time::timeout_at(deadline.into(), stream.peek(&mut buffer)).await {
        Ok(Ok(0) | Err(_)) => true,
        Ok(Ok(_)) => panic!("a connection that sent nothing got an answer"),
        Err(_) => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_slow_request_heads_are_cut_at_the_header_timeout_while_health_answers() {
    let timeout = Duration::from_secs(2);
    let (running, base_url) = start(&[("LIVEDROP_HEADER_READ_TIMEOUT", "2s".to_owned())]);
    ready(&base_url).await;
    let address = base_url.trim_start_matches("http://").to_owned();

    // 500 clients each start a request head and add one header line every 300 ms,
    // never finishing it (a slowloris).
    let started = Instant::now();
    let mut slow = Vec::new();
    for n in 0..500 {
        let mut stream = TcpStream::connect(&address).await.unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: livedrop\r\n")
            .await
            .unwrap();
        slow.push(tokio::spawn(async move {
            let (mut read, mut write) = stream.into_split();
            let trickle = async {
                for line in 0.. {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    let header = format!("X-Slow-{n}-{line}: 1\r\n");
                    if write.write_all(header.as_bytes()).await.is_err() {
                        return;
                    }
                }
            };
            let mut buffer = [0u8; 512];
            let limit = timeout + Duration::from_secs(3);
            tokio::select! {
                () = trickle => {}
                read = tokio::time::timeout_at((started + limit).into(), read.read(&mut buffer)) => {
                    match read {
                        Ok(Ok(0) | Err(_)) => {}
                        Ok(Ok(_)) => panic!("a slow head got an answer"),
                        Err(_) => panic!("a slow head was still open after {limit:?}"),
                    }
                }
            }
            started.elapsed()
        }));
    }

    // Meanwhile everyone else is served.
    let client = reqwest::Client::new();
    let mut probes = 0;
    while slow.iter().any(|task| !task.is_finished()) {
        assert!(
            healthy(&client, &base_url).await,
            "/healthz failed during the flood"
        );
        probes += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut latest = Duration::ZERO;
    for task in slow {
        latest = latest.max(task.await.unwrap());
    }
    assert!(
        probes >= 10,
        "health was probed throughout ({probes} probes)"
    );
    // Cut within the timeout of the last head started (the loop above took a moment to
    // open all 500), plus a second of slack for a busy machine.
    assert!(
        latest <= timeout + Duration::from_secs(3),
        "the last slow head was cut after {latest:?}"
    );
    assert!(healthy(&client, &base_url).await);
    terminate(running);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_limit_are_closed_at_once_and_served_again_below_it() {
    // The header timeout far beyond the wait below: a connection closed within it was
    // refused, not cut for being idle.
    let (running, base_url) = start(&[
        ("LIVEDROP_MAX_CONNECTIONS", "20".to_owned()),
        ("LIVEDROP_HEADER_READ_TIMEOUT", "60s".to_owned()),
    ]);
    ready(&base_url).await;
    let address = base_url.trim_start_matches("http://").to_owned();

    // 25 idle connections (each waits to send its head) against a place for 20. Counted
    // as a set, not as "the 21st": the readiness probe's connection may still hold a
    // place when the first ones arrive, and then one more is refused.
    let mut connections = Vec::new();
    for _ in 0..25 {
        connections.push(TcpStream::connect(&address).await.unwrap());
    }
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut open = Vec::new();
    for stream in connections {
        if !closed_by(&stream, deadline).await {
            open.push(stream);
        }
    }
    assert!(
        open.len() <= 20,
        "{} connections held open past a limit of 20",
        open.len()
    );
    assert!(
        open.len() >= 19,
        "only {} held open: places were refused below the limit",
        open.len()
    );

    // A place freed is a place served.
    open.truncate(10);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let client = reqwest::Client::new();
    assert!(healthy(&client, &base_url).await);
    drop(open);
    terminate(running);
}
