//! `JigaError`: the core's flat `ErrorKind` as a uniffi error enum, one variant per kind, each
//! carrying the error's fields. Kotlin sees `JigaException.NotFound(…)` and friends (sealed
//! under `JigaException`), Swift `JigaError.notFound(…)`.

/// Every error of the SDK: one variant per kind, each with the same fields — the message,
/// the server's `code`, the HTTP `status` and `requestId` (absent for errors the client
/// raised itself) and the contract's `details` (`field`, `needed`, `available`,
/// `retryAfterMs`, `limit`; each present only on the kinds that have it).
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[non_exhaustive]
pub enum JigaError {
    /// Input refused, by the server (400) or by the client before sending; see `field`.
    #[error("{error_message}")]
    InvalidArgument {
        /// What is wrong.
        error_message: String,
        /// The contract's error code.
        code: Option<String>,
        /// The HTTP status.
        status: Option<u16>,
        /// The server's request id.
        request_id: Option<String>,
        /// `details.field`.
        field: Option<String>,
        /// `details.needed`.
        needed: Option<i64>,
        /// `details.available`.
        available: Option<i64>,
        /// `Retry-After` in milliseconds.
        retry_after_ms: Option<u64>,
        /// `details.limit`, bytes.
        limit: Option<u64>,
    },
    /// 401: sign in again.
    #[error("{error_message}")]
    Unauthenticated {
        /// The message.
        error_message: String,
        /// The contract's error code.
        code: Option<String>,
        /// The HTTP status.
        status: Option<u16>,
        /// The server's request id.
        request_id: Option<String>,
        /// `details.field`.
        field: Option<String>,
        /// `details.needed`.
        needed: Option<i64>,
        /// `details.available`.
        available: Option<i64>,
        /// `Retry-After` in milliseconds.
        retry_after_ms: Option<u64>,
        /// `details.limit`, bytes.
        limit: Option<u64>,
    },
    /// 402: see `needed` and `available`.
    #[error("{error_message}")]
    InsufficientFunds {
        /// The message.
        error_message: String,
        /// The contract's error code.
        code: Option<String>,
        /// The HTTP status.
        status: Option<u16>,
        /// The server's request id.
        request_id: Option<String>,
        /// `details.field`.
        field: Option<String>,
        /// `details.needed`.
        needed: Option<i64>,
        /// `details.available`.
        available: Option<i64>,
        /// `Retry-After` in milliseconds.
        retry_after_ms: Option<u64>,
        /// `details.limit`, bytes.
        limit: Option<u64>,
    },
    /// 403.
    #[error("{error_message}")]
    Forbidden {
        /// The message.
        error_message: String,
        /// The contract's error code.
        code: Option<String>,
        /// The HTTP status.
        status: Option<u16>,
        /// The server's request id.
        request_id: Option<String>,
        /// `details.field`.
        field: Option<String>,
        /// `details.needed`.
        needed: Option<i64>,
        /// `details.available`.
        available: Option<i64>,
        /// `Retry-After` in milliseconds.
        retry_after_ms: Option<u64>,
        /// `details.limit`, bytes.
        limit: Option<u64>,
    },
    /// 404.
    #[error("{error_message}")]
    NotFound {
        /// The message.
        error_message: String,
        /// The contract's error code.
        code: Option<String>,
        /// The HTTP status.
        status: Option<u16>,
        /// The server's request id.
        request_id: Option<String>,
        /// `details.field`.
        field: Option<String>,
        /// `details.needed`.
        needed: Option<i64>,
        /// `details.available`.
        available: Option<i64>,
        /// `Retry-After` in milliseconds.
        retry_after_ms: Option<u64>,
        /// `details.limit`, bytes.
        limit: Option<u64>,
    },
    /// 409 `conflict`.
    #[error("{error_message}")]
    Conflict {
        /// The message.
        error_message: String,
        /// The contract's error code.
        code: Option<String>,
        /// The HTTP status.
        status: Option<u16>,
        /// The server's request id.
        request_id: Option<String>,
        /// `details.field`.
        field: Option<String>,
        /// `details.needed`.
        needed: Option<i64>,
        /// `details.available`.
        available: Option<i64>,
        /// `Retry-After` in milliseconds.
        retry_after_ms: Option<u64>,
        /// `details.limit`, bytes.
        limit: Option<u64>,
    },
    /// 409 `idempotency_conflict`.
    #[error("{error_message}")]
    IdempotencyConflict {
        /// The message.
        error_message: String,
        /// The contract's error code.
        code: Option<String>,
        /// The HTTP status.
        status: Option<u16>,
        /// The server's request id.
        request_id: Option<String>,
        /// `details.field`.
        field: Option<String>,
        /// `details.needed`.
        needed: Option<i64>,
        /// `details.available`.
        available: Option<i64>,
        /// `Retry-After` in milliseconds.
        retry_after_ms: Option<u64>,
        /// `details.limit`, bytes.
        limit: Option<u64>,
    },
    /// 429 after the retries; see `retryAfterMs`.
    #[error("{error_message}")]
    RateLimited {
        /// The message.
        error_message: String,
        /// The contract's error code.
        code: Option<String>,
        /// The HTTP status.
        status: Option<u16>,
        /// The server's request id.
        request_id: Option<String>,
        /// `details.field`.
        field: Option<String>,
        /// `details.needed`.
        needed: Option<i64>,
        /// `details.available`.
        available: Option<i64>,
        /// `Retry-After` in milliseconds.
        retry_after_ms: Option<u64>,
        /// `details.limit`, bytes.
        limit: Option<u64>,
    },
    /// 413; see `limit`.
    #[error("{error_message}")]
    PayloadTooLarge {
        /// The message.
        error_message: String,
        /// The contract's error code.
        code: Option<String>,
        /// The HTTP status.
        status: Option<u16>,
        /// The server's request id.
        request_id: Option<String>,
        /// `details.field`.
        field: Option<String>,
        /// `details.needed`.
        needed: Option<i64>,
        /// `details.available`.
        available: Option<i64>,
        /// `Retry-After` in milliseconds.
        retry_after_ms: Option<u64>,
        /// `details.limit`, bytes.
        limit: Option<u64>,
    },
    /// Any other answer of the server (405, 5xx, unknown codes).
    #[error("{error_message}")]
    Server {
        /// The message.
        error_message: String,
        /// The contract's error code.
        code: Option<String>,
        /// The HTTP status.
        status: Option<u16>,
        /// The server's request id.
        request_id: Option<String>,
        /// `details.field`.
        field: Option<String>,
        /// `details.needed`.
        needed: Option<i64>,
        /// `details.available`.
        available: Option<i64>,
        /// `Retry-After` in milliseconds.
        retry_after_ms: Option<u64>,
        /// `details.limit`, bytes.
        limit: Option<u64>,
    },
    /// The request could not be sent or its answer not read.
    #[error("{error_message}")]
    Transport {
        /// The message.
        error_message: String,
        /// The contract's error code.
        code: Option<String>,
        /// The HTTP status.
        status: Option<u16>,
        /// The server's request id.
        request_id: Option<String>,
        /// `details.field`.
        field: Option<String>,
        /// `details.needed`.
        needed: Option<i64>,
        /// `details.available`.
        available: Option<i64>,
        /// `Retry-After` in milliseconds.
        retry_after_ms: Option<u64>,
        /// `details.limit`, bytes.
        limit: Option<u64>,
    },
    /// A call or connection timed out.
    #[error("{error_message}")]
    Timeout {
        /// The message.
        error_message: String,
        /// The contract's error code.
        code: Option<String>,
        /// The HTTP status.
        status: Option<u16>,
        /// The server's request id.
        request_id: Option<String>,
        /// `details.field`.
        field: Option<String>,
        /// `details.needed`.
        needed: Option<i64>,
        /// `details.available`.
        available: Option<i64>,
        /// `Retry-After` in milliseconds.
        retry_after_ms: Option<u64>,
        /// `details.limit`, bytes.
        limit: Option<u64>,
    },
    /// An answer or frame that is not the contract's.
    #[error("{error_message}")]
    Decode {
        /// The message.
        error_message: String,
        /// The contract's error code.
        code: Option<String>,
        /// The HTTP status.
        status: Option<u16>,
        /// The server's request id.
        request_id: Option<String>,
        /// `details.field`.
        field: Option<String>,
        /// `details.needed`.
        needed: Option<i64>,
        /// `details.available`.
        available: Option<i64>,
        /// `Retry-After` in milliseconds.
        retry_after_ms: Option<u64>,
        /// `details.limit`, bytes.
        limit: Option<u64>,
    },
    /// A session stream broke its contract (a gap in `seq`).
    #[error("{error_message}")]
    SessionMismatch {
        /// The message.
        error_message: String,
        /// The contract's error code.
        code: Option<String>,
        /// The HTTP status.
        status: Option<u16>,
        /// The server's request id.
        request_id: Option<String>,
        /// `details.field`.
        field: Option<String>,
        /// `details.needed`.
        needed: Option<i64>,
        /// `details.available`.
        available: Option<i64>,
        /// `Retry-After` in milliseconds.
        retry_after_ms: Option<u64>,
        /// `details.limit`, bytes.
        limit: Option<u64>,
    },
    /// The DOF counted does not match the settlement.
    #[error("{error_message}")]
    Reconciliation {
        /// The message.
        error_message: String,
        /// The contract's error code.
        code: Option<String>,
        /// The HTTP status.
        status: Option<u16>,
        /// The server's request id.
        request_id: Option<String>,
        /// `details.field`.
        field: Option<String>,
        /// `details.needed`.
        needed: Option<i64>,
        /// `details.available`.
        available: Option<i64>,
        /// `Retry-After` in milliseconds.
        retry_after_ms: Option<u64>,
        /// `details.limit`, bytes.
        limit: Option<u64>,
    },
    /// The stream or client was closed first (or the call was stopped).
    #[error("{error_message}")]
    Closed {
        /// The message.
        error_message: String,
        /// The contract's error code.
        code: Option<String>,
        /// The HTTP status.
        status: Option<u16>,
        /// The server's request id.
        request_id: Option<String>,
        /// `details.field`.
        field: Option<String>,
        /// `details.needed`.
        needed: Option<i64>,
        /// `details.available`.
        available: Option<i64>,
        /// `Retry-After` in milliseconds.
        retry_after_ms: Option<u64>,
        /// `details.limit`, bytes.
        limit: Option<u64>,
    },
}

