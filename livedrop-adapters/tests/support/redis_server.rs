//! A redis-server of the test's own, on a spare port, that the test can stop and start;
//! optionally serving TLS only, with a certificate and an authority made for it
//! (`openssl`).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A child redis-server without persistence (a restart loses every key, the harshest
/// outage for the fast path).
pub struct RedisServer {
    port: u16,
    child: Option<Child>,
    /// Where its certificate and key are, when it serves TLS.
    tls: Option<std::path::PathBuf>,
}

impl RedisServer {
    /// Starts one on a free port, or `None` (after saying why) when `redis-server` is not
    /// installed.
    pub fn start() -> Option<Self> {
        Self::start_with(None)
    }

    /// Starts one on a free port, serving TLS with the certificates in `tls` if given.
    fn start_with(tls: Option<std::path::PathBuf>) -> Option<Self> {
        if Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_err()
        {
            super::missing("redis-server", "it is not on PATH");
            return None;
        }
        let port = super::spare_port();
        let mut server = Self {
            port,
            child: None,
            tls,
        };
        server.restart();
        Some(server)
    }

    /// Like [`start`](Self::start), serving TLS only, with a certificate for 127.0.0.1
    /// signed by a certificate authority made now by `openssl` ([`certificate`](Self::certificate)).
    pub fn start_tls() -> Option<Self> {
        let dir = std::env::temp_dir().join(format!("livedrop-redis-tls-{}", uuid::Uuid::new_v4()));
        if !super::certificates::make(&dir) {
            return None;
        }
        Self::start_with(Some(dir))
    }

    /// `redis://127.0.0.1:PORT`, or `rediss://` when it serves TLS.
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() {
            "rediss"
        } else {
            "redis"
        };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// The certificate authority its certificate chains to (PEM), when it serves TLS.
    pub fn certificate(&self) -> Option<Vec<u8>> {
        let dir = self.tls.as_ref()?;
        Some(std::fs::read(dir.join("ca.pem")).expect("the CA certificate"))
    }

    /// Kills the server (as a crash would) and waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("kill redis-server");
            child.wait().expect("reap redis-server");
        }
    }

    /// Starts the server again on the same port and waits until it accepts connections.
    pub fn restart(&mut self) {
        self.stop();
        let mut command = Command::new("redis-server");
        command.args(["--bind", "127.0.0.1"]);
        match &self.tls {
            None => {
                command.args(["--port", &self.port.to_string()]);
            }
            Some(dir) => {
                command
                    .args(["--port", "0", "--tls-port", &self.port.to_string()])
                    .arg("--tls-cert-file")
                    .arg(dir.join("cert.pem"))
                    .arg("--tls-key-file")
                    .arg(dir.join("key.pem"))
                    .arg("--tls-ca-cert-file")
                    .arg(dir.join("ca.pem"))
                    .args(["--tls-auth-clients", "no"]);
            }
        }
        let child = command
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn redis-server");
        self.child = Some(child);
        let port = self.port;
        super::wait_until("redis-server to listen", Duration::from_secs(10), || {
            super::listening(port)
        })
        .expect("redis-server did not start");
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(dir) = &self.tls {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
