//! [`Error`], the one error type of the client, and how a non-2xx answer becomes one.

use std::time::Duration;

use crate::Dof;
use crate::accounting::ReconciliationError;
use crate::model::{ErrorBody, ErrorCode, FieldError};

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
    /// needs. `needed` and `available` are parsed from the server's message when it has them.
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
    /// Any other non-2xx answer (405, 413, 5xx, unknown codes).
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
}

fn rid(request_id: Option<&str>) -> String {
    request_id
        .map(|r| format!(" (request {r})"))
        .unwrap_or_default()
}

fn field_suffix(field: Option<&str>) -> String {
    field.map(|f| format!(" in '{f}'")).unwrap_or_default()
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

    /// Builds the error for a non-2xx answer from its status, body and headers.
    pub(crate) fn from_response(
        status: u16,
        body: &[u8],
        header_request_id: Option<String>,
        retry_after: Option<Duration>,
    ) -> Error {
        let (code, message, request_id) = match serde_json::from_slice::<ErrorBody>(body) {
            Ok(b) => (
                b.error.code,
                b.error.message,
                Some(b.error.request_id).filter(|r| !r.is_empty()),
            ),
            Err(_) => {
                let text = String::from_utf8_lossy(body);
                let text: String = text.chars().take(200).collect();
                let message = if text.trim().is_empty() {
                    format!("http status {status} with no error body")
                } else {
                    text
                };
                (code_for_status(status), message, None)
            }
        };
        let request_id = request_id.or(header_request_id);
        match code {
            ErrorCode::InvalidArgument => Error::InvalidArgument {
                field: field_of(&message),
                message,
                request_id,
            },
            ErrorCode::Unauthenticated => Error::Unauthenticated {
                message,
                request_id,
            },
            ErrorCode::InsufficientFunds => {
                let (available, needed) = parse_funds(&message);
                Error::InsufficientFunds {
                    needed,
                    available,
                    message,
                    request_id,
                }
            }
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
                retry_after,
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

/// The field a server message names: `field 'pricing.perMinute': must be at least 0`.
fn field_of(message: &str) -> Option<String> {
    let rest = message.strip_prefix("field '")?;
    let end = rest.find('\'')?;
    Some(rest[..end].to_owned())
}

/// `(available, needed)` from `wallet has 40 DOF available, hire needs 100`.
fn parse_funds(message: &str) -> (Option<Dof>, Option<Dof>) {
    let available = message
        .split_once("wallet has ")
        .and_then(|(_, r)| r.split_whitespace().next())
        .and_then(|n| n.parse::<i64>().ok())
        .map(Dof::new);
    let needed = message
        .split_once(" needs ")
        .and_then(|(_, r)| r.split(|c: char| !c.is_ascii_digit() && c != '-').next())
        .and_then(|n| n.parse::<i64>().ok())
        .map(Dof::new);
    (available, needed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insufficient_funds_parses_both_amounts() {
        let body = br#"{"error":{"code":"insufficient_funds","message":"wallet has 40 DOF available, hire needs 100","requestId":"req_1"}}"#;
        match Error::from_response(402, body, None, None) {
            Error::InsufficientFunds {
                needed,
                available,
                request_id,
                ..
            } => {
                assert_eq!(needed, Some(Dof::new(100)));
                assert_eq!(available, Some(Dof::new(40)));
                assert_eq!(request_id.as_deref(), Some("req_1"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn invalid_argument_names_the_field_and_keeps_the_code() {
        let body = br#"{"error":{"code":"invalid_argument","message":"field 'budget': must be at least 1","requestId":"req_2"}}"#;
        let e = Error::from_response(400, body, None, None);
        assert!(matches!(&e, Error::InvalidArgument { field: Some(f), .. } if f == "budget"));
        assert_eq!(e.status(), Some(400));
        assert_eq!(e.request_id(), Some("req_2"));
        assert!(e.to_string().starts_with("invalid argument in 'budget'"));
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
