//! A message as text on the wire or on disk (RFC 5322, plain UTF-8 text, 8-bit), the
//! sender every message names, and reading a message back.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use livedrop_core::domain::Email;
use livedrop_core::ports::Mail;
use livedrop_core::{Error, Result};

/// The `From` of every message: an address and an optional display name, checked once so
/// neither can carry a line break into a header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sender {
    name: Option<String>,
    address: Email,
}

impl Sender {
    /// The address alone.
    pub fn address(&self) -> &Email {
        &self.address
    }

    /// The display name, if any.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

impl Default for Sender {
    /// `LiveDrop <no-reply@livedrop.localhost>`.
    fn default() -> Self {
        "LiveDrop <no-reply@livedrop.localhost>"
            .parse()
            .unwrap_or_else(|_| unreachable!("the default sender is valid"))
    }
}

impl FromStr for Sender {
    type Err = String;

    /// `Name <address>` or a bare `address`; the name is plain text (letters, digits,
    /// spaces and `.-'`), so it needs no quoting or encoding in a header.
    fn from_str(text: &str) -> std::result::Result<Self, Self::Err> {
        let text = text.trim();
        let (name, address) = match text.strip_suffix('>').and_then(|t| t.split_once('<')) {
            Some((name, address)) => (Some(name.trim()), address.trim()),
            None => (None, text),
        };
        let name = name.filter(|name| !name.is_empty());
        if let Some(name) = name {
            let plain = |c: char| c.is_alphanumeric() || matches!(c, ' ' | '.' | '-' | '\'');
            if !name.chars().all(plain) {
                return Err(format!(
                    "the sender's name {name:?} may hold only letters, digits, spaces and .-'"
                ));
            }
        }
        let address = Email::try_from(address).map_err(|e| format!("the sender: {e}"))?;
        Ok(Self {
            name: name.map(str::to_owned),
            address,
        })
    }
}

impl fmt::Display for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "{name} <{}>", self.address.as_str()),
            None => f.write_str(self.address.as_str()),
        }
    }
}

/// `mail` from `from` as message text with `\r\n` line ends, sent at `now`, its
/// `Message-ID` made of `id`.
///
/// # Errors
/// [`Error::Internal`] for a subject with a control character (a header injection the
/// caller must never attempt).
pub(super) fn render(from: &Sender, mail: &Mail, now: DateTime<Utc>, id: &str) -> Result<Vec<u8>> {
    if mail.subject.chars().any(char::is_control) {
        return Err(Error::internal(
            "mail",
            "a subject may not hold control characters",
        ));
    }
    let mut text = String::with_capacity(mail.text.len() + 400);
    let domain = from
        .address
        .as_str()
        .rsplit_once('@')
        .map_or("localhost", |(_, domain)| domain);
    for (name, value) in [
        ("From", from.to_string()),
        ("To", mail.to.as_str().to_owned()),
        ("Subject", mail.subject.clone()),
        ("Date", now.to_rfc2822()),
        ("Message-ID", format!("<{id}@{domain}>")),
        ("MIME-Version", "1.0".to_owned()),
        ("Content-Type", "text/plain; charset=utf-8".to_owned()),
        ("Content-Transfer-Encoding", "8bit".to_owned()),
    ] {
        text.push_str(name);
        text.push_str(": ");
        text.push_str(&value);
        text.push_str("\r\n");
    }
    text.push_str("\r\n");
    for line in mail.text.lines() {
        text.push_str(line);
        text.push_str("\r\n");
    }
    Ok(text.into_bytes())
}

/// The recipient, subject and text of a message as [`render`] writes it (plain text,
/// unencoded), with `\n` line ends; `None` for anything else.
pub fn parse(bytes: &[u8]) -> Option<Mail> {
    let text = std::str::from_utf8(bytes).ok()?.replace("\r\n", "\n");
    let (head, body) = text.split_once("\n\n")?;
    let header = |wanted: &str| {
        head.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case(wanted)
                .then(|| value.trim().to_owned())
        })
    };
    Some(Mail {
        to: Email::try_from(header("To")?.as_str()).ok()?,
        subject: header("Subject")?,
        text: body.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    fn mail() -> Mail {
        Mail {
            to: Email::try_from("ada@example.com").unwrap(),
            subject: "Confirm your account".to_owned(),
            text: "Hello Ada,\n\nOpen https://x/#/confirm?token=a.b-c_d\n".to_owned(),
        }
    }

    #[test]
    fn a_rendered_message_reads_back_as_it_was_given() {
        let bytes = render(&Sender::default(), &mail(), at(), "abc").unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with(
            "From: LiveDrop <no-reply@livedrop.localhost>\r\nTo: ada@example.com\r\n"
        ));
        assert!(
            text.contains("Message-ID: <abc@livedrop.localhost>\r\n"),
            "{text}"
        );
        assert!(
            text.contains("Date: Fri, 15 Jan 2027 08:00:00 +0000\r\n"),
            "{text}"
        );
        assert_eq!(parse(&bytes), Some(mail()));
    }

    #[test]
    fn a_subject_cannot_break_into_the_headers() {
        let mut bad = mail();
        bad.subject = "Hi\r\nBcc: eve@example.com".to_owned();
        assert!(render(&Sender::default(), &bad, at(), "abc").is_err());
    }

    #[test]
    fn a_sender_is_a_plain_name_and_a_valid_address() {
        let sender: Sender = "Drops Team <drops@shop.example>".parse().unwrap();
        assert_eq!(sender.name(), Some("Drops Team"));
        assert_eq!(sender.to_string(), "Drops Team <drops@shop.example>");
        let bare: Sender = "drops@shop.example".parse().unwrap();
        assert_eq!(bare.name(), None);
        for bad in [
            "Eve\r\nBcc: x <a@b.example>",
            "\"Quoted\" <a@b.example>",
            "Name <not-an-email>",
        ] {
            assert!(bad.parse::<Sender>().is_err(), "{bad:?} accepted");
        }
    }
}
