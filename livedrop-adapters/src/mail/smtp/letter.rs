//! [`Letter`], a mail's parts checked before a connection is taken, and [`render`], its
//! RFC 5322 text.
//!
//! The message: `From` the configured [`Sender`], `To` the one recipient, and the envelope
//! names the same two addresses and nobody else; the subject, RFC 2047-encoded when it is
//! not ASCII; the text as `text/plain; charset=utf-8`, sent as is (`8bit`, readable by any
//! reader) when the relay announces 8BITMIME, as every current relay does, else `7bit`
//! when it is ASCII, else base64. `Message-ID` is random at the sender's domain; `Date` is
//! lettre's stamp of the sending time (transport metadata, like the relay's `Received`:
//! nothing is decided on it).
//!
//! [`Sender`]: crate::mail::Sender

use lettre::Address;
use lettre::message::header::{ContentTransferEncoding, ContentType, MIME_VERSION_1_0};
use lettre::message::{Body, Mailbox, Message};
use livedrop_core::ports::Mail;
use livedrop_core::{Error, Result};

use super::BACKEND;
use super::shared::Inner;

/// `mail`'s parts in lettre's types, checked before any connection is taken.
pub(super) struct Letter<'a> {
    pub(super) to: Address,
    subject: &'a str,
    text: &'a str,
    /// A non-ASCII address: the relay must take SMTPUTF8.
    pub(super) international: bool,
}

impl Inner {
    pub(super) fn letter<'a>(&self, mail: &'a Mail) -> Result<Letter<'a>> {
        if mail.subject.chars().any(char::is_control) {
            return Err(Error::internal(
                BACKEND,
                "a subject may not hold control characters",
            ));
        }
        let to: Address = mail.to.as_str().parse().map_err(|e| {
            Error::internal(
                BACKEND,
                format!("the recipient is not an address lettre takes: {e}"),
            )
        })?;
        let ascii = |address: &Address| AsRef::<str>::as_ref(address).is_ascii();
        let international = !ascii(&to) || !ascii(&self.from.email);
        Ok(Letter {
            to,
            subject: &mail.subject,
            text: &mail.text,
            international,
        })
    }
}

/// The message text of `letter` from `from`, its text in `8bit` when the relay takes it
/// (`eight_bit`), else `7bit` if ASCII, else base64.
pub(super) fn render(
    from: &Mailbox,
    letter: &Letter<'_>,
    id: String,
    eight_bit: bool,
) -> Result<Vec<u8>> {
    let text = letter.text.to_owned();
    let plain = if eight_bit {
        ContentTransferEncoding::EightBit
    } else {
        ContentTransferEncoding::SevenBit
    };
    // Refused for text that the encoding cannot carry (not ASCII for 7bit; a NUL, a bare
    // CR or a line over 998 bytes for either): base64 carries anything.
    let body = Body::new_with_encoding(text, plain)
        .or_else(|text| Body::new_with_encoding(text, ContentTransferEncoding::Base64))
        .map_err(|_| Error::internal(BACKEND, "base64 refused a body"))?;
    let message = Message::builder()
        .from(from.clone())
        .to(Mailbox::new(None, letter.to.clone()))
        .subject(letter.subject)
        .message_id(Some(id))
        .header(MIME_VERSION_1_0)
        .header(ContentType::TEXT_PLAIN)
        // The body as given: a MIME part would end in one more line break.
        .body(body)
        .map_err(|e| Error::internal(BACKEND, format!("the message: {e}")))?;
    Ok(message.formatted())
}

#[cfg(test)]
mod tests {
    use livedrop_core::domain::Email;

    use super::*;
    use crate::mail::{Sender, SmtpConfig, SmtpMailer};

    fn mail(subject: &str, text: &str) -> Mail {
        Mail {
            to: Email::try_from("zoe@example.com").unwrap(),
            subject: subject.to_owned(),
            text: text.to_owned(),
        }
    }

    fn sender() -> Sender {
        "Drops Team <drops@shop.example>".parse().unwrap()
    }

    fn rendered(mail: &Mail, eight_bit: bool) -> String {
        let mailer = SmtpMailer::new(SmtpConfig::new("smtp://relay.example", sender())).unwrap();
        let letter = mailer.inner.letter(mail).unwrap();
        let from = &mailer.inner.from;
        let bytes = render(from, &letter, "<id@shop.example>".to_owned(), eight_bit).unwrap();
        String::from_utf8(bytes).unwrap()
    }

    const TEXT: &str = "Hello Zoë,\n\nOpen https://x.example/#/confirm?token=a.b-c_d\n";

    #[test]
    fn the_text_goes_as_is_when_the_relay_takes_8bit() {
        let text = rendered(&mail("Confirm your account", TEXT), true);
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        for header in [
            "From: \"Drops Team\" <drops@shop.example>",
            "To: zoe@example.com",
            "Subject: Confirm your account",
            "Message-ID: <id@shop.example>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ] {
            assert!(head.lines().any(|line| line == header), "{header}: {head}");
        }
        assert!(
            head.lines().any(|line| line.starts_with("Date: ")),
            "{head}"
        );
        assert_eq!(body.replace("\r\n", "\n"), TEXT);
    }

    #[test]
    fn otherwise_ascii_stays_7bit_and_the_rest_is_base64() {
        use base64::Engine as _;
        let ascii = rendered(&mail("Hi", "Hello Ada,\nbye\n"), false);
        assert!(
            ascii.contains("Content-Transfer-Encoding: 7bit\r\n"),
            "{ascii}"
        );
        assert!(ascii.ends_with("\r\n\r\nHello Ada,\r\nbye\r\n"), "{ascii}");

        let text = rendered(&mail("Hi", TEXT), false);
        assert!(text.is_ascii(), "{text}");
        assert!(
            text.contains("Content-Transfer-Encoding: base64\r\n"),
            "{text}"
        );
        let (_, body) = text.split_once("\r\n\r\n").unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(body.replace("\r\n", ""))
            .unwrap();
        assert_eq!(
            String::from_utf8(decoded).unwrap().replace("\r\n", "\n"),
            TEXT
        );
    }

    #[test]
    fn a_subject_cannot_break_into_the_headers_and_may_be_international() {
        let mailer =
            SmtpMailer::new(SmtpConfig::new("smtp://relay.example", Sender::default())).unwrap();
        let bad = mail("Hi\r\nBcc: eve@example.com", TEXT);
        assert!(mailer.inner.letter(&bad).is_err());
        let text = rendered(&mail("Bestätigen Sie Ihr Konto", TEXT), true);
        let subject = text
            .lines()
            .find(|line| line.starts_with("Subject: "))
            .unwrap();
        assert!(
            subject.is_ascii() && subject.contains("=?utf-8?"),
            "{subject}"
        );
    }
}
