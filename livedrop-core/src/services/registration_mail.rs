//! The two messages a registration can cause, one of which goes out for every request:
//! the confirmation link for a new address, or word that the address already has an
//! account. Neither repeats the name the request gave, so a stranger typing someone
//! else's address cannot put words into their mailbox.

use crate::domain::Email;
use crate::ports::{IssuedToken, Mail};
use crate::services::app_url::AppUrl;

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
    let link = format!("{app}/{TOKEN_MARK}{}", token.token);
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
    use std::sync::{Arc, Mutex};

    use chrono::{TimeDelta, Utc};

    use super::*;
    use crate::Error;
    use crate::clock::ManualClock;
    use crate::domain::{Password, PersonName, User};
    use crate::ids::{FamilyId, UserId};
    use crate::ports::{
        Mailer, MockCatalog, MockCredentials, PasswordHash, PasswordHasher, TokenIssuer, TokenKind,
    };
    use crate::services::SessionService;

    #[test]
    fn the_token_is_read_back_from_its_message() {
        let app = AppUrl::try_from("https://drops.example").unwrap();
        let to = Email::try_from("ada@example.com").unwrap();
        let token = IssuedToken {
            token: "a.b-c_d".to_owned(),
            expires_at: Utc::now(),
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

    /// Signs a fixed registration token; nothing else is asked of it.
    #[derive(Debug)]
    struct FixedIssuer;

    impl TokenIssuer for FixedIssuer {
        fn issue(&self, _: TokenKind, _: UserId, _: FamilyId) -> crate::Result<IssuedToken> {
            unreachable!("nobody signs in here")
        }

        fn issue_registration(&self, _: &Email, _: &PersonName) -> crate::Result<IssuedToken> {
            Ok(IssuedToken {
                token: "signed-registration".to_owned(),
                expires_at: Utc::now() + TimeDelta::hours(24),
            })
        }
    }

    /// Never called: starting a registration hashes nothing.
    #[derive(Debug)]
    struct NoPasswords;

    #[async_trait::async_trait]
    impl PasswordHasher for NoPasswords {
        async fn hash(&self, _: Password) -> crate::Result<PasswordHash> {
            unreachable!("no password is hashed here")
        }
        async fn verify(&self, _: Option<PasswordHash>, _: Password) -> crate::Result<bool> {
            unreachable!("no password is checked here")
        }
    }

    /// Keeps what it is given.
    #[derive(Debug, Default)]
    struct Outbox(Mutex<Vec<Mail>>);

    #[async_trait::async_trait]
    impl Mailer for Outbox {
        async fn send(&self, mail: Mail) -> crate::Result<()> {
            self.0.lock().unwrap().push(mail);
            Ok(())
        }
    }

    /// A session service over `catalog` whose mail lands in the returned outbox.
    fn service_over(catalog: MockCatalog) -> (SessionService, Arc<Outbox>) {
        let outbox = Arc::new(Outbox::default());
        let service = SessionService::new(
            Arc::new(catalog),
            // Nothing is stored by starting a registration: any call would fail the test.
            Arc::new(MockCredentials::new()),
            Arc::new(NoPasswords),
            Arc::new(FixedIssuer),
            outbox.clone(),
            AppUrl::try_from("https://drops.example").unwrap(),
            Arc::new(ManualClock::new(Utc::now())),
        );
        (service, outbox)
    }

    #[tokio::test]
    async fn a_registration_answers_alike_for_new_and_taken_addresses_and_mails_the_difference() {
        let taken = Email::try_from("ada@example.com").unwrap();
        let new = Email::try_from("bob@example.com").unwrap();
        let name = PersonName::try_from("Bob").unwrap();
        let owner = User::new(
            taken.clone(),
            PersonName::try_from("Ada").unwrap(),
            Utc::now(),
        );
        let mut catalog = MockCatalog::new();
        catalog
            .expect_user_by_email()
            .returning(move |email| match email.as_str() {
                "ada@example.com" => Ok(owner.clone()),
                _ => Err(Error::not_found(crate::error::Entity::User, email.as_str())),
            });
        let (service, outbox) = service_over(catalog);

        service
            .start_registration(taken.clone(), name.clone())
            .await
            .unwrap();
        service.start_registration(new.clone(), name).await.unwrap();

        let mails = outbox.0.lock().unwrap().clone();
        assert_eq!(mails.len(), 2, "one message per request");
        assert_eq!(mails[0].to, taken);
        assert_eq!(mails[0].subject, EXISTING_SUBJECT);
        assert!(mails[0].text.contains("https://drops.example/#/login"));
        assert!(!mails[0].text.contains("token"), "{}", mails[0].text);
        assert_eq!(mails[1].to, new);
        assert_eq!(mails[1].subject, CONFIRM_SUBJECT);
        assert!(
            mails[1]
                .text
                .contains("https://drops.example/#/confirm?token=signed-registration"),
            "{}",
            mails[1].text
        );
        for mail in &mails {
            assert!(
                !mail.text.contains("Bob"),
                "the request's name is never mailed"
            );
        }
    }
}
