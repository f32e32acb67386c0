//! [`Error`], the one error type of the client, and how a non-2xx answer becomes one.

use std::time::Duration;

use crate::Dof;
use crate::accounting::ReconciliationError;
use crate::event::DecodeError;
use crate::model::{ErrorBody, ErrorCode, ErrorDetails, FieldError};
use crate::reconnect::{LinkLoss, StreamError};

/// A boxed error source (the transport's own error).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The result of every fallible client call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything a client call can fail with.
///
/// The variants a caller acts on are typed (`InsufficientFunds`, `RateLimited`,
/// `Unauthenticated`, ...); every variant built from a server answer keeps the server's
/// `requestId` ([`Error::request_id`]), and [`Error::status`] / [`Error::code`] give the HTTP
/// status and the contract's code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// 400 `invalid_argument`, or input refused by the client before any round trip (then
    /// `request_id` is `None`).
    #[error("invalid argument{}: {message}{}", field_suffix(field.as_deref()), rid(request_id.as_deref()))]
    InvalidArgument {
        /// The offending field as named on the wire, when known.
        field: Option<String>,
        /// What is wrong.
        message: String,
        /// The server's request id; `None` when the client refused the input itself.
        request_id: Option<String>,
    },
    /// 401 `unauthenticated`: no token, an expired one that could not be refreshed, or a
    /// revoked login. Sign in again.
    #[error("unauthenticated: {message}{}", rid(request_id.as_deref()))]
    Unauthenticated {
        /// The server's (or the client's) explanation.
        message: String,
        /// The server's request id, when the server said so.
        request_id: Option<String>,
    },
    /// 402 `insufficient_funds`: the wallet's available balance is below what the operation
    /// needs. `needed` and `available` come from the error's `details`.
    #[error("insufficient funds: {message}{}", rid(request_id.as_deref()))]
    InsufficientFunds {
        /// What the operation needs.
        needed: Option<Dof>,
        /// What the wallet has available.
        available: Option<Dof>,
        /// The server's message.
        message: String,
        /// The server's request id.
        request_id: Option<String>,
    },
    /// 403 `forbidden`: signed in but not allowed (not the owner, not the hirer).
    #[error("forbidden: {message}{}", rid(request_id.as_deref()))]
    Forbidden {
        /// The server's message.
        message: String,
        /// The server's request id.
        request_id: Option<String>,
    },
    /// 404 `not_found`: no such resource, or not visible to the caller.
    #[error("not found: {message}{}", rid(request_id.as_deref()))]
    NotFound {
        /// The server's message.
        message: String,
        /// The server's request id.
        request_id: Option<String>,
    },
    /// 409 `conflict`: the resource is not in a state that allows the operation.
    #[error("conflict: {message}{}", rid(request_id.as_deref()))]
    Conflict {
        /// The server's message.
        message: String,
        /// The server's request id.
        request_id: Option<String>,
    },
    /// 409 `idempotency_conflict`: an idempotency key reused with a different request.
    #[error("idempotency conflict: {message}{}", rid(request_id.as_deref()))]
    IdempotencyConflict {
        /// The server's message.
        message: String,
        /// The server's request id.
        request_id: Option<String>,
    },
    /// 429 `rate_limited`, after the retry policy gave up.
    #[error("rate limited{}: {message}{}", retry_suffix(*retry_after), rid(request_id.as_deref()))]
    RateLimited {
        /// The server's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
        /// The server's message.
        message: String,
        /// The server's request id.
        request_id: Option<String>,
    },
    /// 413 `payload_too_large`: a body (or a command's `data`) over the server's limit.
    #[error("payload too large{}: {message}{}", limit_suffix(*limit), rid(request_id.as_deref()))]
    PayloadTooLarge {
        /// The limit in bytes, from `details.limit`.
        limit: Option<u64>,
        /// The server's message.
        message: String,
        /// The server's request id.
        request_id: Option<String>,
    },
    /// Any other non-2xx answer (405, 5xx, unknown codes).
    #[error("server answered {status} {}: {message}{}", code.as_str(), rid(request_id.as_deref()))]
    Server {
        /// HTTP status.
        status: u16,
        /// The contract's code ([`ErrorCode::Unknown`] for a body that was not the contract's).
        code: ErrorCode,
        /// The server's message.
        message: String,
        /// The server's request id.
        request_id: Option<String>,
    },
    /// The request could not be sent or its answer not received (connection refused or cut,
    /// DNS, TLS).
    #[error("transport error: {message}")]
    Transport {
        /// What failed.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },
    /// A 2xx answer (or a stream frame) that does not decode into the expected type.
    #[error("could not decode the server's answer: {message}")]
    Decode {
        /// What did not fit, quoting the path in the JSON.
        message: String,
    },
    /// A call or connection timed out.
    #[error("timed out: {message}")]
    Timeout {
        /// What timed out.
        message: String,
    },
    /// The session stream broke its contract: a gap in `seq`, or events of another session.
    #[error("session stream mismatch: {message}")]
    SessionMismatch {
        /// What did not match.
        message: String,
    },
    /// The DOF the client counted does not match the server's settlement.
    #[error(transparent)]
    Reconciliation(#[from] ReconciliationError),
    /// The handle (a session or notification stream) was closed, or the client shut down,
    /// before the operation finished.
    #[error("closed: {message}")]
    Closed {
        /// What was closed before what.
        message: String,
    },
}

/// What kind of error an [`Error`] is: one small, flat, `Copy` view that every binding maps
/// one to one onto its language's error types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Input refused, by the server (400) or by the client before sending.
    InvalidArgument,
    /// 401: sign in again.
    Unauthenticated,
    /// 402: top up, or spend less.
    InsufficientFunds,
    /// 403: not allowed for this user.
    Forbidden,
    /// 404.
    NotFound,
    /// 409 `conflict`.
    Conflict,
    /// 409 `idempotency_conflict`.
    IdempotencyConflict,
    /// 429, after the retry policy gave up.
    RateLimited,
    /// 413.
    PayloadTooLarge,
    /// Any other server answer (405, 5xx, unknown codes).
    Server,
    /// The request could not be sent, or its answer not read.
    Transport,
    /// A call or a connection timed out.
    Timeout,
    /// An answer or frame that is not the contract's.
    Decode,
    /// A session stream broke its contract (a gap in `seq`).
    SessionMismatch,
    /// The client's DOF count does not match the settlement.
    Reconciliation,
    /// The handle or client was closed first.
    Closed,
}

