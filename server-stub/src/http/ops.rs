//! `/health`, `/ready`, `/metrics`, `/v1/openapi.json`.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::json;

use crate::error::AppError;
use crate::state::AppState;

/// `GET /health`.
pub async fn health() -> axum::Json<serde_json::Value> {
    axum::Json(json!({"status": "ok"}))
}

/// `GET /ready`.
pub async fn ready(
    State(state): State<AppState>,
) -> Result<axum::Json<serde_json::Value>, AppError> {
    if state.db.ping().await {
        Ok(axum::Json(json!({"status": "ready"})))
    } else {
        Err(AppError::Unavailable("storage does not answer".into()))
    }
}

/// `GET /metrics`: counters only, no storage read, so a scrape costs the same whatever the
/// size of the ledger.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let text = state
        .metrics
        .render(state.runner.len(), state.db.ledger_totals());
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
}
