//! The idempotency protocol of DOF-moving routes, around an operation that stores its answer.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use axum::body::Bytes;

use super::extract::IdemRequest;
use crate::auth::AuthUser;
use crate::db::idempotency::{self, IdemKey, StoredResponse};
use crate::error::{AppError, AppResult};
use crate::ids::{now_millis, sha256_hex};
use crate::state::AppState;

/// Releases an in-flight key when the request finishes, whatever happens.
struct InFlight<'a> {
    state: &'a AppState,
    slot: (String, String),
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.state.inflight.lock().remove(&self.slot);
    }
}

/// Answers a stored response.
#[must_use]
pub fn respond(stored: StoredResponse, replayed: bool) -> Response {
    let mut res = Response::new(Body::from(stored.body));
    *res.status_mut() = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if replayed {
        res.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    res
}

/// Runs a DOF-moving request under its `Idempotency-Key`:
/// - a key already answered for the same request gets that answer again, byte for byte;
/// - a key answered for a different request is `idempotency_conflict`;
/// - a key whose first request is still running is `conflict`;
/// - otherwise `op` runs and must store its final answer with its effect (see
///   [`idempotency::run_stored`]).
///
/// # Errors
/// The conflicts above, or a 5xx from `op` (nothing stored; the key may be retried).
pub async fn run<F, Fut>(
    state: &AppState,
    user: &AuthUser,
    req: IdemRequest,
    op: F,
) -> AppResult<Response>
where
    F: FnOnce(IdemKey, Bytes) -> Fut,
    Fut: Future<Output = AppResult<StoredResponse>>,
{
    let IdemRequest {
        key,
        request_id,
        method,
        path,
        body,
    } = req;
    let (method, path) = (method.as_str(), path.as_str());
    let mut hashed = Vec::with_capacity(method.len() + path.len() + body.len() + 2);
    hashed.extend_from_slice(method.as_bytes());
    hashed.push(b'\n');
    hashed.extend_from_slice(path.as_bytes());
    hashed.push(b'\n');
    hashed.extend_from_slice(&body);
    let ik = IdemKey {
        user_id: user.id.clone(),
        key: key.0,
        request_hash: sha256_hex(&hashed),
        request_id: request_id.0,
    };
    if let Some(resp) = replay(state, &ik).await? {
        return Ok(resp);
    }
    let slot = (ik.user_id.clone(), ik.key.clone());
    if !state.inflight.lock().insert(slot.clone()) {
        return Err(AppError::Conflict(format!(
            "a request with Idempotency-Key '{}' is still in progress; retry shortly",
            ik.key
        )));
    }
    let _guard = InFlight { state, slot };
    // The first request may have finished between the lookup and taking the slot.
    if let Some(resp) = replay(state, &ik).await? {
        return Ok(resp);
    }
    let stored = op(ik, body).await?;
    Ok(respond(stored, false))
}

async fn replay(state: &AppState, ik: &IdemKey) -> AppResult<Option<Response>> {
    let (user, key) = (ik.user_id.clone(), ik.key.clone());
    let prev = state
        .db
        .read(move |c| idempotency::lookup(c, &user, &key))
        .await?;
    match prev {
        None => Ok(None),
        Some(p) if p.request_hash == ik.request_hash => Ok(Some(respond(p.response, true))),
        Some(_) => Err(AppError::IdempotencyConflict(format!(
            "Idempotency-Key '{}' was already used with a different request",
            ik.key
        ))),
    }
}

/// Stores a refusal decided before any effect and returns it.
///
/// # Errors
/// 5xx when storage fails.
pub async fn refuse(state: &AppState, ik: IdemKey, err: AppError) -> AppResult<StoredResponse> {
    if !err.status().is_client_error() {
        return Err(err);
    }
    let now = now_millis();
    state
        .db
        .write(move |tx| idempotency::store_refusal(tx, &ik, err, now))
        .await
}
