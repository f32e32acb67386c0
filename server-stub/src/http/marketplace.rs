//! `/v1/marketplace/*`: served from the in-memory [`crate::search::SearchIndex`].

use std::borrow::Cow;

use axum::extract::State;
use axum::http::Uri;
use jiga::model::{Categories, Featured, Listing, SearchResults};

use super::extract::PathId;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::search::SearchQuery;

/// `GET /v1/marketplace/search`.
pub async fn search(
    State(state): State<AppState>,
    uri: Uri,
) -> AppResult<axum::Json<SearchResults>> {
    let raw = uri.query().unwrap_or("");
    let pairs = form_urlencoded::parse(raw.as_bytes())
        .map(|(k, v)| (Cow::Owned(k.into_owned()), Cow::Owned(v.into_owned())));
    let q = SearchQuery::from_pairs(pairs)?;
    let results = state.search.read().search(&q)?;
    Ok(axum::Json(results))
}

/// `GET /v1/marketplace/listings/{agentId}`: counts a view.
pub async fn listing(
    State(state): State<AppState>,
    PathId(id): PathId,
) -> AppResult<axum::Json<Listing>> {
    let listing = state
        .search
        .read()
        .get(&id)
        .cloned()
        .ok_or_else(|| AppError::not_found("listing", &id))?;
    *state.pending_views.lock().entry(id).or_default() += 1;
    Ok(axum::Json(listing))
}

/// `GET /v1/marketplace/featured`.
pub async fn featured(State(state): State<AppState>) -> axum::Json<Featured> {
    axum::Json(Featured {
        items: state.search.read().featured(10),
    })
}

/// `GET /v1/marketplace/categories`.
pub async fn categories(State(state): State<AppState>) -> axum::Json<Categories> {
    axum::Json(state.search.read().categories())
}

/// Writes counted views to storage and refreshes the listings' popularity.
pub async fn flush_views(state: &AppState) {
    let views: Vec<(String, i64)> = state.pending_views.lock().drain().collect();
    if views.is_empty() {
        return;
    }
    let ids: Vec<String> = views.iter().map(|(id, _)| id.clone()).collect();
    let res = state
        .db
        .write(move |tx| {
            for (id, n) in &views {
                crate::db::agents::bump(tx, id, crate::db::agents::Stat::Views(*n))?;
            }
            Ok(())
        })
        .await;
    if let Err(e) = res {
        tracing::warn!(error = %e, "could not store listing views");
        return;
    }
    for id in ids {
        state.refresh_listing(&id).await;
    }
}
