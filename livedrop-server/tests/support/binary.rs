//! The `livedrop-server` binary as a test runs it: on a free port, configured by
//! `LIVEDROP_*` variables (the host's backend settings cleared), its log read as it comes.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The variables that choose backends, cleared so the host's settings do not leak in.
const BACKEND_VARIABLES: [&str; 3] = [
    "LIVEDROP_DATABASE_URL",
    "LIVEDROP_REDIS_URL",
    "LIVEDROP_KAFKA_BROKERS",
];

/// A running binary and what it logs (read as it comes, so a full pipe never blocks it).
/// Dropped while still running (a test that failed before stopping it), it is killed: a
/// server left behind would go on relaying the shared database's outbox to its broker.
pub struct Running {
    child: Child,
    logged: Option<std::thread::JoinHandle<String>>,
    mail_dir: PathBuf,
}

impl Running {
    /// Where the binary writes its mail: a directory of this run's own, unless the test
    /// set `LIVEDROP_MAIL_DIR` itself (or sends it to a relay: then nothing is there).
    pub fn mail_dir(&self) -> &Path {
        &self.mail_dir
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The binary, started with `variables` on a free port, and its base URL.
pub fn start(variables: &[(&str, String)]) -> (Running, String) {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .unwrap()
        .port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_livedrop-server"));
    for variable in BACKEND_VARIABLES {
        command.env_remove(variable);
    }
    let set = |name: &str| variables.iter().find(|(n, _)| *n == name);
    let mail_dir = set("LIVEDROP_MAIL_DIR").map_or_else(
        || {
            Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join("server-mail")
                .join(uuid::Uuid::new_v4().simple().to_string())
        },
        |(_, dir)| PathBuf::from(dir),
    );
    // Mail goes to a directory of this run's own, unless the test sends it elsewhere.
    if set("LIVEDROP_SMTP_URL").is_none() {
        command.env("LIVEDROP_MAIL_DIR", &mail_dir);
    }
    let mut child = command
        .env("LIVEDROP_LISTEN", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .envs(variables.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let logged = std::thread::spawn(move || {
        let mut logged = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut logged);
        logged
    });
    (
        Running {
            child,
            logged: Some(logged),
            mail_dir,
        },
        format!("http://127.0.0.1:{port}"),
    )
}

/// Polls `GET /readyz` until it answers 200; returns its body.
pub async fn ready(base_url: &str) -> serde_json::Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(response) = reqwest::get(format!("{base_url}/readyz")).await
            && response.status() == reqwest::StatusCode::OK
        {
            return response.json().await.unwrap();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not ready within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Sends SIGTERM and waits for a clean exit; returns what the binary logged.
pub fn terminate(running: Running) -> String {
    let status = Command::new("kill")
        .args(["-TERM", &running.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let (exit, logged) = exited(running, Duration::from_secs(15));
    assert!(
        exit.success(),
        "exit {exit:?} after SIGTERM; logged:\n{logged}"
    );
    logged
}

/// Waits up to `limit` for the binary to exit; its status and what it logged.
pub fn exited(mut running: Running, limit: Duration) -> (std::process::ExitStatus, String) {
    let deadline = std::time::Instant::now() + limit;
    let exit = loop {
        if let Some(exit) = running.child.try_wait().unwrap() {
            break exit;
        }
        if std::time::Instant::now() >= deadline {
            let _ = running.child.kill();
            panic!("still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let logged = running.logged.take().map(|thread| thread.join().unwrap());
    (exit, logged.unwrap_or_default())
}