/// The fields every variant carries, in one place (what `JigaError::info` returns).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ErrorInfo {
    /// The kind in `snake_case` (`insufficient_funds`), as every binding spells it.
    pub kind: String,
    /// The message.
    pub message: String,
    /// The contract's error code (`None` for errors the client raised itself).
    pub code: Option<String>,
    /// The HTTP status (`None` for errors the client raised itself).
    pub status: Option<u16>,
    /// The server's request id.
    pub request_id: Option<String>,
    /// `details.field` of an `invalid_argument`.
    pub field: Option<String>,
    /// `details.needed` of an `insufficient_funds`.
    pub needed: Option<i64>,
    /// `details.available` of an `insufficient_funds`.
    pub available: Option<i64>,
    /// The server's `Retry-After` of a `rate_limited`, in milliseconds.
    pub retry_after_ms: Option<u64>,
    /// `details.limit` of a `payload_too_large`, bytes.
    pub limit: Option<u64>,
}

/// Builds the variant `$v` from an `ErrorInfo`, and reads one back.
macro_rules! variants {
    ($($kind:ident => $v:ident),* $(,)?) => {
        fn build(kind: jiga::ErrorKind, i: ErrorInfo) -> JigaError {
            let ErrorInfo { message, code, status, request_id, field, needed, available, retry_after_ms, limit, .. } = i;
            match kind {
                $(jiga::ErrorKind::$kind => JigaError::$v {
                    error_message: message, code, status, request_id, field, needed, available, retry_after_ms, limit,
                },)*
                // A kind added to the core later is a server-side failure until mapped.
                _ => JigaError::Server {
                    error_message: message, code, status, request_id, field, needed, available, retry_after_ms, limit,
                },
            }
        }

        impl JigaError {
            fn parts(&self) -> (jiga::ErrorKind, ErrorInfo) {
                match self {
                    $(JigaError::$v { error_message, code, status, request_id, field, needed, available, retry_after_ms, limit } => (
                        jiga::ErrorKind::$kind,
                        ErrorInfo {
                            kind: jiga::ErrorKind::$kind.as_str().to_owned(),
                            message: error_message.clone(),
                            code: code.clone(),
                            status: *status,
                            request_id: request_id.clone(),
                            field: field.clone(),
                            needed: *needed,
                            available: *available,
                            retry_after_ms: *retry_after_ms,
                            limit: *limit,
                        },
                    ),)*
                }
            }
        }
    };
}

