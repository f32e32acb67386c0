//! `/health`, `/ready`, `/metrics`, `/v1/openapi.json`.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::json;

use crate::app::AppState;
use crate::error::AppError;
use crate::metrics::StoreGauges;

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

/// `GET /metrics`.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let gauges = state
        .db
        .read(|c| {
            let dof_consumed =
                c.query_row("SELECT COALESCE(SUM(consumed), 0) FROM sessions", [], |r| {
                    r.get(0)
                })?;
            let transactions_by_type = c
                .prepare("SELECT type, COUNT(*) FROM transactions GROUP BY type ORDER BY type")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(StoreGauges {
                active_sessions: 0,
                dof_consumed,
                transactions_by_type,
            })
        })
        .await
        .unwrap_or_default();
    let gauges = StoreGauges {
        active_sessions: state.runner.len(),
        ..gauges
    };
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(&gauges),
    )
}
