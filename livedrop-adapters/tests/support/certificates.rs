//! A certificate authority and a server certificate for 127.0.0.1 signed by it, made with
//! `openssl` in a directory of the test's, for servers the tests start with TLS.

use std::path::Path;
use std::process::{Command, Stdio};

/// Makes `ca.pem` (the authority) and `cert.pem` / `key.pem` (the server's, for
/// 127.0.0.1 and localhost) in `dir`. `false` (after saying why) when `openssl` is
/// missing or fails.
pub fn make(dir: &Path) -> bool {
    std::fs::create_dir_all(dir).expect("a directory for the certificates");
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .expect("the extensions file");
    let steps: [&[&str]; 3] = [
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=livedrop test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
        ],
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            "key.pem",
            "-out",
            "server.csr",
        ],
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            "server.ext",
            "-out",
            "cert.pem",
        ],
    ];
    for step in steps {
        let made = Command::new("openssl")
            .args(step)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if !matches!(made, Ok(status) if status.success()) {
            super::missing(
                "openssl",
                "it is not on PATH or could not make a certificate",
            );
            return false;
        }
    }
    true
}
