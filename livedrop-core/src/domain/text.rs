//! Validated text newtypes: once constructed, a value is known to obey its rules.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::ValidationError;

/// Characters that show nothing or reorder what follows: bidirectional embeddings,
/// overrides, isolates and marks, zero-width spaces, joiners of words, the byte-order mark,
/// soft hyphens, Hangul fillers, line and paragraph separators. In a name they let one pass
/// for another ("admin" + U+200B, or U+202E turning "gpj.exe" around). Zero-width
/// (non-)joiners stay allowed: emoji sequences and several scripts need them. The OpenAPI
/// patterns below list the same characters (all in the Basic Multilingual Plane, which is
/// why the tag characters of U+E0000 are not among them: a pattern could not say so).
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{180E}'
            | '\u{200B}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{3164}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
    )
}

/// Trims `input` and checks it is non-empty (when `required`), at most `max` characters
/// and free of control characters, and (when `required`: names and titles) of
/// [`invisible`] ones. The single rule set behind every free-text field.
fn bounded_text(
    field: &'static str,
    input: &str,
    max: usize,
    required: bool,
) -> Result<String, ValidationError> {
    let trimmed = input.trim();
    if required && trimmed.is_empty() {
        return Err(ValidationError::EmptyText { field });
    }
    if trimmed.chars().count() > max {
        return Err(ValidationError::TextTooLong { field, max });
    }
    // Newlines and tabs are fine in long prose; nothing else invisible is.
    let allow_whitespace_controls = !required;
    if trimmed
        .chars()
        .any(|c| c.is_control() && !(allow_whitespace_controls && matches!(c, '\n' | '\t' | '\r')))
    {
        return Err(ValidationError::ControlCharacters { field });
    }
    if required && trimmed.chars().any(invisible) {
        return Err(ValidationError::InvisibleCharacters { field });
    }
    Ok(trimmed.to_owned())
}

// Each use states its OpenAPI constraints (the schema attributes take literals only):
// the length bounds, and a `pattern` saying what `bounded_text` refuses: a required text
// needs something besides whitespace and holds no control character; an optional one may
// hold newlines and tabs.
macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, field = $field:literal, max = $max:tt, required = $required:expr,
     min_length = $min:tt, pattern = $pattern:tt) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[cfg_attr(
            feature = "openapi",
            schema(value_type = String, min_length = $min, max_length = $max, pattern = $pattern)
        )]
        pub struct $name(String);

        impl $name {
            /// The longest accepted value, in characters.
            pub const MAX_CHARS: usize = $max;

            /// The validated text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<&str> for $name {
            type Error = ValidationError;

            fn try_from(input: &str) -> Result<Self, Self::Error> {
                bounded_text($field, input, $max, $required).map(Self)
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;

            fn try_from(input: String) -> Result<Self, Self::Error> {
                Self::try_from(input.as_str())
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }
    };
}

text_type!(
    /// A product title: 1 to 120 characters, trimmed, no control characters.
    Title, field = "title", max = 120, required = true,
    min_length = 1, pattern = r"^[^\x00-\x1F\x7F-\x9F\u00AD\u034F\u061C\u115F\u1160\u180E\u200B\u200E\u200F\u2028-\u202E\u2060-\u2064\u2066-\u2069\u3164\uFEFF\uFFA0\uFFF9-\uFFFB]*[^\s\x00-\x1F\x7F-\x9F\u00AD\u034F\u061C\u115F\u1160\u180E\u200B\u200E\u200F\u2028-\u202E\u2060-\u2064\u2066-\u2069\u3164\uFEFF\uFFA0\uFFF9-\uFFFB][^\x00-\x1F\x7F-\x9F\u00AD\u034F\u061C\u115F\u1160\u180E\u200B\u200E\u200F\u2028-\u202E\u2060-\u2064\u2066-\u2069\u3164\uFEFF\uFFA0\uFFF9-\uFFFB]*$"
);
text_type!(
    /// A product description: up to 5,000 characters; newlines allowed.
    Description, field = "description", max = 5000, required = false,
    min_length = 0, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
);
text_type!(
    /// A creator's display name: 1 to 80 characters, trimmed.
    DisplayName, field = "displayName", max = 80, required = true,
    min_length = 1, pattern = r"^[^\x00-\x1F\x7F-\x9F\u00AD\u034F\u061C\u115F\u1160\u180E\u200B\u200E\u200F\u2028-\u202E\u2060-\u2064\u2066-\u2069\u3164\uFEFF\uFFA0\uFFF9-\uFFFB]*[^\s\x00-\x1F\x7F-\x9F\u00AD\u034F\u061C\u115F\u1160\u180E\u200B\u200E\u200F\u2028-\u202E\u2060-\u2064\u2066-\u2069\u3164\uFEFF\uFFA0\uFFF9-\uFFFB][^\x00-\x1F\x7F-\x9F\u00AD\u034F\u061C\u115F\u1160\u180E\u200B\u200E\u200F\u2028-\u202E\u2060-\u2064\u2066-\u2069\u3164\uFEFF\uFFA0\uFFF9-\uFFFB]*$"
);
text_type!(
    /// A user's name: 1 to 80 characters, trimmed.
    PersonName, field = "name", max = 80, required = true,
    min_length = 1, pattern = r"^[^\x00-\x1F\x7F-\x9F\u00AD\u034F\u061C\u115F\u1160\u180E\u200B\u200E\u200F\u2028-\u202E\u2060-\u2064\u2066-\u2069\u3164\uFEFF\uFFA0\uFFF9-\uFFFB]*[^\s\x00-\x1F\x7F-\x9F\u00AD\u034F\u061C\u115F\u1160\u180E\u200B\u200E\u200F\u2028-\u202E\u2060-\u2064\u2066-\u2069\u3164\uFEFF\uFFA0\uFFF9-\uFFFB][^\x00-\x1F\x7F-\x9F\u00AD\u034F\u061C\u115F\u1160\u180E\u200B\u200E\u200F\u2028-\u202E\u2060-\u2064\u2066-\u2069\u3164\uFEFF\uFFA0\uFFF9-\uFFFB]*$"
);

