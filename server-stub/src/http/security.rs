//! Security headers (contract v1.2): helmet's defaults as the contract lists them, on every
//! response — success, error, CORS preflight, caught panic — so the layer sits outside CORS
//! and the panic catcher.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// The API's Content-Security-Policy: helmet's directives the contract keeps, without
/// `unsafe-inline` (the API serves no page).
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; img-src 'self' https: data:; script-src 'self'";

/// The fixed headers, every response.
const FIXED: [(&str, &str); 5] = [
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("cross-origin-opener-policy", "same-origin"),
];

/// `Cross-Origin-Resource-Policy`: `same-site`, or `cross-origin` for a request from an origin
/// CORS allows (so the browser lets that page read what CORS let through).
const CORP: &str = "cross-origin-resource-policy";

/// Adds the security headers to the response.
pub async fn headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let allowed_origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .is_some_and(|o| state.config.cors_origins.iter().any(|a| a.trim() == o));
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    for (name, value) in FIXED {
        h.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    h.insert(
        HeaderName::from_static(CORP),
        HeaderValue::from_static(if allowed_origin {
            "cross-origin"
        } else {
            "same-site"
        }),
    );
    res
}
