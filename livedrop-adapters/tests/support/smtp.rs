//! The SMTP relay of the tests, and what it received.
//!
//! The relay is `LIVEDROP_TEST_SMTP_URL`; it stores every message it accepts in the
//! Maildir `LIVEDROP_TEST_SMTP_MAILDIR`, one file each under `new/` (or `cur/`, once a
//! reader has seen it). `.ci/run` starts aiosmtpd with its `Mailbox` handler, which also
//! writes the envelope's recipients (`X-RcptTo`) and the client's address and port
//! (`X-Peer`) into each message, so a test can tell who the relay delivers to and over
//! which connection a message came. [`TlsRelay`]: an aiosmtpd of the test's own serving
//! STARTTLS or SMTPS.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use livedrop_core::domain::Email;
use livedrop_core::ports::Mail;

const URL_VARIABLE: &str = "LIVEDROP_TEST_SMTP_URL";
const MAILDIR_VARIABLE: &str = "LIVEDROP_TEST_SMTP_MAILDIR";

/// The relay and where it stores what it receives.
#[derive(Clone, Debug)]
pub struct Relay {
    /// Its `smtp://` URL.
    pub url: String,
    /// Its Maildir.
    pub maildir: PathBuf,
}

/// The relay, or `None` after saying why (a failure under `LIVEDROP_REQUIRE_BACKENDS=1`).
pub fn relay() -> Option<Relay> {
    let (Ok(url), Ok(maildir)) = (std::env::var(URL_VARIABLE), std::env::var(MAILDIR_VARIABLE))
    else {
        super::missing(
            "an SMTP relay",
            &format!("{URL_VARIABLE} or {MAILDIR_VARIABLE} is not set (.ci/run starts aiosmtpd)"),
        );
        return None;
    };
    let maildir = PathBuf::from(maildir);
    assert!(
        maildir.join("new").is_dir(),
        "{MAILDIR_VARIABLE}={} is not a Maildir (no new/): is the relay at {URL_VARIABLE}={url} \
         storing somewhere else?",
        maildir.display()
    );
    Some(Relay { url, maildir })
}

/// One stored message.
#[derive(Clone, Debug)]
pub struct Received {
    /// Its recipient (`To`), subject and text, decoded, with `\n` line ends.
    pub mail: Mail,
    /// The envelope's recipients (`X-RcptTo`), when the relay wrote them.
    pub envelope_to: Option<Vec<String>>,
    /// The connection it came over (`X-Peer`: the client's address and port), when the
    /// relay wrote it.
    pub peer: Option<String>,
}

/// Every message in `maildir`, oldest first (by file time, then by the numbers of the file
/// name: Maildir names start with the time of delivery).
pub fn received(maildir: &Path) -> Vec<Received> {
    let mut files = Vec::new();
    for folder in ["new", "cur"] {
        let Ok(entries) = std::fs::read_dir(maildir.join(folder)) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(modified) = entry.metadata().and_then(|m| m.modified()) else {
                // Moved (new/ to cur/) while listed: the next poll finds it.
                continue;
            };
            let name = entry.file_name().to_string_lossy().into_owned();
            files.push(((modified, numbers(&name)), entry.path()));
        }
    }
    files.sort();
    files
        .into_iter()
        .filter_map(|(_, path)| {
            let bytes = std::fs::read(&path).ok()?;
            Some(parse(&bytes).unwrap_or_else(|why| panic!("{}: {why}", path.display())))
        })
        .collect()
}

/// The messages to `to`, oldest first. Each one's envelope must name `to` and nobody
/// else, when the relay wrote it down.
pub fn delivered(maildir: &Path, to: &Email) -> Vec<Mail> {
    received(maildir)
        .into_iter()
        .filter(|received| {
            let by_envelope = received
                .envelope_to
                .as_ref()
                .is_some_and(|rcpt| rcpt.iter().any(|r| r == to.as_str()));
            let by_header = &received.mail.to == to;
            if (by_envelope || by_header)
                && let Some(rcpt) = &received.envelope_to
            {
                assert_eq!(
                    rcpt,
                    &[received.mail.to.as_str()],
                    "the envelope names only `To`"
                );
            }
            by_header
        })
        .map(|received| received.mail)
        .collect()
}

/// The runs of digits in a file name, as numbers.
fn numbers(name: &str) -> Vec<u64> {
    name.split(|c: char| !c.is_ascii_digit())
        .filter_map(|run| run.parse().ok())
        .collect()
}

