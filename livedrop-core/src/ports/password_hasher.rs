//! The password hasher port: slow, salted password hashes.

use std::fmt::Debug;

use async_trait::async_trait;

use super::PasswordHash;
use crate::Result;
use crate::domain::Password;

/// Hashes new passwords and checks passwords against stored hashes. The server implements
/// it (argon2id off the async workers); the core never sees a hashing algorithm.
///
/// # Contract
/// - [`hash`](PasswordHasher::hash) returns a salted hash (a PHC string) that
///   [`verify`](PasswordHasher::verify) accepts for that password and no other.
/// - `verify(None, _)` is `false` and costs what checking a wrong password costs, so a
///   caller can check a user that does not exist without telling so by its timing.
/// - Both are slow by design and MUST NOT stall the async executor.
#[async_trait]
pub trait PasswordHasher: Send + Sync + Debug + 'static {
    /// The hash of `password`, with a fresh salt.
    async fn hash(&self, password: Password) -> Result<PasswordHash>;
    /// Whether `password` matches `stored`; `false` when nothing is stored.
    async fn verify(&self, stored: Option<PasswordHash>, password: Password) -> Result<bool>;
}