/// A creator handle: 3 to 30 characters of `a-z`, `0-9` and `_`, starting with a letter.
/// Input is lower-cased first, so handles are case-insensitive and unique as stored.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(value_type = String, pattern = r"^@?[A-Za-z][A-Za-z0-9_]{2,29}$")
)]
pub struct Handle(String);

impl Handle {
    /// Shortest handle.
    pub const MIN_CHARS: usize = 3;
    /// Longest handle.
    pub const MAX_CHARS: usize = 30;

    /// The handle, lower case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for Handle {
    type Error = ValidationError;

    fn try_from(input: &str) -> Result<Self, Self::Error> {
        let handle = input.trim().trim_start_matches('@').to_ascii_lowercase();
        let invalid = |reason| Err(ValidationError::InvalidHandle { reason });
        if handle.len() < Self::MIN_CHARS || handle.len() > Self::MAX_CHARS {
            return invalid("must be 3 to 30 characters");
        }
        if !handle.starts_with(|c: char| c.is_ascii_lowercase()) {
            return invalid("must start with a letter");
        }
        if !handle
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return invalid("may only contain a-z, 0-9 and _");
        }
        Ok(Self(handle))
    }
}

impl TryFrom<String> for Handle {
    type Error = ValidationError;

    fn try_from(input: String) -> Result<Self, Self::Error> {
        Self::try_from(input.as_str())
    }
}

impl From<Handle> for String {
    fn from(value: Handle) -> String {
        value.0
    }
}

impl fmt::Display for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "@{}", self.0)
    }
}

/// An email address (RFC 5321/5322 syntax via `email_address`), in ASCII, stored lower
/// case so that uniqueness is case-insensitive. ASCII only: letters of other scripts that
/// look like Latin ones (Cyrillic `а` in `аda@example.com`) would register a second
/// account that reads as the first; an internationalized domain is written in its
/// punycode form (`xn--...`).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^[\x00-\x7F]*$"))]
pub struct Email(String);

impl Email {
    /// The address, lower case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for Email {
    type Error = ValidationError;

    fn try_from(input: &str) -> Result<Self, Self::Error> {
        if !input.is_ascii() {
            return Err(ValidationError::InvalidEmail);
        }
        let email = input.trim().to_ascii_lowercase();
        // email_address accepts bare local parts without a domain dot; people don't.
        let has_dotted_domain = email
            .rsplit_once('@')
            .is_some_and(|(_, domain)| domain.contains('.') && !domain.ends_with('.'));
        if email.len() > 254 || !has_dotted_domain || !email_address::EmailAddress::is_valid(&email)
        {
            return Err(ValidationError::InvalidEmail);
        }
        Ok(Self(email))
    }
}

impl TryFrom<String> for Email {
    type Error = ValidationError;

    fn try_from(input: String) -> Result<Self, Self::Error> {
        Self::try_from(input.as_str())
    }
}