impl ErrorKind {
    /// The kind's name in `snake_case` (as bindings spell it: `insufficient_funds`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "invalid_argument",
            ErrorKind::Unauthenticated => "unauthenticated",
            ErrorKind::InsufficientFunds => "insufficient_funds",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::IdempotencyConflict => "idempotency_conflict",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::PayloadTooLarge => "payload_too_large",
            ErrorKind::Server => "server",
            ErrorKind::Transport => "transport",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Decode => "decode",
            ErrorKind::SessionMismatch => "session_mismatch",
            ErrorKind::Reconciliation => "reconciliation",
            ErrorKind::Closed => "closed",
        }
    }

    /// Every kind, for bindings that build one error type per kind and for tests.
    pub const ALL: [ErrorKind; 16] = [
        ErrorKind::InvalidArgument,
        ErrorKind::Unauthenticated,
        ErrorKind::InsufficientFunds,
        ErrorKind::Forbidden,
        ErrorKind::NotFound,
        ErrorKind::Conflict,
        ErrorKind::IdempotencyConflict,
        ErrorKind::RateLimited,
        ErrorKind::PayloadTooLarge,
        ErrorKind::Server,
        ErrorKind::Transport,
        ErrorKind::Timeout,
        ErrorKind::Decode,
        ErrorKind::SessionMismatch,
        ErrorKind::Reconciliation,
        ErrorKind::Closed,
    ];
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn rid(request_id: Option<&str>) -> String {
    request_id
        .map(|r| format!(" (request {r})"))
        .unwrap_or_default()
}

fn field_suffix(field: Option<&str>) -> String {
    field.map(|f| format!(" in '{f}'")).unwrap_or_default()
}

fn limit_suffix(limit: Option<u64>) -> String {
    limit
        .map(|l| format!(" (limit {l} bytes)"))
        .unwrap_or_default()
}

fn retry_suffix(after: Option<Duration>) -> String {
    after
        .map(|d| format!(", retry after {} s", d.as_secs()))
        .unwrap_or_default()
}

impl From<FieldError> for Error {
    fn from(e: FieldError) -> Self {
        Error::InvalidArgument {
            field: Some(e.field),
            message: e.message,
            request_id: None,
        }
    }
}

