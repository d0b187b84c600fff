//! Why a batch's transaction failed: shared by the unit that runs the transaction (and
//! reruns it on [`BatchError::KeyTaken`]) and the statement that writes it (where a taken
//! key shows up as a unique violation).

use livedrop_core::Error;

use crate::postgres::db_error;

/// Why a batch's transaction failed.
pub(super) enum BatchError {
    /// A `(user, key)` pair of the batch already has an order: rerun with the check.
    KeyTaken,
    Db(sqlx::Error),
    Core(Error),
}

impl BatchError {
    pub(super) fn into_core(self) -> Error {
        match self {
            BatchError::KeyTaken => Error::unavailable(
                "postgres",
                "idempotency keys kept being taken by concurrent orders; retry",
            ),
            BatchError::Db(db) => db_error(db),
            BatchError::Core(core) => core,
        }
    }
}