/// A stored message, decoded: headers unfolded, encoded words and the transfer encoding
/// undone.
fn parse(bytes: &[u8]) -> Result<Received, String> {
    let split = |separator: &[u8]| {
        bytes
            .windows(separator.len())
            .position(|window| window == separator)
            .map(|at| (&bytes[..at], &bytes[at + separator.len()..]))
    };
    let (head, body) = split(b"\r\n\r\n")
        .or_else(|| split(b"\n\n"))
        .ok_or("no empty line after the headers")?;
    let head = std::str::from_utf8(head).map_err(|e| format!("headers not UTF-8: {e}"))?;
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        match (line.starts_with([' ', '\t']), headers.last_mut()) {
            (true, Some((_, value))) => value.push_str(line),
            _ => {
                let (name, value) = line
                    .split_once(':')
                    .ok_or_else(|| format!("not a header: {line:?}"))?;
                headers.push((name.trim().to_owned(), value.trim().to_owned()));
            }
        }
    }
    let header = |wanted: &str| {
        headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
            .map(|(_, value)| value.as_str())
    };
    let to = header("To").ok_or("no To")?;
    let to = match to.rsplit_once('<') {
        Some((_, address)) => address.trim_end_matches('>'),
        None => to,
    };
    let to = Email::try_from(to).map_err(|e| format!("To {to:?}: {e}"))?;
    let subject = decode_words(header("Subject").ok_or("no Subject")?)?;
    let content_type = header("Content-Type").unwrap_or("text/plain");
    if !content_type
        .to_ascii_lowercase()
        .replace(' ', "")
        .starts_with("text/plain;charset=utf-8")
    {
        return Err(format!(
            "Content-Type {content_type:?}, not plain UTF-8 text"
        ));
    }
    let encoding = header("Content-Transfer-Encoding")
        .unwrap_or("7bit")
        .to_ascii_lowercase();
    let body = match encoding.as_str() {
        "7bit" | "8bit" | "binary" => body.to_vec(),
        "base64" => {
            let text: Vec<u8> = body
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|e| format!("body not base64: {e}"))?
        }
        other => {
            return Err(format!(
                "Content-Transfer-Encoding {other}: not one the mailer uses"
            ));
        }
    };
    let text = String::from_utf8(body).map_err(|e| format!("body not UTF-8: {e}"))?;
    let list = |value: &str| value.split(',').map(|r| r.trim().to_owned()).collect();
    Ok(Received {
        mail: Mail {
            to,
            subject,
            text: text.replace("\r\n", "\n"),
        },
        envelope_to: header("X-RcptTo").map(list),
        peer: header("X-Peer").map(str::to_owned),
    })
}

/// A header value with its RFC 2047 encoded words (`=?utf-8?b?...?=`, `=?utf-8?q?...?=`)
/// decoded; the space between two encoded words is dropped, as the RFC says.
fn decode_words(value: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = value;
    let mut after_word = false;
    while let Some(start) = rest.find("=?") {
        let (before, word) = rest.split_at(start);
        let parts: Vec<&str> = word[2..].splitn(3, '?').collect();
        let [charset, kind, tail] = parts[..] else {
            break;
        };
        let Some(end) = tail.find("?=") else {
            break;
        };
        if !(after_word && before.trim().is_empty()) {
            out.push_str(before);
        }
        if !charset.eq_ignore_ascii_case("utf-8") {
            return Err(format!("encoded word in {charset}, not UTF-8"));
        }
        let encoded = &tail[..end];
        let bytes = match kind {
            "b" | "B" => base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map_err(|e| format!("encoded word not base64: {e}"))?,
            "q" | "Q" => {
                let mut bytes = Vec::new();
                let mut chars = encoded.bytes();
                while let Some(b) = chars.next() {
                    match b {
                        b'_' => bytes.push(b' '),
                        b'=' => {
                            let hex: String = chars.by_ref().take(2).map(char::from).collect();
                            bytes.push(
                                u8::from_str_radix(&hex, 16)
                                    .map_err(|_| format!("bad =XX in {encoded:?}"))?,
                            );
                        }
                        b => bytes.push(b),
                    }
                }
                bytes
            }
            other => return Err(format!("encoded word of kind {other:?}")),
        };
        out.push_str(&String::from_utf8(bytes).map_err(|e| e.to_string())?);
        rest = &tail[end + 2..];
        after_word = true;
    }
    out.push_str(rest);
    Ok(out)
}

/// How an aiosmtpd of the test's own protects its connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tls {
    /// STARTTLS, required before any mail.
    StartTls,
    /// TLS from the first byte (SMTPS).
    Implicit,
}

/// An aiosmtpd of the test's own on a spare port, serving TLS with a certificate for
/// 127.0.0.1 from an authority made now (`openssl`), storing into a Maildir of its own.
/// Killed when dropped.
pub struct TlsRelay {
    /// Its URL: `smtp://127.0.0.1:PORT?tls=required` or `smtps://127.0.0.1:PORT`.
    pub url: String,
    /// Its Maildir.
    pub maildir: PathBuf,
    /// The authority its certificate chains to (PEM).
    pub ca: Vec<u8>,
    dir: PathBuf,
    child: std::process::Child,
}

impl TlsRelay {
    /// Starts one, or `None` (after saying why) without `python3 -m aiosmtpd` or `openssl`.
    pub fn start(tls: Tls) -> Option<Self> {
        use std::process::{Command, Stdio};
        let importable = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status();
        if !matches!(importable, Ok(status) if status.success()) {
            super::missing(
                "aiosmtpd",
                "`python3 -c 'import aiosmtpd'` fails (pip install aiosmtpd; .ci/run does)",
            );
            return None;
        }
        let dir = std::env::temp_dir().join(format!("livedrop-smtp-tls-{}", uuid::Uuid::new_v4()));
        if !super::certificates::make(&dir) {
            return None;
        }
        let port = super::spare_port();
        let (option, url) = match tls {
            Tls::StartTls => (
                ["--tlscert", "--tlskey"],
                format!("smtp://127.0.0.1:{port}?tls=required"),
            ),
            Tls::Implicit => (
                ["--smtpscert", "--smtpskey"],
                format!("smtps://127.0.0.1:{port}"),
            ),
        };
        let maildir = dir.join("maildir");
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .arg(option[0])
            .arg(dir.join("cert.pem"))
            .arg(option[1])
            .arg(dir.join("key.pem"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn python3 -m aiosmtpd");
        let ca = std::fs::read(dir.join("ca.pem")).expect("the CA certificate");
        let relay = Self {
            url,
            maildir,
            ca,
            dir,
            child,
        };
        super::wait_until(
            "aiosmtpd to listen",
            std::time::Duration::from_secs(10),
            || super::listening(port),
        )
        .expect("aiosmtpd did not start");
        Some(relay)
    }
}

impl Drop for TlsRelay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
