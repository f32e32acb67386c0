//! [`AppError`], the server's one error type, and how it becomes the contract's error body.
//!
//! Handlers return `Result<_, AppError>`. The response carries the error in its extensions and
//! an empty body; the request-id middleware (`http::middleware`) renders the JSON body
//! with the request's id, so every error body and `X-Request-Id` header agree. Internal causes
//! are logged, never sent.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use jiga::Dof;
use jiga::model::{ErrorBody, ErrorCode, ErrorDetail, ErrorDetails, FieldError};

/// The contract's request-body limit (1 MiB; over it, 413 `payload_too_large`).
pub const MAX_BODY: usize = 1024 * 1024;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400 `invalid_argument`, naming the input at fault in `details.field`.
    #[error("{message}")]
    InvalidArgument {
        /// The JSON path, header or query parameter at fault (`budget`, `Idempotency-Key`).
        field: String,
        /// What is wrong, for people.
        message: String,
    },
    /// 401 `unauthenticated`.
    #[error("{0}")]
    Unauthenticated(String),
    /// 402 `insufficient_funds`.
    #[error("wallet has {available} DOF available, {what} needs {needed}")]
    InsufficientFunds {
        /// What the operation needs.
        needed: i64,
        /// What the wallet has.
        available: i64,
        /// The operation (`hire`).
        what: &'static str,
    },
    /// 403 `forbidden`.
    #[error("{0}")]
    Forbidden(String),
    /// 404 `not_found`.
    #[error("{0}")]
    NotFound(String),
    /// 405 `method_not_allowed`.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// 409 `conflict`.
    #[error("{0}")]
    Conflict(String),
    /// 409 `idempotency_conflict`.
    #[error("{0}")]
    IdempotencyConflict(String),
    /// 413 `payload_too_large`.
    #[error("{what} is larger than the limit of {limit} bytes")]
    PayloadTooLarge {
        /// What was too large (`request body`, `command data`).
        what: &'static str,
        /// The limit in bytes.
        limit: u64,
    },
    /// 429 `rate_limited`.
    #[error("rate limit of {limit} requests per minute exceeded; retry in {} s", retry_after.as_secs())]
    RateLimited {
        /// The limit that was hit.
        limit: u32,
        /// When the window resets.
        retry_after: Duration,
    },
    /// 429 `rate_limited` for a quota or a throttle other than the per-minute limits (the
    /// failed-login window, active sessions per hirer, commands in flight).
    #[error("{message}")]
    Quota {
        /// What was refused and why, for people.
        message: String,
        /// When trying again may succeed.
        retry_after: Duration,
    },
    /// 503 `unavailable`.
    #[error("{0}")]
    Unavailable(String),
    /// 500 `internal`: the cause is logged, the client sees a generic message.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// The contract's code for this error.
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::InvalidArgument { .. } => ErrorCode::InvalidArgument,
            AppError::Unauthenticated(_) => ErrorCode::Unauthenticated,
            AppError::InsufficientFunds { .. } => ErrorCode::InsufficientFunds,
            AppError::Forbidden(_) => ErrorCode::Forbidden,
            AppError::NotFound(_) => ErrorCode::NotFound,
            AppError::MethodNotAllowed(_) => ErrorCode::MethodNotAllowed,
            AppError::Conflict(_) => ErrorCode::Conflict,
            AppError::IdempotencyConflict(_) => ErrorCode::IdempotencyConflict,
            AppError::PayloadTooLarge { .. } => ErrorCode::PayloadTooLarge,
            AppError::RateLimited { .. } | AppError::Quota { .. } => ErrorCode::RateLimited,
            AppError::Unavailable(_) => ErrorCode::Unavailable,
            AppError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The HTTP status.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code().http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The message the client sees; internals are replaced by a generic sentence.
    #[must_use]
    pub fn public_message(&self) -> String {
        match self {
            AppError::Internal(_) => {
                "internal error; the request id identifies it in the server log".into()
            }
            other => other.to_string(),
        }
    }

    /// The contract's `details` for this error (v1.1): what a program acts on.
    #[must_use]
    pub fn details(&self) -> ErrorDetails {
        match self {
            AppError::InvalidArgument { field, .. } => ErrorDetails::field(field.clone()),
            AppError::InsufficientFunds {
                needed, available, ..
            } => ErrorDetails {
                needed: Some(Dof::new(*needed)),
                available: Some(Dof::new(*available)),
                ..ErrorDetails::default()
            },
            AppError::RateLimited { retry_after, .. } | AppError::Quota { retry_after, .. } => {
                ErrorDetails {
                    retry_after: Some(retry_after_secs(*retry_after)),
                    ..ErrorDetails::default()
                }
            }
            AppError::PayloadTooLarge { limit, .. } => ErrorDetails {
                limit: Some(*limit),
                ..ErrorDetails::default()
            },
            _ => ErrorDetails::default(),
        }
    }

    /// The serialized error body for `request_id`.
    #[must_use]
    pub fn body(&self, request_id: &str) -> Vec<u8> {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.public_message(),
                request_id: request_id.to_owned(),
                details: self.details(),
            },
        };
        serde_json::to_vec(&body).unwrap_or_default()
    }

    /// A 400 `invalid_argument` naming `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::InvalidArgument {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A 413 for a request body over the contract's 1 MiB.
    #[must_use]
    pub fn body_too_large() -> Self {
        AppError::PayloadTooLarge {
            what: "request body",
            limit: MAX_BODY as u64,
        }
    }

    /// A 404 for a resource kind and id, quoting the id.
    pub fn not_found(kind: &str, id: &str) -> Self {
        AppError::NotFound(format!("no {kind} '{id}'"))
    }

    /// Wraps any internal failure, logging it.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        AppError::Internal(cause.to_string())
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        let message = e.to_string();
        AppError::InvalidArgument {
            field: e.field,
            message,
        }
    }
}

/// `Retry-After` in whole seconds, at least 1 (the header and `details.retryAfter` agree).
#[must_use]
pub fn retry_after_secs(d: Duration) -> u64 {
    d.as_secs().max(1)
}

/// The error carried in a response's extensions until the request-id middleware renders it.
#[derive(Clone, Debug)]
pub struct PendingError {
    /// Code.
    pub code: ErrorCode,
    /// Public message.
    pub message: String,
    /// `details`.
    pub details: ErrorDetails,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(cause) = &self {
            tracing::error!(%cause, "internal error");
        }
        let mut res = self.status().into_response();
        if let AppError::RateLimited { retry_after, .. } | AppError::Quota { retry_after, .. } =
            &self
        {
            let secs = retry_after_secs(*retry_after);
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                res.headers_mut().insert("retry-after", v);
            }
        }
        res.extensions_mut().insert(PendingError {
            code: self.code(),
            message: self.public_message(),
            details: self.details(),
        });
        res
    }
}

/// The result of a handler.
pub type AppResult<T> = Result<T, AppError>;
