//! Extractors: who is calling.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::TokenService;
use crate::error::AppError;

/// State that can check access tokens; the extractors need nothing else of it.
pub trait TokenSource: Send + Sync {
    /// The token service.
    fn tokens(&self) -> &TokenService;
}

/// The `Authorization: Bearer` token of a request, if any.
#[must_use]
pub fn bearer_token(parts: &Parts) -> Option<&str> {
    bearer_in(&parts.headers)
}

/// The bearer token of an `Authorization` header, if there is one in that scheme.
#[must_use]
pub fn bearer_in(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// A signed-in caller; extracting it answers 401 when there is none.
#[derive(Clone, Debug)]
pub struct AuthUser {
    /// The user's id.
    pub id: String,
}

impl<S: TokenSource> FromRequestParts<S> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let token = bearer_token(parts).ok_or_else(|| {
            AppError::Unauthenticated("missing 'Authorization: Bearer <token>' header".into())
        })?;
        let claims = state.tokens().verify(token)?;
        Ok(AuthUser { id: claims.sub })
    }
}

/// A caller who may or may not be signed in; a present but invalid token is still a 401.
#[derive(Clone, Debug)]
pub struct MaybeUser(pub Option<AuthUser>);

impl<S: TokenSource> FromRequestParts<S> for MaybeUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        if bearer_token(parts).is_none() {
            return Ok(MaybeUser(None));
        }
        AuthUser::from_request_parts(parts, state)
            .await
            .map(|u| MaybeUser(Some(u)))
    }
}
