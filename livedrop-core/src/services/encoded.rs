//! [`Encoded`]: a value's JSON, as the cache holds it.

use std::fmt;
use std::marker::PhantomData;

/// The JSON encoding of a `T` (its `serde` form, the one the API answers with), straight
/// from the cache: a hit is handed on without being decoded and encoded again, which was
/// the largest share of a cached read's own work.
pub struct Encoded<T> {
    json: Vec<u8>,
    of: PhantomData<fn() -> T>,
}

impl<T> Encoded<T> {
    /// `json`, which must be the encoding of a `T`.
    pub(crate) fn new(json: Vec<u8>) -> Self {
        Self {
            json,
            of: PhantomData,
        }
    }

    /// The JSON bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.json
    }
}

impl<T> fmt::Debug for Encoded<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Encoded<{}>({} bytes)",
            std::any::type_name::<T>(),
            self.json.len()
        )
    }
}
