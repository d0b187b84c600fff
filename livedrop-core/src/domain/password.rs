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

    /// The least strength a new password needs: zxcvbn's score 3, a password that would
    /// take an attacker 10^8 guesses or more (what its authors advise for accounts). Below are the common passwords
    /// (`password`, `12345678`), repeats and sequences, keyboard walks, dictionary words
    /// with digits appended, and the user's own email or name (NIST SP 800-63B asks for
    /// checks like these in place of composition rules).
    pub const MIN_STRENGTH: u8 = 3;

    /// Characters judged: the estimate grows faster than the length, and a password this
    /// long is strong for its length alone unless its start is a weak one repeated.
    const JUDGED: usize = 64;

    /// The plaintext, for the hasher.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Checks that a password being chosen (at registration) is not easily guessed,
    /// `context` being what an attacker would try first (the user's email and name).
    /// Only new passwords are judged: signing in with an older one still works.
    ///
    /// # Errors
    /// [`ValidationError::WeakPassword`].
    pub fn check_strength(&self, context: &[&str]) -> Result<(), ValidationError> {
        let judged: String = self.0.chars().take(Self::JUDGED).collect();
        // Each context string whole and in its words ("ada.lovelace@example.com": `ada`,
        // `lovelace`, `example`), since a password reuses parts of them.
        let words: Vec<String> = context
            .iter()
            .flat_map(|text| {
                let text = text.to_lowercase();
                let parts: Vec<String> = text
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|part| part.chars().count() >= 3)
                    .map(str::to_owned)
                    .collect();
                std::iter::once(text).chain(parts)
            })
            .collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let score = u8::from(zxcvbn::zxcvbn(&judged, &words).score());
        if score < Self::MIN_STRENGTH {
            return Err(ValidationError::WeakPassword);
        }
        Ok(())
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
    fn easily_guessed_passwords_are_refused_and_good_ones_kept() {
        let weak = |p: &str, context: &[&str]| {
            Password::try_from(p)
                .unwrap()
                .check_strength(context)
                .is_err()
        };
        for common in [
            "password",
            "12345678",
            "        ",
            "aaaaaaaa",
            "qwertyuiop",
            "Password1!",
        ] {
            assert!(weak(common, &[]), "{common:?}");
        }
        assert!(
            weak(
                "ada.lovelace",
                &["ada.lovelace@example.com", "Ada Lovelace"]
            ),
            "the user's own name"
        );
        for good in [
            "correct horse battery staple",
            "tr0ub4dor&3 on a bike",
            "Vq7#pL2!xZ9m",
        ] {
            assert!(!weak(good, &[]), "{good:?}");
        }
        assert_eq!(
            Password::try_from("12345678")
                .unwrap()
                .check_strength(&[])
                .unwrap_err()
                .code(),
            "weak_password"
        );
    }

    #[test]
    fn passwords_are_kept_verbatim_and_never_printed() {
        let password = Password::try_from("  spaced out  ").unwrap();
        assert_eq!(password.expose(), "  spaced out  ");
        assert!(!format!("{password:?}").contains("spaced"));
    }
}
