//! `/v1/marketplace/*`: served from the in-memory [`crate::search::SearchIndex`] through the
//! [`crate::catalog::Catalog`]'s answer cache.
//!
//! Every answer here is public and carries a validator (`ETag`, the hash of its bytes) and
//! `Cache-Control: public, max-age=N`; a request whose `If-None-Match` names the validator
//! of the answer it would get is answered 304 with no body (contract v1.2). The validator is
//! computed from the very bytes the answer would carry, so a 304 can never confirm a stale copy:
//! a change to any listing changes the bytes, hence the validator.
//!
//! `fields=` (search, featured, listing) keeps only the named `Listing` members, `id` always;
//! `expand=reviews` (listing only) adds the 10 newest reviews.

use std::borrow::Cow;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use jiga::model::{
    EXPAND_PARAM, EXPANDED_REVIEWS, Expand, FIELDS_PARAM, FieldSet, Listing, Review,
};
use serde_json::Value;

use super::extract::PathId;
use crate::catalog::Answer;
use crate::cursor::PageReq;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::search::SearchQuery;
use crate::state::AppState;

/// What a marketplace request asks of the shape of its listings.
#[derive(Default)]
struct Shape {
    fields: Option<FieldSet>,
    reviews: bool,
}

/// Reads `fields` and `expand` from the query; `expand` only where `expandable`.
fn shape(query: &str, expandable: bool) -> AppResult<Shape> {
    let mut shape = Shape::default();
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            FIELDS_PARAM => shape.fields = Some(FieldSet::parse(&v)?),
            EXPAND_PARAM if !expandable => {
                return Err(AppError::invalid(
                    EXPAND_PARAM,
                    "query parameter 'expand': only a listing (/v1/marketplace/listings/{agentId}) expands",
                ));
            }
            EXPAND_PARAM => {
                for name in v.split(',').map(str::trim) {
                    match name.parse::<Expand>() {
                        Ok(Expand::Reviews) => shape.reviews = true,
                        Err(_) => {
                            let shown: String = name.chars().take(40).collect();
                            return Err(AppError::invalid(
                                EXPAND_PARAM,
                                format!(
                                    "query parameter 'expand': unknown expansion '{shown}', expected: reviews"
                                ),
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(shape)
}

/// Keeps only the selected members of one serialized listing.
fn select(listing: &mut Value, fields: &FieldSet) {
    if let Value::Object(m) = listing {
        m.retain(|k, _| k == "reviews" || fields.contains_name(k));
    }
}

/// Serializes a list answer (`{items: [...], ...}`), its items cut to `fields`.
fn list_body<T: serde::Serialize>(answer: &T, fields: Option<&FieldSet>) -> AppResult<Vec<u8>> {
    let bytes = match fields {
        None => serde_json::to_vec(answer),
        Some(f) => serde_json::to_value(answer).and_then(|mut v| {
            if let Some(items) = v.get_mut("items").and_then(Value::as_array_mut) {
                items.iter_mut().for_each(|l| select(l, f));
            }
            serde_json::to_vec(&v)
        }),
    };
    bytes.map_err(|e| AppError::internal(format!("answer does not serialize: {e}")))
}

fn listing_body(
    listing: &Listing,
    shape: &Shape,
    reviews: Option<&[Review]>,
) -> AppResult<Vec<u8>> {
    let mut v = serde_json::to_value(listing)
        .map_err(|e| AppError::internal(format!("listing does not serialize: {e}")))?;
    if let (Some(r), Value::Object(m)) = (reviews, &mut v) {
        let r = serde_json::to_value(r)
            .map_err(|e| AppError::internal(format!("reviews do not serialize: {e}")))?;
        m.insert("reviews".into(), r);
    }
    if let Some(f) = &shape.fields {
        select(&mut v, f);
    }
    serde_json::to_vec(&v)
        .map_err(|e| AppError::internal(format!("listing does not serialize: {e}")))
}

/// Whether `If-None-Match` names `etag` (weak comparison, as RFC 9110 has it for this header).
fn matches(headers: &HeaderMap, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let ours = bare(etag);
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == "*" || bare(t) == ours)
}

/// The answer as a response: 304 with no body when the client holds it, else 200 with it;
/// both with the validator and `Cache-Control`.
fn respond(state: &AppState, headers: &HeaderMap, answer: &Answer) -> Response {
    let not_modified = matches(headers, &answer.etag);
    let mut res = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = Response::new(Body::from(answer.body.clone()));
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        r
    };
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&answer.etag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!(
        "public, max-age={}",
        state.config.cache_max_age_secs
    )) {
        h.insert(header::CACHE_CONTROL, v);
    }
    res
}

/// The cache key of a request: its route and its whole query, as sent.
fn key(route: &str, uri: &Uri) -> String {
    format!("{route}?{}", uri.query().unwrap_or(""))
}

fn present(answer: AppResult<Option<Arc<Answer>>>) -> AppResult<Arc<Answer>> {
    answer?.ok_or_else(|| AppError::internal("a list answer was empty"))
}

/// `GET /v1/marketplace/search`.
pub async fn search(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> AppResult<Response> {
    let raw = uri.query().unwrap_or("");
    let shape = shape(raw, false)?;
    let answer = present(state.catalog.answer(&key("search", &uri), |index| {
        let pairs = form_urlencoded::parse(raw.as_bytes())
            .map(|(k, v)| (Cow::Owned(k.into_owned()), Cow::Owned(v.into_owned())));
        let q = SearchQuery::from_pairs(pairs)?;
        let results = index.search(&q)?;
        list_body(&results, shape.fields.as_ref()).map(Some)
    }))?;
    Ok(respond(&state, &headers, &answer))
}

/// `GET /v1/marketplace/listings/{agentId}`: counts a view (a 304 is a view too).
pub async fn listing(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    PathId(id): PathId,
) -> AppResult<Response> {
    let shape = shape(uri.query().unwrap_or(""), true)?;
    let request = key(&format!("listing/{id}"), &uri);
    let not_found = || AppError::not_found("listing", &id);
    let answer = if shape.reviews {
        // The reviews come from storage, so this answer is made in two steps, filed under the
        // generation read before either: a review written meanwhile bumps it.
        match state.catalog.cached(&request) {
            (_, Some(hit)) => hit,
            (generation, None) => {
                let listing = state
                    .catalog
                    .index()
                    .index
                    .get(&id)
                    .cloned()
                    .ok_or_else(not_found)?;
                let agent = id.clone();
                let page = state
                    .db
                    .read(move |c| {
                        db::agents::list_reviews(
                            c,
                            &agent,
                            PageReq {
                                limit: EXPANDED_REVIEWS,
                                before: i64::MAX,
                            },
                        )
                    })
                    .await?;
                let answer = Arc::new(Answer::new(listing_body(
                    &listing,
                    &shape,
                    Some(&page.items),
                )?));
                state.catalog.keep(generation, request, answer.clone());
                answer
            }
        }
    } else {
        state
            .catalog
            .answer(&request, |index| {
                index
                    .get(&id)
                    .map(|l| listing_body(l, &shape, None))
                    .transpose()
            })?
            .ok_or_else(not_found)?
    };
    if !state.catalog.count_view(&id) {
        return Err(not_found());
    }
    Ok(respond(&state, &headers, &answer))
}

/// `GET /v1/marketplace/featured`.
pub async fn featured(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> AppResult<Response> {
    let shape = shape(uri.query().unwrap_or(""), false)?;
    let answer = present(state.catalog.answer(&key("featured", &uri), |index| {
        let featured = jiga::model::Featured {
            items: index.featured(10),
        };
        list_body(&featured, shape.fields.as_ref()).map(Some)
    }))?;
    Ok(respond(&state, &headers, &answer))
}

/// `GET /v1/marketplace/categories`.
pub async fn categories(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    let answer = present(state.catalog.answer("categories", |index| {
        list_body(&index.categories(), None).map(Some)
    }))?;
    Ok(respond(&state, &headers, &answer))
}
