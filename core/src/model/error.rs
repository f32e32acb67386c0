use serde::{Deserialize, Serialize};

use crate::Dof;

/// The body of every non-2xx response: `{"error": {code, message, requestId, details?}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// The error itself.
    pub error: ErrorDetail,
}

/// What went wrong, in the error body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Machine-readable code (see [`ErrorCode`]).
    pub code: ErrorCode,
    /// Human-readable, specific message.
    pub message: String,
    /// The request's id, also sent as the `X-Request-Id` header.
    pub request_id: String,
    /// What a program acts on (contract v1.1), so no client parses `message`; absent for
    /// codes that carry nothing.
    #[serde(default, skip_serializing_if = "ErrorDetails::is_empty")]
    pub details: ErrorDetails,
}

/// The `details` of an error body: which member is set depends on the code.
///
/// | code | member |
/// |---|---|
/// | `invalid_argument` | `field`: the JSON path, header or query parameter at fault |
/// | `insufficient_funds` | `needed`, `available` |
/// | `rate_limited` | `retryAfter` (seconds, as the header) |
/// | `payload_too_large` | `limit` (bytes) |
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetails {
    /// `invalid_argument`: the offending input's name (`budget`, `pricing.perMinute`, `q`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// `insufficient_funds`: what the operation needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needed: Option<Dof>,
    /// `insufficient_funds`: what the wallet has available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<Dof>,
    /// `rate_limited`: seconds until a retry may succeed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// `payload_too_large`: the size limit in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
}

impl ErrorDetails {
    /// True when no member is set (the body then has no `details`).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == ErrorDetails::default()
    }

    /// `{field}`.
    #[must_use]
    pub fn field(field: impl Into<String>) -> Self {
        ErrorDetails {
            field: Some(field.into()),
            ..ErrorDetails::default()
        }
    }
}

/// The contract's error codes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub enum ErrorCode {
    /// 400: malformed or out-of-range input.
    InvalidArgument,
    /// 401: no token, bad signature, expired or revoked.
    Unauthenticated,
    /// 402: available balance below what the operation needs.
    InsufficientFunds,
    /// 403: authenticated but not allowed.
    Forbidden,
    /// 404: no such resource, or not visible to the caller.
    NotFound,
    /// 409: state conflict.
    Conflict,
    /// 409: an `Idempotency-Key` reused with a different request.
    IdempotencyConflict,
    /// 405: a known path with a method it does not take.
    MethodNotAllowed,
    /// 413: body over 1 MiB.
    PayloadTooLarge,
    /// 429: over the rate limit.
    RateLimited,
    /// 500: a server bug.
    Internal,
    /// 503: storage not ready.
    Unavailable,
    /// A code this version of the SDK does not know.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The HTTP status the contract pairs with this code.
    #[must_use]
    pub fn http_status(&self) -> u16 {
        match self {
            ErrorCode::InvalidArgument => 400,
            ErrorCode::Unauthenticated => 401,
            ErrorCode::InsufficientFunds => 402,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::Conflict | ErrorCode::IdempotencyConflict => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal | ErrorCode::Unknown => 500,
            ErrorCode::Unavailable => 503,
        }
    }

    /// The code as written on the wire.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            ErrorCode::InvalidArgument => "invalid_argument",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::InsufficientFunds => "insufficient_funds",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::IdempotencyConflict => "idempotency_conflict",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Internal => "internal",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Unknown => "unknown",
        }
    }
}
