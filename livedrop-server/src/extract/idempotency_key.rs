//! [`IdempotencyKeyHeader`]: the `Idempotency-Key` an order is placed under.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use livedrop_core::domain::{IdempotencyKey, ValidationError};

use crate::ApiError;

/// The request header carrying the key.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The validated `Idempotency-Key` header (the draft IETF header). Required: a missing,
/// repeated, non-text or invalid key is `400 invalid_idempotency_key`, since an order
/// without one could be bought twice by a retry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyKeyHeader(pub IdempotencyKey);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKeyHeader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let mut values = parts.headers.get_all(IDEMPOTENCY_KEY).iter();
        let invalid = |reason| ValidationError::InvalidIdempotencyKey { reason };
        let value = values
            .next()
            .ok_or(invalid("is missing (send an Idempotency-Key header)"))?;
        if values.next().is_some() {
            return Err(invalid("is sent more than once").into());
        }
        let text = value
            .to_str()
            .map_err(|_| invalid("is not visible ASCII"))?;
        Ok(Self(IdempotencyKey::try_from(text)?))
    }
}
