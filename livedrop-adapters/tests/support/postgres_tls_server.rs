//! A PostgreSQL cluster of the test's own, on a spare port, serving TLS with a certificate
//! the test support made ([`certificates`](super::certificates)): `initdb` and `pg_ctl`
//! of the installed server, run as the `postgres` user (the server refuses root).

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Where the installed server's programs are (Debian's layout).
const BIN: &str = "/usr/lib/postgresql";

/// A running cluster; stopped and deleted when dropped.
pub struct PgTlsServer {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
}

impl PgTlsServer {
    /// Makes and starts one, or `None` (after saying why) when the server's programs,
    /// `runuser` or `openssl` are missing.
    pub fn start() -> Option<Self> {
        let Some(bin) = newest_bin() else {
            super::missing("PostgreSQL's initdb", &format!("no {BIN}/*/bin/initdb"));
            return None;
        };
        let dir = std::env::temp_dir().join(format!("livedrop-pg-tls-{}", uuid::Uuid::new_v4()));
        if !super::certificates::make(&dir) {
            return None;
        }
        let port = super::spare_port();
        let server = Self { dir, bin, port };
        // The server reads its key only when the key is its user's and private.
        let owned = Command::new("chown")
            .args(["-R", "postgres"])
            .arg(&server.dir)
            .status();
        assert!(matches!(owned, Ok(s) if s.success()), "chown to postgres");
        let key = server.dir.join("key.pem");
        std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .expect("a private key");
        let data = server.dir.join("data");
        server.as_postgres(
            "initdb",
            &["-D", path(&data), "-A", "trust", "-U", "postgres"],
        );
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
            server.port,
            path(&server.dir),
            path(&server.dir.join("cert.pem")),
            path(&key),
        );
        let log = server.dir.join("log");
        server.as_postgres(
            "pg_ctl",
            &[
                "-D",
                path(&data),
                "-l",
                path(&log),
                "-o",
                &options,
                "-w",
                "start",
            ],
        );
        Some(server)
    }

    /// `postgres://postgres@127.0.0.1:PORT/postgres` with `params` (`sslmode=...`).
    pub fn url(&self, params: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/postgres?{params}",
            self.port
        )
    }

    /// The authority the server's certificate chains to (a PEM file).
    pub fn ca(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    fn as_postgres(&self, program: &str, args: &[&str]) {
        let status = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join(program))
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        assert!(
            matches!(status, Ok(s) if s.success()),
            "{program} failed (as the postgres user); see {}",
            path(&self.dir.join("log"))
        );
    }
}

impl Drop for PgTlsServer {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["-D", path(&data), "-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The newest installed server's `bin` directory.
fn newest_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(BIN)
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn path(path: &std::path::Path) -> &str {
    path.to_str().expect("a UTF-8 temporary path")
}
