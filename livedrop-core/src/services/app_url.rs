//! [`AppUrl`]: where the web app lives, for the links the server mails.

use std::fmt;

/// Where the web app lives (`https://drops.example`), for the links in the messages.
/// Checked once: an `http` or `https` URL without a query or fragment; kept without its
/// trailing `/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppUrl(String);

impl AppUrl {
    /// The link that opens `route` (`/confirm?token=...`) in the web app.
    pub(crate) fn link(&self, route: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

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
