//! How storage's errors reach the client: each [`DbError`] as the contract's [`AppError`], and
//! which of a handler's errors are final answers that an idempotency key keeps.

use axum::http::StatusCode;

use crate::db::DbError;
use crate::db::idempotency::{FinalAnswer, StoredResponse};
use crate::error::AppError;

/// Storage's errors as the contract has them: refusals keep their code and message, storage
/// that cannot take the operation is 503, everything else is an internal error (logged, never
/// sent).
impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        let message = e.to_string();
        match e {
            DbError::NotFound { .. } => AppError::NotFound(message),
            DbError::NotOwner { .. } => AppError::Forbidden(message),
            DbError::EmailTaken { .. }
            | DbError::AlreadyPublished { .. }
            | DbError::NotPublished { .. }
            | DbError::AlreadyReviewed { .. }
            | DbError::AlreadyEnded { .. } => AppError::Conflict(message),
            DbError::InsufficientFunds {
                needed,
                available,
                what,
            } => AppError::InsufficientFunds {
                needed,
                available,
                what,
            },
            DbError::IdempotencyConflict { .. } => AppError::IdempotencyConflict(message),
            DbError::BadUrl { .. } => AppError::invalid("--db", message),
            DbError::Unavailable(_) => AppError::Unavailable(message),
            DbError::OverBudget(_) | DbError::Sqlite(_) | DbError::Internal(_) => {
                AppError::Internal(message)
            }
        }
    }
}

/// Final answers are the 4xx refusals, except 429 (a limit that lifts) — the contract's
/// Idempotency section; a 5xx means nothing was applied and the key may be retried.
impl FinalAnswer for AppError {
    fn final_answer(&self, request_id: &str) -> Option<StoredResponse> {
        let status = self.status();
        (status.is_client_error() && status != StatusCode::TOO_MANY_REQUESTS).then(|| {
            StoredResponse {
                status: status.as_u16(),
                body: self.body(request_id),
            }
        })
    }
}

/// Handlers that run SQL of their own inside a storage job fail as storage does.
impl From<rusqlite::Error> for AppError {
    fn from(e: rusqlite::Error) -> Self {
        DbError::from(e).into()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use jiga::model::ErrorCode;

    use super::*;

    #[test]
    fn storage_refusals_keep_their_contract_code_and_failures_say_nothing() {
        let code = |e: DbError| AppError::from(e).code();
        assert_eq!(
            code(DbError::AlreadyEnded {
                session_id: "s".into()
            }),
            ErrorCode::Conflict
        );
        assert_eq!(
            code(DbError::NotOwner {
                kind: "agent",
                id: "a".into()
            }),
            ErrorCode::Forbidden
        );
        assert_eq!(
            code(DbError::InsufficientFunds {
                needed: 5,
                available: 1,
                what: "hire"
            }),
            ErrorCode::InsufficientFunds
        );
        assert_eq!(code(DbError::Unavailable("busy")), ErrorCode::Unavailable);
        let internal = AppError::from(DbError::internal("row 7 is unreadable"));
        assert_eq!(internal.code(), ErrorCode::Internal);
        assert!(!internal.public_message().contains("row 7"));
    }

    #[test]
    fn only_4xx_refusals_other_than_429_are_final_answers() {
        let refusal = AppError::Conflict("already ended".into());
        let stored = refusal.final_answer("req_1").expect("a 409 is final");
        assert_eq!(stored.status, 409);
        assert!(String::from_utf8_lossy(&stored.body).contains("req_1"));
        let limited = AppError::Quota {
            message: "later".into(),
            retry_after: Duration::from_secs(1),
        };
        assert!(limited.final_answer("r").is_none());
        assert!(
            AppError::Unavailable("retry".into())
                .final_answer("r")
                .is_none()
        );
    }
}
