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

/// Waits until the server closes `stream` (end of file or reset); how long that took.
async fn closed_after(mut stream: TcpStream, started: Instant, limit: Duration) -> Duration {
    let mut buffer = [0u8; 512];
    match tokio::time::timeout_at((started + limit).into(), stream.read(&mut buffer)).await {
        Ok(Ok(0) | Err(_)) => started.elapsed(),
        Ok(Ok(_)) => panic!("a closed connection got an answer"),
        Err(_) => panic!("still open after {limit:?}"),
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
    let (running, base_url) = start(&[("LIVEDROP_MAX_CONNECTIONS", "20".to_owned())]);
    ready(&base_url).await;
    let address = base_url.trim_start_matches("http://").to_owned();

    // 20 idle connections take every place (each waits to send its head).
    let mut idle = Vec::new();
    for _ in 0..20 {
        idle.push(TcpStream::connect(&address).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let extra = TcpStream::connect(&address).await.unwrap();
    let took = closed_after(extra, Instant::now(), Duration::from_secs(2)).await;
    assert!(
        took < Duration::from_secs(1),
        "closed at once, not after {took:?}"
    );

    // A place freed is a place served.
    idle.truncate(10);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let client = reqwest::Client::new();
    assert!(healthy(&client, &base_url).await);
    drop(idle);
    terminate(running);
}
