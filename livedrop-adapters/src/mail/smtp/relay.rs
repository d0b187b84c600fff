//! The relay [`SmtpConfig::url`](super::SmtpConfig::url) names: host, port, how the
//! connection is protected, credentials and the client's EHLO name, parsed and checked
//! before any connection is opened.

use std::fmt;

use url::Url;

/// How the connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Security {
    /// Plain text throughout.
    Plain,
    /// STARTTLS, and no mail without it.
    StartTls,
    /// STARTTLS when offered, else plain.
    StartTlsIfOffered,
    /// TLS from the first byte.
    Tls,
}

/// [`SmtpConfig::url`](super::SmtpConfig::url), parsed.
#[derive(Clone, PartialEq, Eq)]
pub(super) struct Relay {
    pub(super) host: String,
    pub(super) port: u16,
    pub(super) security: Security,
    /// User and password.
    pub(super) credentials: Option<(String, String)>,
    /// The client's name in EHLO.
    pub(super) hello: Option<String>,
}

impl fmt::Debug for Relay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Relay")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .field("hello", &self.hello)
            .finish()
    }
}

impl Relay {
    pub(super) fn parse(url: &str) -> Result<Self, String> {
        let parsed = Url::parse(url).map_err(|e| format!("not a URL ({e})"))?;
        let mut tls = None;
        for (key, value) in parsed.query_pairs() {
            if key != "tls" || tls.is_some() {
                return Err(format!(
                    "unknown or repeated parameter {key:?} (only `tls`)"
                ));
            }
            tls = Some(value.into_owned());
        }
        let (security, default_port) = match (parsed.scheme(), tls.as_deref()) {
            ("smtp", None) => (Security::Plain, 25),
            ("smtp", Some("required")) => (Security::StartTls, 587),
            ("smtp", Some("opportunistic")) => (Security::StartTlsIfOffered, 587),
            ("smtps", None) => (Security::Tls, 465),
            ("smtp", Some(other)) => {
                return Err(format!(
                    "tls={other:?}: `required` or `opportunistic` (or smtps:// for implicit TLS)"
                ));
            }
            ("smtps", Some(_)) => {
                return Err("smtps:// is always TLS: drop the tls parameter".to_owned());
            }
            (scheme, _) => return Err(format!("scheme {scheme:?}: smtp:// or smtps://")),
        };
        let host = match parsed.host() {
            Some(url::Host::Domain(name)) if !name.is_empty() => name.to_owned(),
            Some(url::Host::Ipv4(address)) => address.to_string(),
            Some(url::Host::Ipv6(address)) => address.to_string(),
            _ => return Err("no host".to_owned()),
        };
        let port = parsed.port().unwrap_or(default_port);
        if port == 0 {
            return Err("port 0".to_owned());
        }
        let decode = |text: &str, what: &str| {
            percent_encoding::percent_decode_str(text)
                .decode_utf8()
                .map(|decoded| decoded.into_owned())
                .map_err(|_| format!("the {what} is not UTF-8 once percent-decoded"))
        };
        let credentials = match (parsed.username(), parsed.password()) {
            ("", None) => None,
            ("", Some(_)) => return Err("a password without a user".to_owned()),
            (_, None) => return Err("a user without a password".to_owned()),
            (user, Some(password)) => Some((decode(user, "user")?, decode(password, "password")?)),
        };
        // A password crosses the network only inside TLS that cannot be stripped (STARTTLS
        // when offered can be, by anyone in the middle); plain text is for a relay on this
        // host.
        let loopback = host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|address| address.is_loopback());
        if credentials.is_some()
            && matches!(security, Security::Plain | Security::StartTlsIfOffered)
            && !loopback
        {
            return Err(
                "a password goes to another host only over TLS: ?tls=required or smtps://"
                    .to_owned(),
            );
        }
        let hello = Some(parsed.path().trim_matches('/'))
            .filter(|name| !name.is_empty())
            .map(|name| decode(name, "EHLO name"))
            .transpose()?;
        Ok(Self {
            host,
            port,
            security,
            credentials,
            hello,
        })
    }
}

impl fmt::Display for Relay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::{Sender, SmtpConfig, SmtpMailer};

    fn relay(url: &str) -> Relay {
        Relay::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    #[test]
    fn plain_smtp_defaults_to_port_25_without_credentials() {
        let parsed = relay("smtp://mail.example");
        assert_eq!(parsed.host, "mail.example");
        assert_eq!(parsed.port, 25);
        assert_eq!(parsed.security, Security::Plain);
        assert_eq!(parsed.credentials, None);
        assert_eq!(parsed.hello, None);
        assert_eq!(relay("smtp://127.0.0.1:2525").port, 2525);
    }

    #[test]
    fn the_tls_modes_follow_lettre() {
        let starttls = relay("smtp://mail.example?tls=required");
        assert_eq!(
            (starttls.security, starttls.port),
            (Security::StartTls, 587)
        );
        let explicit = relay("smtp://mail.example:2587?tls=required");
        assert_eq!(
            (explicit.security, explicit.port),
            (Security::StartTls, 2587)
        );
        let offered = relay("smtp://mail.example?tls=opportunistic");
        assert_eq!(
            (offered.security, offered.port),
            (Security::StartTlsIfOffered, 587)
        );
        let implicit = relay("smtps://mail.example");
        assert_eq!((implicit.security, implicit.port), (Security::Tls, 465));
    }

    #[test]
    fn credentials_are_percent_decoded_and_the_path_names_the_client() {
        let parsed = relay("smtps://apikey:p%40ss%2Fw%3Ard@relay.example:2465/app.example");
        assert_eq!(
            parsed.credentials,
            Some(("apikey".to_owned(), "p@ss/w:rd".to_owned()))
        );
        assert_eq!(parsed.port, 2465);
        assert_eq!(parsed.hello.as_deref(), Some("app.example"));
        let ipv6 = relay("smtp://[::1]:2525");
        assert_eq!(ipv6.host, "::1");
        assert_eq!(ipv6.to_string(), "[::1]:2525");
    }

    #[test]
    fn urls_that_cannot_work_are_refused() {
        for bad in [
            "mail.example:25",
            "http://mail.example",
            "smtp://mail.example?tls=require",
            "smtp://mail.example?tls=required&tls=required",
            "smtp://mail.example?timeout=5",
            "smtps://mail.example?tls=required",
            "smtp://:secret@mail.example",
            "smtp://user@mail.example",
            "smtp://user:secret@mail.example",
            "smtp://user:secret@mail.example?tls=opportunistic",
            "smtp://mail.example:0",
            "smtp:///path-only",
        ] {
            assert!(Relay::parse(bad).is_err(), "{bad} accepted");
        }
        let refused = SmtpMailer::new(SmtpConfig::new("smtpx://u:hunter2@h", Sender::default()));
        let shown = format!("{:?}", refused.unwrap_err());
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
