//! [`Passwords`]: argon2id hashing and checking, off the async workers.
//!
//! A hash takes tens of milliseconds of CPU by design, so it runs on threads of its own,
//! one per core ([`HashThreads`]): on the async workers it would stall every request
//! sharing them, and on tokio's blocking pool each of its many threads kept a freed 19 MiB
//! block. At most one hash per core runs or waits on those threads; the rest wait their
//! turn at a semaphore, so a request that gives up (its timeout) leaves the queue instead
//! of leaving a hash behind for nobody.

use std::fmt;
use std::sync::{Arc, OnceLock};

use argon2::password_hash::{self, PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use livedrop_core::Error;
use livedrop_core::domain::Password;
use livedrop_core::ports::PasswordHash;

use super::hash_threads::HashThreads;

/// Hashes new passwords with argon2id at the configured cost and checks passwords
/// against stored PHC strings (at the cost each string records, so raising the cost
/// later keeps old hashes working). Cloning shares it.
#[derive(Clone)]
pub struct Passwords(Arc<Inner>);

struct Inner {
    params: Params,
    /// One permit per concurrent hash (see the module docs).
    running: tokio::sync::Semaphore,
    threads: HashThreads,
    /// A hash of a random password at the current cost, checked when the user does not
    /// exist, so an unknown email costs what a wrong password costs (no timing oracle
    /// for which emails have accounts). Made on first use, not at start-up.
    dummy: OnceLock<Result<String, password_hash::Error>>,
}

impl Passwords {
    /// OWASP's argon2id recommendation: 19 MiB of memory, 2 passes, 1 lane.
    pub fn owasp() -> Self {
        Self::with(Params::DEFAULT)
    }

    /// argon2id with `memory_kib` KiB, `iterations` passes and `lanes` lanes.
    ///
    /// # Errors
    /// When argon2 refuses the parameters (memory below 8 KiB per lane, zero passes, ...).
    pub fn new(memory_kib: u32, iterations: u32, lanes: u32) -> Result<Self, String> {
        Params::new(memory_kib, iterations, lanes, None)
            .map(Self::with)
            .map_err(|e| format!("argon2 parameters: {e}"))
    }

    /// The cheapest parameters argon2 accepts: for tests, never for real passwords.
    pub fn for_tests() -> Self {
        Self::with(Params::new(Params::MIN_M_COST, 1, 1, None).unwrap_or(Params::DEFAULT))
    }

    fn with(params: Params) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self(Arc::new(Inner {
            params,
            running: tokio::sync::Semaphore::new(cores),
            threads: HashThreads::start(cores),
            dummy: OnceLock::new(),
        }))
    }

    /// Waits for a core to hash on.
    async fn turn(&self) -> Result<tokio::sync::SemaphorePermit<'_>, Error> {
        // The semaphore is never closed, so acquiring fails only in theory.
        self.0
            .running
            .acquire()
            .await
            .map_err(|e| Error::internal("argon2", e))
    }

    fn argon2(params: &Params) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
    }

    /// The PHC string of `password`, with a fresh random salt.
    ///
    /// # Errors
    /// `Internal` if hashing fails (no OS randomness) or no hashing thread is running.
    pub async fn hash(&self, password: Password) -> Result<PasswordHash, Error> {
        let _turn = self.turn().await?;
        let params = self.0.params.clone();
        let phc = self
            .0
            .threads
            .run(move || {
                Self::argon2(&params)
                    .hash_password(password.expose().as_bytes())
                    .map(|hash| hash.to_string())
            })
            .await?
            .map_err(|e| Error::internal("argon2", e))?;
        Ok(PasswordHash::new(phc))
    }

    /// Whether `password` matches `stored`. With no stored hash (unknown user, or a user
    /// without a password) it checks against a dummy hash and answers `false`, taking
    /// the same time as a wrong password.
    ///
    /// # Errors
    /// `Internal` for a stored hash that does not parse, or no hashing thread running.
    pub async fn verify(
        &self,
        stored: Option<PasswordHash>,
        password: Password,
    ) -> Result<bool, Error> {
        let _turn = self.turn().await?;
        let inner = Arc::clone(&self.0);
        self.0
            .threads
            .run(move || {
                let known = stored.is_some();
                let phc = match stored {
                    Some(hash) => hash.as_str().to_owned(),
                    None => inner
                        .dummy
                        .get_or_init(|| dummy_hash(&inner.params))
                        .clone()
                        .map_err(|e| Error::internal("argon2", e))?,
                };
                // The stored string's own parameters are used, whatever ours are now.
                match Self::argon2(&inner.params)
                    .verify_password(password.expose().as_bytes(), phc.as_str())
                {
                    Ok(()) => Ok(known),
                    Err(password_hash::Error::PasswordInvalid) => Ok(false),
                    Err(e) => Err(Error::internal("argon2", e)),
                }
            })
            .await?
    }
}

/// A hash of a password nobody knows (random bytes), at `params`.
#[async_trait::async_trait]
impl livedrop_core::ports::PasswordHasher for Passwords {
    async fn hash(&self, password: Password) -> Result<PasswordHash, Error> {
        Passwords::hash(self, password).await
    }

    async fn verify(
        &self,
        stored: Option<PasswordHash>,
        password: Password,
    ) -> Result<bool, Error> {
        Passwords::verify(self, stored, password).await
    }
}

fn dummy_hash(params: &Params) -> Result<String, password_hash::Error> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|_| password_hash::Error::Crypto)?;
    Passwords::argon2(params)
        .hash_password(&secret)
        .map(|hash| hash.to_string())
}

impl Default for Passwords {
    fn default() -> Self {
        Self::owasp()
    }
}

impl fmt::Debug for Passwords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.0.params;
        write!(
            f,
            "Passwords(argon2id m={} t={} p={})",
            p.m_cost(),
            p.t_cost(),
            p.p_cost()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn password(text: &str) -> Password {
        Password::try_from(text).unwrap()
    }

    #[tokio::test]
    async fn a_hash_checks_its_password_only() {
        let passwords = Passwords::for_tests();
        let hash = passwords.hash(password("correct horse")).await.unwrap();
        assert!(hash.as_str().starts_with("$argon2id$v=19$m=8,t=1,p=1$"));
        assert!(
            passwords
                .verify(Some(hash.clone()), password("correct horse"))
                .await
                .unwrap()
        );
        assert!(
            !passwords
                .verify(Some(hash), password("battery staple"))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn no_stored_hash_never_matches() {
        let passwords = Passwords::for_tests();
        assert!(
            !passwords
                .verify(None, password("anything at all"))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn old_hashes_keep_working_after_a_cost_change() {
        let old = Passwords::for_tests()
            .hash(password("correct horse"))
            .await
            .unwrap();
        let stronger = Passwords::new(16, 2, 1).unwrap();
        assert!(
            stronger
                .verify(Some(old), password("correct horse"))
                .await
                .unwrap()
        );
    }

    #[test]
    fn production_defaults_are_owasps() {
        assert_eq!(
            format!("{:?}", Passwords::default()),
            "Passwords(argon2id m=19456 t=2 p=1)"
        );
        assert!(Passwords::new(1, 1, 1).is_err());
    }
}
