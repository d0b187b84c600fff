//! One error type for every port and service, with a stable machine-readable code.
//!
//! Callers branch on variants (typed), clients on [`Error::code`] (stable across releases),
//! humans read `Display`. Backend failures never leak driver types: an adapter maps its
//! driver error to [`Error::Unavailable`] (retryable) or [`Error::Internal`] (a bug).

use std::fmt;

use crate::domain::{
    DropStatus, IllegalTransition, OrderRejection, SignInRefusal, ValidationError,
};

/// A boxed source error from a backend, kept for logs and never shown to API clients.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Shorthand used by every port and service.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The kinds of stored things an error can be about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Entity {
    User,
    Creator,
    Product,
    Drop,
    Order,
    Follow,
    Media,
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Entity::User => "user",
            Entity::Creator => "creator",
            Entity::Product => "product",
            Entity::Drop => "drop",
            Entity::Order => "order",
            Entity::Follow => "follow",
            Entity::Media => "media",
        })
    }
}

/// Everything that can go wrong in LiveDrop's core, ports and services.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input broke a domain rule; nothing was written.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// The referenced thing does not exist (or the caller may not know it exists).
    #[error("{entity} {id} not found")]
    NotFound {
        /// What was looked up.
        entity: Entity,
        /// The id or natural key that was looked up.
        id: String,
    },
    /// A unique natural key (email, handle, ...) is already taken.
    #[error("{entity} already exists: {key}")]
    AlreadyExists {
        /// What could not be created.
        entity: Entity,
        /// The clashing key.
        key: String,
    },
    /// The order was decided and refused (sold out, not live, limit reached, ...).
    #[error(transparent)]
    Rejected(#[from] OrderRejection),
    /// A drop status change that the lifecycle does not allow.
    #[error(transparent)]
    IllegalTransition(#[from] IllegalTransition),
    /// A drop can only be edited while it is scheduled.
    #[error("drop is {status} and can no longer be edited")]
    DropNotEditable {
        /// The drop's status at the time of the edit.
        status: DropStatus,
    },
    /// The idempotency key was used before with a different request.
    #[error("idempotency key was already used with a different request")]
    IdempotencyMismatch,
    /// The first request with this idempotency key has not finished yet.
    #[error("a request with this idempotency key is still being processed")]
    IdempotencyInFlight,
    /// Credentials or a refresh token were refused (`401`): sign in again.
    #[error(transparent)]
    SignIn(#[from] SignInRefusal),
    /// The caller is known but not allowed to do this.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// A quota on something that costs storage or work is spent for now (`429`).
    #[error("quota exceeded: {what}; try again in {} s", retry_after.as_secs().max(1))]
    QuotaExceeded {
        /// What the quota bounds, for the message (`upload URLs of this product`).
        what: &'static str,
        /// How long until the quota allows one more.
        retry_after: std::time::Duration,
    },
    /// A backend could not be reached or timed out; retrying later may succeed.
    #[error("{backend} is unavailable")]
    Unavailable {
        /// Which backend (`"postgres"`, `"redis"`, ...).
        backend: &'static str,
        /// The driver's error, for logs.
        #[source]
        source: BoxError,
    },
    /// A backend answered something that should be impossible; a bug, not a retry case.
    #[error("internal error in {backend}")]
    Internal {
        /// Which backend.
        backend: &'static str,
        /// The cause, for logs.
        #[source]
        source: BoxError,
    },
}

/// The source of an [`Error::Unavailable`] that a circuit breaker answered without calling
/// its backend, which it found gone moments before. The outage was logged once, when the
/// circuit opened; the refusals it causes need not each be.
#[derive(Debug, thiserror::Error)]
#[error("refused at once: {backend} did not answer recently")]
pub struct CircuitOpen {
    /// Which backend.
    pub backend: &'static str,
}

impl Error {
    /// An [`Error::Unavailable`] answered by `backend`'s open circuit breaker.
    pub fn circuit_open(backend: &'static str) -> Self {
        Error::unavailable(backend, CircuitOpen { backend })
    }

    /// Whether this is a refusal by an open circuit breaker ([`CircuitOpen`]).
    pub fn is_circuit_open(&self) -> bool {
        matches!(self, Error::Unavailable { source, .. } if source.is::<CircuitOpen>())
    }

    /// A [`Error::NotFound`] for `entity` with key `id`.
    pub fn not_found(entity: Entity, id: impl fmt::Display) -> Self {
        Error::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    /// A [`Error::AlreadyExists`] for `entity` with key `key`.
    pub fn already_exists(entity: Entity, key: impl fmt::Display) -> Self {
        Error::AlreadyExists {
            entity,
            key: key.to_string(),
        }
    }

    /// A retryable [`Error::Unavailable`] from `backend`.
    pub fn unavailable(backend: &'static str, source: impl Into<BoxError>) -> Self {
        Error::Unavailable {
            backend,
            source: source.into(),
        }
    }

    /// A non-retryable [`Error::Internal`] from `backend`.
    pub fn internal(backend: &'static str, source: impl Into<BoxError>) -> Self {
        Error::Internal {
            backend,
            source: source.into(),
        }
    }

    /// The stable code clients branch on (the `code` member of problem+json bodies).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Validation(e) => e.code(),
            Error::NotFound { .. } => "not_found",
            Error::AlreadyExists { .. } => "already_exists",
            Error::Rejected(r) => r.code(),
            Error::IllegalTransition(_) => "illegal_transition",
            Error::DropNotEditable { .. } => "drop_not_editable",
            Error::IdempotencyMismatch => "idempotency_key_reused",
            Error::IdempotencyInFlight => "idempotency_key_in_flight",
            Error::SignIn(refusal) => refusal.code(),
            Error::Forbidden(_) => "forbidden",
            Error::QuotaExceeded { .. } => "quota_exceeded",
            Error::Unavailable { .. } => "unavailable",
            Error::Internal { .. } => "internal",
        }
    }

    /// Whether the same request may succeed if retried unchanged.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::Unavailable { .. } | Error::IdempotencyInFlight)
    }
}
