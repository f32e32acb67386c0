//! Request extractors that answer with the contract's errors (`invalid_argument` naming the
//! field, `payload_too_large`) instead of axum's plain-text rejections.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::{AppError, AppResult};

/// The request id assigned by the middleware.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<RequestId>()
            .cloned()
            .ok_or_else(|| AppError::internal("request id middleware missing"))
    }
}

/// Parses a JSON body, naming the offending field on error.
///
/// # Errors
/// `invalid_argument` with the field's path and what was wrong.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> AppResult<T> {
    // Every request body of the contract is an object; serde would also take an array of the
    // fields in order, which no client should rely on.
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => {}
        None => {
            return Err(AppError::invalid(
                "body",
                "request body is empty; expected a JSON object",
            ));
        }
        Some(_) => {
            return Err(AppError::invalid(
                "body",
                "request body must be a JSON object",
            ));
        }
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        let root = path == "." || path.is_empty();
        // serde reports a missing member at its parent's path; `details.field` names the
        // member itself (`password`, `pricing.perAction`).
        let missing = inner
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next());
        let field = match (root, missing) {
            (true, Some(m)) => m.to_owned(),
            (false, Some(m)) => format!("{path}.{m}"),
            (true, None) => "body".to_owned(),
            (false, None) => path,
        };
        let message = if root && missing.is_none() {
            format!("invalid JSON body: {inner}")
        } else {
            format!("field '{field}': {inner}")
        };
        AppError::invalid(field, message)
    })?;
    de.end()
        .map_err(|e| AppError::invalid("body", format!("invalid JSON body: {e}")))?;
    Ok(value)
}

/// The raw body, at most 1 MiB.
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        Bytes::from_request(req, state)
            .await
            .map(RawBody)
            .map_err(|e| {
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::body_too_large()
                } else {
                    AppError::invalid("body", format!("cannot read the request body: {e}"))
                }
            })
    }
}

/// A JSON body of type `T`.
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let RawBody(bytes) = RawBody::from_request(req, state).await?;
        parse_json(&bytes).map(Json)
    }
}

/// The single path parameter of a route (`{id}`).
pub struct PathId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map(|p| PathId(p.0))
            .map_err(|e| AppError::invalid("path", format!("bad path parameter: {e}")))
    }
}

/// Query parameters of type `T`.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let q = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(q.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(Query)
            .map_err(|e| {
                let field = e.path().to_string();
                let message = format!("query parameter '{field}': {}", e.inner());
                AppError::invalid(field, message)
            })
    }
}

/// Everything the idempotency protocol needs of a DOF-moving request: its key, id, method,
/// path and raw body (the stored answer is keyed by a hash of the last three).
pub struct IdemRequest {
    /// The `Idempotency-Key` header.
    pub key: IdempotencyKey,
    /// The request id.
    pub request_id: RequestId,
    /// `POST`.
    pub method: axum::http::Method,
    /// The request path.
    pub path: String,
    /// The raw body.
    pub body: Bytes,
}

impl<S: Send + Sync> FromRequest<S> for IdemRequest {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let (mut parts, body) = req.into_parts();
        let key = IdempotencyKey::from_request_parts(&mut parts, state).await?;
        let request_id = RequestId::from_request_parts(&mut parts, state).await?;
        let (method, path) = (parts.method.clone(), parts.uri.path().to_owned());
        let RawBody(body) = RawBody::from_request(Request::from_parts(parts, body), state).await?;
        Ok(IdemRequest {
            key,
            request_id,
            method,
            path,
            body,
        })
    }
}

/// The `Idempotency-Key` header, required on DOF-moving routes.
#[derive(Clone, Debug)]
pub struct IdempotencyKey(pub String);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let raw = parts.headers.get("idempotency-key").ok_or_else(|| {
            AppError::invalid(
                "Idempotency-Key",
                "missing 'Idempotency-Key' header; this request moves DOF and needs one",
            )
        })?;
        let key = raw.to_str().ok().filter(|k| {
            (1..=255).contains(&k.len()) && k.bytes().all(|b| (0x20..=0x7e).contains(&b))
        });
        key.map(|k| IdempotencyKey(k.to_owned())).ok_or_else(|| {
            AppError::invalid(
                "Idempotency-Key",
                "header 'Idempotency-Key' must be 1 to 255 printable ASCII characters",
            )
        })
    }
}
