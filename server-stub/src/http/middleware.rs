//! Middleware: request ids and error bodies, metrics, rate limits.

use std::net::SocketAddr;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::extract::RequestId;
use crate::auth::bearer_token;
use crate::error::{AppError, PendingError};
use crate::ids::new_id;
use crate::ratelimit::Caller;
use crate::state::AppState;

/// Gives every request an id (`X-Request-Id`), renders pending error bodies with it, and
/// records the request in the metrics.
pub async fn request_id(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let id = new_id("req");
    req.extensions_mut().insert(RequestId(id.clone()));
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |m| m.as_str())
        .to_owned();
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    // The `otel.*` fields name and mark the span for an OpenTelemetry collector (`telemetry`).
    let span = tracing::debug_span!(
        "request",
        request_id = %id,
        %method,
        %route,
        status = tracing::field::Empty,
        otel.name = %format_args!("{method} {route}"),
        otel.kind = "server",
        otel.status_code = tracing::field::Empty,
    );
    crate::telemetry::continue_trace(&span, req.headers());
    let mut res = tracing::Instrument::instrument(next.run(req), span.clone()).await;
    span.record("status", res.status().as_u16());
    if res.status().is_server_error() {
        span.record("otel.status_code", "ERROR");
    }
    if let Some(err) = res.extensions_mut().remove::<PendingError>() {
        let body = jiga::model::ErrorBody {
            error: jiga::model::ErrorDetail {
                code: err.code,
                message: err.message,
                request_id: id.clone(),
                details: err.details,
            },
        };
        *res.body_mut() = Body::from(serde_json::to_vec(&body).unwrap_or_default());
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        res.headers_mut().remove(header::CONTENT_LENGTH);
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    state
        .metrics
        .observe(&method, &route, res.status().as_u16(), started.elapsed());
    res
}

fn exempt(path: &str) -> bool {
    matches!(path, "/health" | "/ready" | "/metrics") || path.starts_with("/v1/webhooks/")
}

/// Routes counted against the caller's address whatever token the request carries, so a
/// token (free from `/v1/auth/anonymous`) does not lift the limit on guessing passwords.
fn credential_route(path: &str) -> bool {
    matches!(
        path,
        "/v1/auth/login" | "/v1/auth/register" | "/v1/auth/anonymous" | "/v1/auth/refresh"
    )
}

/// Rate limits: per address without a token, per user with one; `RateLimit-*` headers on
/// every limited route.
pub async fn rate_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if exempt(req.uri().path()) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let address = || {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
        Caller::address(ip)
    };
    let caller = if credential_route(parts.uri.path()) {
        address()
    } else {
        match bearer_token(&parts).and_then(|t| state.tokens.verify(t).ok()) {
            Some(claims) => Caller::User(claims.sub),
            None => address(),
        }
    };
    let req = Request::from_parts(parts, body);
    let Some(v) = state.limiter.check(caller) else {
        return next.run(req).await;
    };
    let mut res = if v.allowed {
        next.run(req).await
    } else {
        AppError::RateLimited {
            limit: v.limit,
            retry_after: std::time::Duration::from_secs(v.reset_secs),
        }
        .into_response()
    };
    let h = res.headers_mut();
    for (name, value) in [
        ("ratelimit-limit", v.limit as u64),
        ("ratelimit-remaining", v.remaining as u64),
        ("ratelimit-reset", v.reset_secs),
    ] {
        if let Ok(val) = HeaderValue::from_str(&value.to_string()) {
            h.insert(name, val);
        }
    }
    res
}