variants! {
    InvalidArgument => InvalidArgument,
    Unauthenticated => Unauthenticated,
    InsufficientFunds => InsufficientFunds,
    Forbidden => Forbidden,
    NotFound => NotFound,
    Conflict => Conflict,
    IdempotencyConflict => IdempotencyConflict,
    RateLimited => RateLimited,
    PayloadTooLarge => PayloadTooLarge,
    Server => Server,
    Transport => Transport,
    Timeout => Timeout,
    Decode => Decode,
    SessionMismatch => SessionMismatch,
    Reconciliation => Reconciliation,
    Closed => Closed,
}

impl From<&jiga::Error> for JigaError {
    fn from(e: &jiga::Error) -> Self {
        build(e.kind(), info_of(e))
    }
}

impl From<jiga::Error> for JigaError {
    fn from(e: jiga::Error) -> Self {
        JigaError::from(&e)
    }
}

/// The fields of a core error.
pub(crate) fn info_of(e: &jiga::Error) -> ErrorInfo {
    ErrorInfo {
        kind: e.kind().as_str().to_owned(),
        message: e.message(),
        code: e.code().map(|c| c.as_str().to_owned()),
        status: e.status(),
        request_id: e.request_id().map(str::to_owned),
        field: e.field().map(str::to_owned),
        needed: e.needed().map(jiga::Dof::get),
        available: e.available().map(jiga::Dof::get),
        retry_after_ms: e
            .retry_after()
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        limit: e.limit(),
    }
}

