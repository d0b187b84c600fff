//! Every way input can break a domain rule, each with a stable code.

/// A domain rule that input broke. Constructors return it instead of panicking.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// A required text field is empty (after trimming).
    #[error("{field} must not be empty")]
    EmptyText {
        /// The field's wire name.
        field: &'static str,
    },
    /// A text field is longer than allowed (in characters).
    #[error("{field} must be at most {max} characters")]
    TextTooLong {
        /// The field's wire name.
        field: &'static str,
        /// The maximum length in characters.
        max: usize,
    },
    /// A text field holds control characters.
    #[error("{field} must not contain control characters")]
    ControlCharacters {
        /// The field's wire name.
        field: &'static str,
    },
    /// A name or title holds invisible or text-direction characters (U+202E, U+200B, ...),
    /// which would let it pass for another one.
    #[error("{field} must not contain invisible or text-direction characters")]
    InvisibleCharacters {
        /// The field's wire name.
        field: &'static str,
    },
    /// A creator handle breaks the handle rules.
    #[error("handle {reason}")]
    InvalidHandle {
        /// Which rule it broke.
        reason: &'static str,
    },
    /// Not a valid email address (or not in ASCII: see [`Email`](super::Email)).
    #[error("email is not a valid address")]
    InvalidEmail,
    /// Prices are never negative.
    #[error("price must be zero or more cents")]
    NegativePrice,
    /// Not an ISO 4217 currency code.
    #[error("currency {code:?} is not an ISO 4217 code")]
    UnknownCurrency {
        /// What was given.
        code: String,
    },
    /// A drop's window must open before it closes.
    #[error("startAt must be before endAt")]
    StartNotBeforeEnd,
    /// A drop starts with at least one unit.
    #[error("initial stock must be greater than zero")]
    InitialStockNotPositive,
    /// The low-stock threshold must lie within the drop's stock.
    #[error(
        "low-stock threshold {threshold} must be between 0 and the initial stock {initial_stock}"
    )]
    LowStockThresholdOutOfRange {
        /// The threshold given.
        threshold: i64,
        /// The drop's initial stock.
        initial_stock: i64,
    },
    /// A per-user purchase limit is at least one unit.
    #[error("maxPerUser must be at least 1")]
    MaxPerUserNotPositive,
    /// An order quantity is outside 1..=max.
    #[error("quantity {qty} must be between 1 and {max}")]
    QuantityOutOfRange {
        /// The quantity given.
        qty: i64,
        /// The per-order maximum.
        max: u32,
    },
    /// An Idempotency-Key header value breaks the key rules.
    #[error("idempotency key {reason}")]
    InvalidIdempotencyKey {
        /// Which rule it broke.
        reason: &'static str,
    },
    /// An id is not a UUID.
    #[error("{kind} is not a valid UUID")]
    InvalidId {
        /// Which kind of id.
        kind: &'static str,
    },
    /// Not one of the drop statuses.
    #[error("{value:?} is not a drop status")]
    UnknownDropStatus {
        /// What was given.
        value: String,
    },
    /// A pagination cursor was not produced by this server.
    #[error("cursor is malformed")]
    InvalidCursor,
    /// A page size outside 1..=max.
    #[error("limit must be between 1 and {max}")]
    InvalidLimit {
        /// The largest page size.
        max: u16,
    },
    /// A password outside the length policy (in characters).
    #[error("password must be between {min} and {max} characters")]
    PasswordLength {
        /// The shortest accepted.
        min: usize,
        /// The longest accepted.
        max: usize,
    },
    /// A new password that would be guessed quickly (common, a pattern, or the user's own
    /// name or email).
    #[error(
        "password is too easy to guess: avoid common passwords, patterns, and your name or email; a few random words make a strong one"
    )]
    WeakPassword,
    /// An upload content type that media does not accept.
    #[error("content type {content_type:?} is not an accepted image type")]
    UnsupportedMediaType {
        /// What was given.
        content_type: String,
    },
    /// An image key that is not an upload URL's key for this product.
    #[error("{key:?} is not an image key of this product")]
    ImageNotOfProduct {
        /// What was given.
        key: String,
    },
    /// More images than a product may show.
    #[error("a product has at most {max} images")]
    TooManyImages {
        /// The most accepted.
        max: usize,
    },
}

impl ValidationError {
    /// The stable code clients branch on.
    pub fn code(&self) -> &'static str {
        match self {
            ValidationError::EmptyText { .. } => "empty_text",
            ValidationError::TextTooLong { .. } => "text_too_long",
            ValidationError::ControlCharacters { .. } => "control_characters",
            ValidationError::InvisibleCharacters { .. } => "invisible_characters",
            ValidationError::InvalidHandle { .. } => "invalid_handle",
            ValidationError::InvalidEmail => "invalid_email",
            ValidationError::NegativePrice => "negative_price",
            ValidationError::UnknownCurrency { .. } => "unknown_currency",
            ValidationError::StartNotBeforeEnd => "start_not_before_end",
            ValidationError::InitialStockNotPositive => "initial_stock_not_positive",
            ValidationError::LowStockThresholdOutOfRange { .. } => {
                "low_stock_threshold_out_of_range"
            }
            ValidationError::MaxPerUserNotPositive => "max_per_user_not_positive",
            ValidationError::QuantityOutOfRange { .. } => "quantity_out_of_range",
            ValidationError::InvalidIdempotencyKey { .. } => "invalid_idempotency_key",
            ValidationError::InvalidId { .. } => "invalid_id",
            ValidationError::UnknownDropStatus { .. } => "unknown_drop_status",
            ValidationError::InvalidCursor => "invalid_cursor",
            ValidationError::InvalidLimit { .. } => "invalid_limit",
            ValidationError::PasswordLength { .. } => "invalid_password",
            ValidationError::WeakPassword => "weak_password",
            ValidationError::UnsupportedMediaType { .. } => "unsupported_media_type",
            ValidationError::ImageNotOfProduct { .. } => "image_not_of_product",
            ValidationError::TooManyImages { .. } => "too_many_images",
        }
    }
}