impl From<Email> for String {
    fn from(value: Email) -> String {
        value.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_is_trimmed_and_bounded() {
        assert_eq!(Title::try_from("  Sneaker  ").unwrap().as_str(), "Sneaker");
        assert_eq!(
            Title::try_from("   "),
            Err(ValidationError::EmptyText { field: "title" })
        );
        let long = "é".repeat(121);
        assert_eq!(
            Title::try_from(long.as_str()),
            Err(ValidationError::TextTooLong {
                field: "title",
                max: 120
            })
        );
        assert!(
            Title::try_from("é".repeat(120).as_str()).is_ok(),
            "limit counts characters, not bytes"
        );
        assert_eq!(
            Title::try_from("bad\u{0007}bell"),
            Err(ValidationError::ControlCharacters { field: "title" })
        );
        assert_eq!(
            Title::try_from("two\nlines"),
            Err(ValidationError::ControlCharacters { field: "title" })
        );
    }

    #[test]
    fn description_may_be_empty_and_multiline_but_bounded() {
        assert_eq!(Description::try_from("").unwrap().as_str(), "");
        assert!(Description::try_from("line one\nline two").is_ok());
        assert_eq!(
            Description::try_from("x".repeat(5_001)),
            Err(ValidationError::TextTooLong {
                field: "description",
                max: 5_000
            })
        );
        assert_eq!(
            Description::try_from("nul\u{0}"),
            Err(ValidationError::ControlCharacters {
                field: "description"
            })
        );
    }

    #[test]
    fn names_and_titles_refuse_invisible_and_direction_characters() {
        for sneaky in [
            "admin\u{200B}",
            "\u{202E}gpj.exe",
            "Ada\u{2066}Lovelace\u{2069}",
            "\u{FEFF}Ada",
            "A\u{3164}",
        ] {
            assert_eq!(
                DisplayName::try_from(sneaky),
                Err(ValidationError::InvisibleCharacters {
                    field: "displayName"
                }),
                "{sneaky:?}"
            );
            assert!(PersonName::try_from(sneaky).is_err());
            assert!(Title::try_from(sneaky).is_err());
        }
        // Joiners build emoji and words in several scripts; they stay.
        assert!(DisplayName::try_from("👩\u{200D}💻 Maker").is_ok());
        assert!(PersonName::try_from("می\u{200C}خواهم").is_ok());
    }

    #[test]
    fn emails_are_ascii_so_look_alikes_cannot_register_twice() {
        assert!(Email::try_from("ada@example.com").is_ok());
        for look_alike in [
            "\u{0430}da@example.com",
            "ａda@example.com",
            "ada@exаmple.com",
        ] {
            assert_eq!(
                Email::try_from(look_alike),
                Err(ValidationError::InvalidEmail),
                "{look_alike:?}"
            );
        }
        assert!(
            Email::try_from("ada@xn--exmple-cua.com").is_ok(),
            "punycode"
        );
    }

    #[test]
    fn names_are_required() {
        assert!(DisplayName::try_from("Ada").is_ok());
        assert_eq!(
            DisplayName::try_from(""),
            Err(ValidationError::EmptyText {
                field: "displayName"
            })
        );
        assert_eq!(
            PersonName::try_from("\t"),
            Err(ValidationError::EmptyText { field: "name" })
        );
        assert_eq!(
            PersonName::try_from("n".repeat(81)),
            Err(ValidationError::TextTooLong {
                field: "name",
                max: 80
            })
        );
    }

    #[test]
    fn handle_rules() {
        assert_eq!(
            Handle::try_from("@Ada_Lovelace1").unwrap().as_str(),
            "ada_lovelace1"
        );
        for (bad, reason) in [
            ("ab", "must be 3 to 30 characters"),
            (&"a".repeat(31)[..], "must be 3 to 30 characters"),
            ("1abc", "must start with a letter"),
            ("_abc", "must start with a letter"),
            ("ab-c", "may only contain a-z, 0-9 and _"),
            ("abç", "may only contain a-z, 0-9 and _"),
        ] {
            assert_eq!(
                Handle::try_from(bad),
                Err(ValidationError::InvalidHandle { reason }),
                "{bad}"
            );
        }
    }

    #[test]
    fn email_rules() {
        assert_eq!(
            Email::try_from(" Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@localhost",
            "a b@example.com",
            "ada@example.",
        ] {
            assert_eq!(
                Email::try_from(bad),
                Err(ValidationError::InvalidEmail),
                "{bad:?}"
            );
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(Email::try_from(long), Err(ValidationError::InvalidEmail));
    }

    #[test]
    fn serde_validates_on_the_way_in() {
        assert!(serde_json::from_str::<Handle>("\"x\"").is_err());
        let title: Title = serde_json::from_str("\" Hat \"").unwrap();
        assert_eq!(serde_json::to_string(&title).unwrap(), "\"Hat\"");
    }
}