impl JigaError {
    /// A `Closed` error of the binding itself (a call stopped with its runtime).
    pub(crate) fn closed(message: &str) -> Self {
        build(
            jiga::ErrorKind::Closed,
            ErrorInfo {
                kind: jiga::ErrorKind::Closed.as_str().to_owned(),
                message: message.to_owned(),
                code: None,
                status: None,
                request_id: None,
                field: None,
                needed: None,
                available: None,
                retry_after_ms: None,
                limit: None,
            },
        )
    }

    /// The error's kind.
    #[must_use]
    pub fn kind(&self) -> jiga::ErrorKind {
        self.parts().0
    }
}

/// The fields of any `JigaError` in one record, for code that handles every kind alike
/// (Kotlin: `e.info()`, where `e` is any `JigaException`).
#[uniffi::export]
impl JigaError {
    /// The error's fields, whatever its kind.
    pub fn info(&self) -> ErrorInfo {
        self.parts().1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_maps_to_its_own_variant_and_back() {
        for kind in jiga::ErrorKind::ALL {
            let e = build(
                kind,
                ErrorInfo {
                    kind: String::new(),
                    message: "m".into(),
                    code: Some("c".into()),
                    status: Some(418),
                    request_id: Some("req_1".into()),
                    field: None,
                    needed: Some(5),
                    available: None,
                    retry_after_ms: None,
                    limit: None,
                },
            );
            assert_eq!(e.kind(), kind);
            let i = e.info();
            assert_eq!(i.kind, kind.as_str());
            assert_eq!(
                (i.status, i.needed, i.request_id.as_deref()),
                (Some(418), Some(5), Some("req_1"))
            );
        }
    }

    #[test]
    fn a_core_error_keeps_its_details() {
        let core = jiga::Error::InsufficientFunds {
            needed: Some(jiga::Dof::new(100)),
            available: Some(jiga::Dof::new(7)),
            message: "not enough".into(),
            request_id: Some("req_9".into()),
        };
        let e = JigaError::from(&core);
        assert!(matches!(e, JigaError::InsufficientFunds { .. }));
        let i = e.info();
        assert_eq!(i.code.as_deref(), Some("insufficient_funds"));
        assert_eq!(i.status, Some(402));
        assert_eq!((i.needed, i.available), (Some(100), Some(7)));
        assert_eq!(i.message, "not enough");
    }
}