impl Error {
    /// The flat kind of this error.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidArgument { .. } => ErrorKind::InvalidArgument,
            Error::Unauthenticated { .. } => ErrorKind::Unauthenticated,
            Error::InsufficientFunds { .. } => ErrorKind::InsufficientFunds,
            Error::Forbidden { .. } => ErrorKind::Forbidden,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Conflict { .. } => ErrorKind::Conflict,
            Error::IdempotencyConflict { .. } => ErrorKind::IdempotencyConflict,
            Error::RateLimited { .. } => ErrorKind::RateLimited,
            Error::PayloadTooLarge { .. } => ErrorKind::PayloadTooLarge,
            Error::Server { .. } => ErrorKind::Server,
            Error::Transport { .. } => ErrorKind::Transport,
            Error::Decode { .. } => ErrorKind::Decode,
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::SessionMismatch { .. } => ErrorKind::SessionMismatch,
            Error::Reconciliation(_) => ErrorKind::Reconciliation,
            Error::Closed { .. } => ErrorKind::Closed,
        }
    }

    /// The message: the server's for server answers, the client's own otherwise.
    #[must_use]
    pub fn message(&self) -> String {
        match self {
            Error::InvalidArgument { message, .. }
            | Error::Unauthenticated { message, .. }
            | Error::InsufficientFunds { message, .. }
            | Error::Forbidden { message, .. }
            | Error::NotFound { message, .. }
            | Error::Conflict { message, .. }
            | Error::IdempotencyConflict { message, .. }
            | Error::RateLimited { message, .. }
            | Error::PayloadTooLarge { message, .. }
            | Error::Server { message, .. }
            | Error::Transport { message, .. }
            | Error::Decode { message }
            | Error::Timeout { message }
            | Error::SessionMismatch { message }
            | Error::Closed { message } => message.clone(),
            Error::Reconciliation(e) => e.to_string(),
        }
    }

    /// `details.field` of an `invalid_argument` (or the input the client refused).
    #[must_use]
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::InvalidArgument { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    /// `details.needed` of an `insufficient_funds`.
    #[must_use]
    pub fn needed(&self) -> Option<Dof> {
        match self {
            Error::InsufficientFunds { needed, .. } => *needed,
            _ => None,
        }
    }

    /// `details.available` of an `insufficient_funds`.
    #[must_use]
    pub fn available(&self) -> Option<Dof> {
        match self {
            Error::InsufficientFunds { available, .. } => *available,
            _ => None,
        }
    }

    /// The server's `Retry-After` of a `rate_limited`.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// `details.limit` of a `payload_too_large`, in bytes.
    #[must_use]
    pub fn limit(&self) -> Option<u64> {
        match self {
            Error::PayloadTooLarge { limit, .. } => *limit,
            _ => None,
        }
    }

    /// The server's request id, for every error built from a server answer.
    #[must_use]
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::InvalidArgument { request_id, .. }
            | Error::Unauthenticated { request_id, .. }
            | Error::InsufficientFunds { request_id, .. }
            | Error::Forbidden { request_id, .. }
            | Error::NotFound { request_id, .. }
            | Error::Conflict { request_id, .. }
            | Error::IdempotencyConflict { request_id, .. }
            | Error::RateLimited { request_id, .. }
            | Error::PayloadTooLarge { request_id, .. }
            | Error::Server { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The contract's error code, for errors the server answered (`None` for errors the
    /// client raised itself, such as input refused before sending).
    #[must_use]
    pub fn code(&self) -> Option<ErrorCode> {
        Some(match self {
            Error::InvalidArgument {
                request_id: Some(_),
                ..
            } => ErrorCode::InvalidArgument,
            Error::Unauthenticated {
                request_id: Some(_),
                ..
            } => ErrorCode::Unauthenticated,
            Error::InsufficientFunds { .. } => ErrorCode::InsufficientFunds,
            Error::Forbidden { .. } => ErrorCode::Forbidden,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::Conflict { .. } => ErrorCode::Conflict,
            Error::IdempotencyConflict { .. } => ErrorCode::IdempotencyConflict,
            Error::RateLimited { .. } => ErrorCode::RateLimited,
            Error::PayloadTooLarge { .. } => ErrorCode::PayloadTooLarge,
            Error::Server { code, .. } => code.clone(),
            _ => return None,
        })
    }

    /// The HTTP status of the server's answer, for errors the server answered (`None` for
    /// errors the client raised itself).
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Server { status, .. } => Some(*status),
            other => other.code().map(|c| c.http_status()),
        }
    }

    /// True for errors worth retrying later as they are (transport, timeouts, 429, 5xx).
    #[must_use]
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Transport { .. } | Error::Timeout { .. } | Error::RateLimited { .. } => true,
            Error::Server { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// Builds the error for a non-2xx answer from its status, body and headers. What a
    /// program acts on comes from the body's `details` (contract v1.1), never from `message`.
    pub(crate) fn from_response(
        status: u16,
        body: &[u8],
        header_request_id: Option<String>,
        header_retry_after: Option<Duration>,
    ) -> Error {
        let (code, message, request_id, details) = match serde_json::from_slice::<ErrorBody>(body) {
            Ok(b) => (
                b.error.code,
                b.error.message,
                Some(b.error.request_id).filter(|r| !r.is_empty()),
                b.error.details,
            ),
            Err(_) => {
                let text = String::from_utf8_lossy(body);
                let text: String = text.chars().take(200).collect();
                let message = if text.trim().is_empty() {
                    format!("http status {status} with no error body")
                } else {
                    text
                };
                (
                    code_for_status(status),
                    message,
                    None,
                    ErrorDetails::default(),
                )
            }
        };
        let request_id = request_id.or(header_request_id);
        match code {
            ErrorCode::InvalidArgument => Error::InvalidArgument {
                field: details.field,
                message,
                request_id,
            },
            ErrorCode::Unauthenticated => Error::Unauthenticated {
                message,
                request_id,
            },
            ErrorCode::InsufficientFunds => Error::InsufficientFunds {
                needed: details.needed,
                available: details.available,
                message,
                request_id,
            },
            ErrorCode::Forbidden => Error::Forbidden {
                message,
                request_id,
            },
            ErrorCode::NotFound => Error::NotFound {
                message,
                request_id,
            },
            ErrorCode::Conflict => Error::Conflict {
                message,
                request_id,
            },
            ErrorCode::IdempotencyConflict => Error::IdempotencyConflict {
                message,
                request_id,
            },
            ErrorCode::RateLimited => Error::RateLimited {
                retry_after: header_retry_after
                    .or_else(|| details.retry_after.map(Duration::from_secs)),
                message,
                request_id,
            },
            ErrorCode::PayloadTooLarge => Error::PayloadTooLarge {
                limit: details.limit,
                message,
                request_id,
            },
            code => Error::Server {
                status,
                code,
                message,
                request_id,
            },
        }
    }

    /// The error a stream ends with, from the sans-I/O decision.
    pub(crate) fn from_stream(e: StreamError, what: &str) -> Error {
        match e {
            StreamError::Unauthenticated { reason } => Error::Unauthenticated {
                message: format!("{what}: {reason}"),
                request_id: None,
            },
            StreamError::Forbidden { reason } => Error::Forbidden {
                message: format!("{what}: {reason}"),
                request_id: None,
            },
            StreamError::NotFound { reason } => Error::NotFound {
                message: format!("{what}: {reason}"),
                request_id: None,
            },
            StreamError::Refused { status } => Error::from_response(status, b"", None, None),
            StreamError::Gap(gap) => Error::SessionMismatch {
                message: format!("{what}: {gap}"),
            },
            StreamError::Decode(e) => Error::Decode {
                message: format!("{what}: {e}"),
            },
            StreamError::GaveUp { attempts, last } => match last {
                LinkLoss::DeadLink => Error::Timeout {
                    message: format!("{what}: gave up after {attempts} reconnects: {last}"),
                },
                last => Error::Transport {
                    message: format!("{what}: gave up after {attempts} reconnects: {last}"),
                    source: None,
                },
            },
        }
    }
}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Self {
        Error::Decode {
            message: e.to_string(),
        }
    }
}

