//! sqlx errors as the core's typed errors.

use livedrop_core::Error;

/// SQLSTATE classes and codes the mapping looks at.
const QUERY_CANCELED: &str = "57014";
const SERIALIZATION_FAILURE: &str = "40001";
const DEADLOCK_DETECTED: &str = "40P01";
const LOCK_NOT_AVAILABLE: &str = "55P03";
const ADMIN_SHUTDOWN: &str = "57P01";
const CANNOT_CONNECT_NOW: &str = "57P03";

/// Maps a sqlx error: anything that says "the database is not there or not now"
/// (connection, pool timeout, statement timeout, serialization failure, deadlock) is a
/// retryable `Unavailable`; the rest is `Internal` (the cause is logged, never shown).
pub(crate) fn db_error(error: sqlx::Error) -> Error {
    let transient = match &error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            [
                QUERY_CANCELED,
                SERIALIZATION_FAILURE,
                DEADLOCK_DETECTED,
                LOCK_NOT_AVAILABLE,
                ADMIN_SHUTDOWN,
                CANNOT_CONNECT_NOW,
            ]
            .contains(&code.as_ref())
        }),
        _ => false,
    };
    if transient {
        Error::unavailable("postgres", error)
    } else {
        Error::internal("postgres", error)
    }
}

/// Whether `error` is a unique violation of `constraint`.
pub(crate) fn is_unique_violation(error: &sqlx::Error, constraint: &str) -> bool {
    matches!(error, sqlx::Error::Database(db)
        if db.is_unique_violation() && db.constraint() == Some(constraint))
}
