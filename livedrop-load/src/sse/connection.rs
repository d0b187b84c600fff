//! One user's event stream as a task: a fresh realtime token per connection, `GET
//! /api/realtime/events` (with `Last-Event-ID` when resuming), every frame into the
//! stream's [`StreamLog`]. A connection the server ends (`reconnect`, a cut) is resumed
//! from the last id, as a browser would; the phases end a connection by aborting the task
//! (the storm), then start a new one from the id they choose.

use std::sync::Arc;
use std::time::Duration;

use livedrop_client::Client;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, RETRY_AFTER};
use tokio::task::JoinHandle;

use super::frames::FrameReader;
use super::log::StreamLog;
use super::users::User;

/// Attempts to open a connection before the stream gives up (it is then a miss).
const OPEN_ATTEMPTS: u32 = 5;
/// Wait before resuming a connection the server ended (a browser's default is ~3 s;
/// shorter here so an end shows as a resume, not a long hole in the run).
const RESUME_AFTER: Duration = Duration::from_millis(200);

/// Starts `user`'s stream on server `url` (an index into its clients), from `resume`
/// (`None`: a fresh stream), recording into `log`.
pub fn spawn(
    user: Arc<User>,
    url: usize,
    resume: Option<String>,
    log: Arc<StreamLog>,
) -> JoinHandle<()> {
    tokio::spawn(run(user, url, resume, log))
}

async fn run(user: Arc<User>, url: usize, mut resume: Option<String>, log: Arc<StreamLog>) {
    let client = user.on(url);
    let mut failures = 0;
    loop {
        match open(&user.http, client, resume.as_deref()).await {
            Ok(response) => {
                failures = 0;
                let connection = log.connected();
                read(response, &log, connection).await;
                log.ended();
                resume = log.last_id().or(resume);
                tokio::time::sleep(RESUME_AFTER).await;
            }
            Err(Refused { why, wait }) => {
                log.open_failed(why);
                failures += 1;
                if failures >= OPEN_ATTEMPTS {
                    return;
                }
                tokio::time::sleep(wait.unwrap_or(Duration::from_millis(250) * failures)).await;
            }
        }
    }
}

/// Why a connection did not open, and how long the server asked to wait.
struct Refused {
    why: String,
    wait: Option<Duration>,
}

impl Refused {
    fn transport(error: impl std::fmt::Display) -> Self {
        Self {
            why: error.to_string(),
            wait: None,
        }
    }
}

/// A token, then the stream's request; `Ok` for a `200`.
async fn open(
    http: &reqwest::Client,
    client: &Client,
    resume: Option<&str>,
) -> Result<reqwest::Response, Refused> {
    let token = client
        .realtime()
        .token()
        .await
        .map_err(|e| Refused::transport(format!("realtime token: {e}")))?;
    let url = client
        .base_url()
        .join("api/realtime/events")
        .map_err(Refused::transport)?;
    let mut request = http
        .get(url)
        .query(&[("token", token.token.as_str())])
        .header(ACCEPT, "text/event-stream");
    if let Some(id) = resume {
        request = request.header("last-event-id", id);
    }
    let response = request.send().await.map_err(Refused::transport)?;
    let status = response.status();
    if status == StatusCode::OK {
        return Ok(response);
    }
    let wait = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = response.text().await.unwrap_or_default();
    Err(Refused {
        why: format!("{status}: {}", body.chars().take(200).collect::<String>()),
        wait,
    })
}

/// Reads the body to its end (or a transport error), recording every frame.
async fn read(mut response: reqwest::Response, log: &StreamLog, connection: u32) {
    let mut reader = FrameReader::default();
    while let Ok(Some(chunk)) = response.chunk().await {
        for frame in reader.push(&chunk) {
            let last = frame.event == "reconnect";
            log.record(connection, frame);
            if last {
                return;
            }
        }
    }
}
