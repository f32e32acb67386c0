//! [`DbError`], what storage fails with. It names no HTTP status or web type: the HTTP layer
//! maps each variant to the contract's error (`impl From<DbError> for AppError`).

use crate::domain::session::OverBudget;

/// Everything a storage operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No such row.
    #[error("no {kind} '{id}'")]
    NotFound {
        /// What was looked for (`agent`, `user`).
        kind: &'static str,
        /// Its id, as given.
        id: String,
    },
    /// The row exists but another user owns it.
    #[error("{kind} '{id}' belongs to another user")]
    NotOwner {
        /// What was asked for (`agent`).
        kind: &'static str,
        /// Its id.
        id: String,
    },
    /// An email already registered (compared in lower case).
    #[error("email '{email}' is already registered")]
    EmailTaken {
        /// The email, lower-cased.
        email: String,
    },
    /// Publishing a published agent.
    #[error("agent '{id}' is already published")]
    AlreadyPublished {
        /// The agent.
        id: String,
    },
    /// Unpublishing an agent that is not published.
    #[error("agent '{id}' is not published")]
    NotPublished {
        /// The agent.
        id: String,
    },
    /// A second review of one session.
    #[error("session '{session_id}' already has a review")]
    AlreadyReviewed {
        /// The session.
        session_id: String,
    },
    /// Ending an ended session.
    #[error("session '{session_id}' has already ended")]
    AlreadyEnded {
        /// The session.
        session_id: String,
    },
    /// A posting that would take a user's balance below zero.
    #[error("wallet has {available} DOF available, {what} needs {needed}")]
    InsufficientFunds {
        /// What the operation needs.
        needed: i64,
        /// What the account holds.
        available: i64,
        /// The operation (`hire`, `posting`).
        what: &'static str,
    },
    /// An idempotency key already answered for another request.
    #[error("Idempotency-Key '{key}' was already used with a different request")]
    IdempotencyConflict {
        /// The key.
        key: String,
    },
    /// A database URL this build cannot open.
    #[error("database url '{url}' {why}")]
    BadUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// Storage cannot take the operation now; nothing was applied, and a retry may succeed
    /// (busy, the writer stopped, a commit failed, shutting down).
    #[error("{0}")]
    Unavailable(&'static str),
    /// A session that consumed more than its budget: a broken invariant.
    #[error(transparent)]
    OverBudget(#[from] OverBudget),
    /// SQLite failed.
    #[error("database: {0}")]
    Sqlite(rusqlite::Error),
    /// A broken invariant, unreadable stored data, or a thread or file that could not be made.
    #[error("{0}")]
    Internal(String),
}

/// The result of a storage operation.
pub type DbResult<T> = Result<T, DbError>;

impl DbError {
    /// A broken invariant or another failure the caller cannot act on.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        DbError::Internal(cause.to_string())
    }
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        match &e {
            rusqlite::Error::SqliteFailure(f, _)
                if matches!(
                    f.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) =>
            {
                DbError::Unavailable("storage is busy; retry")
            }
            _ => DbError::Sqlite(e),
        }
    }
}
