//! [`Fleet`]: the run's streams, one per user: their tasks, their logs and the server
//! each is on; opening them all, waiting on what they received, cutting and resuming.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{StreamExt, stream};
use indicatif::ProgressBar;
use tokio::task::JoinHandle;

use super::connection;
use super::log::StreamLog;
use super::summary::OpenSummary;
use super::users::User;

/// How often a wait looks at the logs again. Latencies are taken on receipt, so this
/// only bounds how soon a phase notices it may go on.
const POLL: Duration = Duration::from_millis(20);
/// Refusals quoted in the summary.
const ERRORS_KEPT: usize = 5;

/// The streams.
#[derive(Debug)]
pub struct Fleet {
    /// The users, stream `i` being user `i`'s.
    pub users: Vec<Arc<User>>,
    /// What each stream received.
    pub logs: Vec<Arc<StreamLog>>,
    /// The server each stream is on now.
    pub servers: Vec<usize>,
    tasks: Vec<Option<JoinHandle<()>>>,
}

impl Fleet {
    /// Opens every user's stream on `servers[i]`, `concurrency` at a time, each waiting
    /// for its `open` (or giving up) before the next takes its place; `bar` counts them.
    pub async fn open(
        users: Vec<Arc<User>>,
        servers: Vec<usize>,
        concurrency: usize,
        timeout: Duration,
        bar: &ProgressBar,
    ) -> (Self, OpenSummary) {
        let started = Instant::now();
        let logs: Vec<Arc<StreamLog>> = users.iter().map(|_| Arc::default()).collect();
        let tasks: Vec<Option<JoinHandle<()>>> = stream::iter(0..users.len())
            .map(|i| {
                let (user, log, server) = (users[i].clone(), logs[i].clone(), servers[i]);
                async move {
                    let task = connection::spawn(user, server, None, log.clone());
                    let deadline = Instant::now() + timeout;
                    while !log.has(1, |r| r.kind == "open")
                        && !task.is_finished()
                        && Instant::now() < deadline
                    {
                        tokio::time::sleep(POLL).await;
                    }
                    bar.inc(1);
                    Some(task)
                }
            })
            .buffered(concurrency.max(1))
            .collect()
            .await;
        let mut summary = OpenSummary::default();
        for log in &logs {
            if log.has(1, |r| r.kind == "open") {
                summary.opened += 1;
            } else {
                summary.failed += 1;
                if summary.errors.len() < ERRORS_KEPT {
                    let why = log
                        .open_error()
                        .unwrap_or_else(|| "no `open` in time".to_owned());
                    summary.errors.push(why);
                }
            }
        }
        summary.took_ms = started.elapsed().as_secs_f64() * 1000.0;
        let fleet = Self {
            users,
            logs,
            servers,
            tasks,
        };
        (fleet, summary)
    }

    /// Streams on server `url`.
    pub fn on_server(&self, url: usize) -> usize {
        self.servers.iter().filter(|s| **s == url).count()
    }

    /// Ends stream `i`'s connection from this side (the task is aborted, its response
    /// dropped, so its socket closes) and returns the id it would resume from.
    pub async fn cut(&mut self, i: usize) -> Option<String> {
        if let Some(task) = self.tasks.get_mut(i).and_then(Option::take) {
            task.abort();
            // Cancelled, as asked.
            let _ = task.await;
        }
        self.logs.get(i).and_then(|log| log.last_id())
    }

    /// Starts stream `i` again on server `url`, resuming from `id`.
    pub fn resume(&mut self, i: usize, url: usize, id: Option<String>) {
        let (Some(user), Some(log)) = (self.users.get(i), self.logs.get(i)) else {
            return;
        };
        let task = connection::spawn(user.clone(), url, id, log.clone());
        if let Some(slot) = self.tasks.get_mut(i) {
            *slot = Some(task);
        }
        if let Some(server) = self.servers.get_mut(i) {
            *server = url;
        }
    }

    /// Ends every stream.
    pub async fn close(&mut self) {
        for i in 0..self.tasks.len() {
            self.cut(i).await;
        }
    }
}

/// Waits until `done` holds for every item of `items`, or `timeout` passes; returns
/// whether it held for all.
pub async fn wait_all<T>(
    items: impl Iterator<Item = T> + Clone,
    timeout: Duration,
    done: impl Fn(T) -> bool,
) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if items.clone().all(&done) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(POLL).await;
    }
}