/// The code a bare status implies, for answers without the contract's body (a proxy's 502).
fn code_for_status(status: u16) -> ErrorCode {
    match status {
        400 => ErrorCode::InvalidArgument,
        401 => ErrorCode::Unauthenticated,
        402 => ErrorCode::InsufficientFunds,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        405 => ErrorCode::MethodNotAllowed,
        413 => ErrorCode::PayloadTooLarge,
        429 => ErrorCode::RateLimited,
        503 => ErrorCode::Unavailable,
        _ => ErrorCode::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insufficient_funds_reads_both_amounts_from_details() {
        let body = br#"{"error":{"code":"insufficient_funds","message":"a sentence for people","requestId":"req_1","details":{"needed":100,"available":40}}}"#;
        let e = Error::from_response(402, body, None, None);
        assert_eq!(e.kind(), ErrorKind::InsufficientFunds);
        assert_eq!(e.needed(), Some(Dof::new(100)));
        assert_eq!(e.available(), Some(Dof::new(40)));
        assert_eq!(e.request_id(), Some("req_1"));
        assert_eq!(e.status(), Some(402));
        assert_eq!(e.message(), "a sentence for people");
    }

    #[test]
    fn the_message_is_never_parsed_for_data() {
        // An old server's sentence with the numbers in it, and no details: nothing is guessed.
        let body = br#"{"error":{"code":"insufficient_funds","message":"wallet has 40 DOF available, hire needs 100","requestId":"req_1"}}"#;
        let e = Error::from_response(402, body, None, None);
        assert_eq!((e.needed(), e.available()), (None, None));
        let body = br#"{"error":{"code":"invalid_argument","message":"field 'budget': must be at least 1","requestId":"r"}}"#;
        assert_eq!(Error::from_response(400, body, None, None).field(), None);
    }

    #[test]
    fn invalid_argument_names_the_field_from_details() {
        let body = br#"{"error":{"code":"invalid_argument","message":"must be at least 1","requestId":"req_2","details":{"field":"budget"}}}"#;
        let e = Error::from_response(400, body, None, None);
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert_eq!(e.field(), Some("budget"));
        assert_eq!(e.status(), Some(400));
        assert_eq!(e.request_id(), Some("req_2"));
        assert!(e.to_string().starts_with("invalid argument in 'budget'"));
    }

    #[test]
    fn rate_limited_and_payload_too_large_carry_their_details() {
        let body = br#"{"error":{"code":"rate_limited","message":"slow down","requestId":"r","details":{"retryAfter":7}}}"#;
        let e = Error::from_response(429, body, None, None);
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        // The header wins when both are there (they agree on a conforming server).
        let e = Error::from_response(429, body, None, Some(Duration::from_secs(3)));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        let body = br#"{"error":{"code":"payload_too_large","message":"too big","requestId":"r","details":{"limit":1048576}}}"#;
        let e = Error::from_response(413, body, None, None);
        assert_eq!(e.kind(), ErrorKind::PayloadTooLarge);
        assert_eq!(e.limit(), Some(1_048_576));
        assert_eq!(e.status(), Some(413));
        assert_eq!(e.code(), Some(ErrorCode::PayloadTooLarge));
    }

    #[test]
    fn every_contract_code_maps_to_its_kind_and_status() {
        let cases = [
            ("invalid_argument", 400, ErrorKind::InvalidArgument),
            ("unauthenticated", 401, ErrorKind::Unauthenticated),
            ("insufficient_funds", 402, ErrorKind::InsufficientFunds),
            ("forbidden", 403, ErrorKind::Forbidden),
            ("not_found", 404, ErrorKind::NotFound),
            ("method_not_allowed", 405, ErrorKind::Server),
            ("conflict", 409, ErrorKind::Conflict),
            ("idempotency_conflict", 409, ErrorKind::IdempotencyConflict),
            ("payload_too_large", 413, ErrorKind::PayloadTooLarge),
            ("rate_limited", 429, ErrorKind::RateLimited),
            ("internal", 500, ErrorKind::Server),
            ("unavailable", 503, ErrorKind::Server),
        ];
        for (code, status, kind) in cases {
            let body =
                format!(r#"{{"error":{{"code":"{code}","message":"m","requestId":"req_x"}}}}"#);
            let e = Error::from_response(status, body.as_bytes(), None, None);
            assert_eq!(e.kind(), kind, "{code}");
            assert_eq!(e.status(), Some(status), "{code}");
            assert_eq!(e.code().map(|c| c.as_str()), Some(code));
            assert_eq!(e.request_id(), Some("req_x"), "{code}");
            assert_eq!(e.message(), "m");
        }
    }

    #[test]
    fn client_side_errors_have_a_kind_but_no_status() {
        let e = Error::Closed {
            message: "stream closed".into(),
        };
        assert_eq!(
            (e.kind(), e.status(), e.request_id()),
            (ErrorKind::Closed, None, None)
        );
        let e = Error::from(FieldError::new("budget", "must be at least 1"));
        assert_eq!(
            (e.kind(), e.field(), e.status()),
            (ErrorKind::InvalidArgument, Some("budget"), None)
        );
        let names: std::collections::HashSet<_> =
            ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), ErrorKind::ALL.len());
    }

    #[test]
    fn a_body_that_is_not_the_contracts_still_maps_by_status() {
        let e = Error::from_response(502, b"bad gateway", Some("req_h".into()), None);
        assert!(matches!(
            &e,
            Error::Server {
                status: 502,
                code: ErrorCode::Unknown,
                ..
            }
        ));
        assert_eq!(e.request_id(), Some("req_h"));
        assert!(e.is_transient());
        let e = Error::from_response(429, b"", None, Some(Duration::from_secs(3)));
        assert!(matches!(e, Error::RateLimited { retry_after: Some(d), .. } if d.as_secs() == 3));
    }
}
