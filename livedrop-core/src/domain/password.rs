//! [`Password`]: a plaintext password that meets the policy, on its way to be hashed or
//! checked. The core never hashes it (the server does, with argon2id).

use std::fmt;

use super::ValidationError;

/// A password of [`Password::MIN`]..=[`Password::MAX`] characters (Unicode scalar values),
/// taken exactly as given: no trimming or normalisation, since either would silently
/// change what the user typed. The upper bound keeps one hash cheap to ask for.
///
/// It is never printed (`Debug` hides it) and cannot be serialized: it goes from the
/// request body to the hasher and nowhere else.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// The shortest accepted password (NIST SP 800-63B's minimum).
    pub const MIN: usize = 8;
    /// The longest accepted password.
    pub const MAX: usize = 128;

    /// The plaintext, for the hasher.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Password {
    type Error = ValidationError;

    fn try_from(input: String) -> Result<Self, Self::Error> {
        let length = input.chars().count();
        if !(Self::MIN..=Self::MAX).contains(&length) {
            return Err(ValidationError::PasswordLength {
                min: Self::MIN,
                max: Self::MAX,
            });
        }
        Ok(Self(input))
    }
}

impl TryFrom<&str> for Password {
    type Error = ValidationError;

    fn try_from(input: &str) -> Result<Self, Self::Error> {
        Self::try_from(input.to_owned())
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_is_counted_in_characters_and_bounded() {
        assert!(Password::try_from("seven77").is_err());
        assert!(Password::try_from("eight888").is_ok());
        // Eight characters, sixteen bytes.
        assert!(Password::try_from("ééééééé1").is_ok());
        assert!(Password::try_from("x".repeat(128)).is_ok());
        let long = Password::try_from("x".repeat(129)).unwrap_err();
        assert_eq!(long.code(), "invalid_password");
    }

    #[test]
    fn passwords_are_kept_verbatim_and_never_printed() {
        let password = Password::try_from("  spaced out  ").unwrap();
        assert_eq!(password.expose(), "  spaced out  ");
        assert!(!format!("{password:?}").contains("spaced"));
    }
}
