//! The two messages a registration can cause, one of which goes out for every request:
//! the confirmation link for a new address, or word that the address already has an
//! account. Neither repeats the name the request gave, so a stranger typing someone
//! else's address cannot put words into their mailbox.

use std::fmt;

use crate::domain::Email;
use crate::ports::{IssuedToken, Mail};

/// Where the web app lives (`https://drops.example`), for the links in the messages.
/// Checked once: an `http` or `https` URL without a query or fragment; kept without its
/// trailing `/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppUrl(String);

impl AppUrl {
    /// The link that opens `route` (`/confirm?token=...`) in the web app.
    fn link(&self, route: &str) -> String {
        format!("{}/#{route}", self.0)
    }
}

impl TryFrom<&str> for AppUrl {
    type Error = String;

    fn try_from(url: &str) -> Result<Self, Self::Error> {
        let url = url.trim().trim_end_matches('/');
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(|| format!("{url:?} is not an http(s) URL"))?;
        if rest.is_empty() || rest.contains(['?', '#', ' ']) || rest.chars().any(char::is_control) {
            return Err(format!(
                "{url:?} must be a plain origin or path, without a query or fragment"
            ));
        }
        Ok(Self(url.to_owned()))
    }
}

impl fmt::Display for AppUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The subject of the confirmation link's message.
pub const CONFIRM_SUBJECT: &str = "Confirm your LiveDrop account";
/// The subject of the message to an address that already has an account.
pub const EXISTING_SUBJECT: &str = "Your LiveDrop account";

/// Where the token starts in a confirmation link.
const TOKEN_MARK: &str = "#/confirm?token=";

/// The token of the confirmation link in a message's `text`, if it has one: what a
/// program standing in for a person (a test, the load tool, an example) reads to finish a
/// sign-up.
pub fn confirmation_token(text: &str) -> Option<&str> {
    let (_, rest) = text.split_once(TOKEN_MARK)?;
    rest.split_whitespace().next()
}

/// The message with the link that completes the registration of `to`.
pub(super) fn confirmation(app: &AppUrl, to: &Email, token: &IssuedToken) -> Mail {
    let link = format!("{}/{TOKEN_MARK}{}", app.0, token.token);
    Mail {
        to: to.clone(),
        subject: CONFIRM_SUBJECT.to_owned(),
        text: format!(
            "Hello,\n\n\
             Someone, we hope you, asked to sign up to LiveDrop with this address.\n\
             To finish, open this link and choose your password:\n\n\
             {link}\n\n\
             The link works until {expires} (UTC). If you did not ask, ignore this message:\n\
             no account is made without it.\n\n\
             LiveDrop\n",
            expires = token.expires_at.format("%Y-%m-%d %H:%M"),
        ),
    }
}

/// The message to `to`, which already has an account, in place of a confirmation.
pub(super) fn already_registered(app: &AppUrl, to: &Email) -> Mail {
    Mail {
        to: to.clone(),
        subject: EXISTING_SUBJECT.to_owned(),
        text: format!(
            "Hello,\n\n\
             Someone, maybe you, asked to sign up to LiveDrop with this address, which\n\
             already has an account. To use it, sign in:\n\n\
             {link}\n\n\
             If you did not ask, ignore this message: nothing changed.\n\n\
             LiveDrop\n",
            link = app.link("/login"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_read_back_from_its_message() {
        let app = AppUrl::try_from("https://drops.example").unwrap();
        let to = Email::try_from("ada@example.com").unwrap();
        let token = IssuedToken {
            token: "a.b-c_d".to_owned(),
            expires_at: chrono::Utc::now(),
        };
        let mail = confirmation(&app, &to, &token);
        assert!(
            mail.text
                .contains("https://drops.example/#/confirm?token=a.b-c_d\n")
        );
        assert_eq!(confirmation_token(&mail.text), Some("a.b-c_d"));
        assert_eq!(
            confirmation_token(&already_registered(&app, &to).text),
            None
        );
    }

    #[test]
    fn an_app_url_is_a_plain_http_origin_or_path() {
        let app = AppUrl::try_from("https://drops.example/shop/").unwrap();
        assert_eq!(app.link("/login"), "https://drops.example/shop/#/login");
        for bad in [
            "drops.example",
            "ftp://drops.example",
            "https://",
            "https://x/?a=1",
            "https://x/#y",
            "https://x/\r\nBcc: y",
        ] {
            assert!(AppUrl::try_from(bad).is_err(), "{bad:?} accepted");
        }
    }
}
