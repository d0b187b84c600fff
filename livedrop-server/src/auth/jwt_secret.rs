//! [`JwtSecret`]: the key every token of the server is signed with.

use std::fmt;

/// The HMAC secret tokens are signed with: at least 32 bytes (HS256's key size), never
/// printed. Every instance behind one load balancer needs the same one.
#[derive(Clone, PartialEq, Eq)]
pub struct JwtSecret(Vec<u8>);

impl JwtSecret {
    /// The shortest secret accepted.
    pub const MIN_BYTES: usize = 32;

    /// The secret's bytes, the HMAC key.
    pub(super) fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// A random secret, for a single instance whose tokens need not outlive it.
    pub fn random() -> Self {
        let mut bytes = vec![0; Self::MIN_BYTES];
        // The OS generator failing is a broken machine, and a predictable secret would be
        // worse than not starting.
        #[allow(clippy::expect_used)]
        getrandom::fill(&mut bytes).expect("the OS random generator is unavailable");
        Self(bytes)
    }
}

impl TryFrom<String> for JwtSecret {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        if text.len() < Self::MIN_BYTES {
            return Err(format!(
                "the JWT secret must be at least {} bytes (got {})",
                Self::MIN_BYTES,
                text.len()
            ));
        }
        Ok(Self(text.into_bytes()))
    }
}

impl std::str::FromStr for JwtSecret {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::try_from(text.to_owned())
    }
}

impl fmt::Debug for JwtSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JwtSecret(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_secrets_are_refused_and_secrets_never_print() {
        assert!(JwtSecret::try_from("short".to_owned()).is_err());
        let secret = JwtSecret::try_from("x".repeat(32)).unwrap();
        assert!(!format!("{secret:?}").contains("xxxx"));
    }
}
