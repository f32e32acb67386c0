//! `/v1/marketplace/*`: served from the in-memory [`crate::search::SearchIndex`].

use std::borrow::Cow;

use axum::extract::State;
use axum::http::Uri;
use jiga::model::{Categories, Featured, Listing, SearchResults};

use super::extract::PathId;
use crate::error::{AppError, AppResult};
use crate::search::SearchQuery;
use crate::state::AppState;

/// `GET /v1/marketplace/search`.
pub async fn search(
    State(state): State<AppState>,
    uri: Uri,
) -> AppResult<axum::Json<SearchResults>> {
    let raw = uri.query().unwrap_or("");
    let pairs = form_urlencoded::parse(raw.as_bytes())
        .map(|(k, v)| (Cow::Owned(k.into_owned()), Cow::Owned(v.into_owned())));
    let q = SearchQuery::from_pairs(pairs)?;
    let results = state.catalog.index.read().search(&q)?;
    Ok(axum::Json(results))
}

/// `GET /v1/marketplace/listings/{agentId}`: counts a view.
pub async fn listing(
    State(state): State<AppState>,
    PathId(id): PathId,
) -> AppResult<axum::Json<Listing>> {
    let listing = state
        .catalog
        .view(&id)
        .ok_or_else(|| AppError::not_found("listing", &id))?;
    Ok(axum::Json(listing))
}

/// `GET /v1/marketplace/featured`.
pub async fn featured(State(state): State<AppState>) -> axum::Json<Featured> {
    axum::Json(Featured {
        items: state.catalog.index.read().featured(10),
    })
}

/// `GET /v1/marketplace/categories`.
pub async fn categories(State(state): State<AppState>) -> axum::Json<Categories> {
    axum::Json(state.catalog.index.read().categories())
}
