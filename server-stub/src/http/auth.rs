//! `/v1/auth/*`: register, login, device sign-in, refresh.

use axum::extract::State;
use axum::http::StatusCode;
use jiga::model::{
    AnonymousLoginRequest, AuthResponse, LoginRequest, RefreshRequest, RegisterRequest, User,
};

use super::extract::Json;
use crate::auth::{hash_password, verify_password};
use crate::db::DbError;
use crate::db::users::{self, Rotation};
use crate::error::{AppError, AppResult};
use crate::ids::now_millis;
use crate::state::AppState;

/// Refresh tokens live 30 days.
const REFRESH_TTL_MS: i64 = 30 * 24 * 3600 * 1000;

async fn respond(
    state: &AppState,
    user: User,
    family: &str,
    refresh_token: String,
) -> AppResult<axum::Json<AuthResponse>> {
    let access_token = state.tokens.issue(&user.id, family)?;
    Ok(axum::Json(AuthResponse {
        user,
        access_token,
        refresh_token,
        expires_in: state.tokens.ttl_secs,
    }))
}

/// `POST /v1/auth/register`.
pub async fn register(
    State(state): State<AppState>,
    Json(req): Json<RegisterRequest>,
) -> AppResult<(StatusCode, axum::Json<AuthResponse>)> {
    req.validate()?;
    let hash = hash_password(req.password.clone()).await?;
    let now = now_millis();
    let (user, family, token) = state
        .db
        .write(move |tx| {
            let user = users::create_with_email(tx, &req.email, &hash, &req.display_name, now)?;
            let (family, token) = users::start_login(tx, &user.id, now, REFRESH_TTL_MS)?;
            Ok::<_, DbError>((user, family, token))
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        respond(&state, user, &family, token).await?,
    ))
}

/// `POST /v1/auth/login`.
pub async fn login(
    State(state): State<AppState>,
    Json(req): Json<LoginRequest>,
) -> AppResult<axum::Json<AuthResponse>> {
    if let Err(retry_after) = state.logins.check(&req.email) {
        return Err(AppError::Quota {
            message: format!(
                "too many failed logins for this email; retry in {} s",
                retry_after.as_secs().max(1)
            ),
            retry_after,
        });
    }
    let email = req.email.clone();
    let found = state.db.read(move |c| users::find_login(c, &email)).await?;
    // Verify against a dummy hash when the email is unknown, so timing does not reveal accounts.
    let (user, hash) = match found {
        Some(f) => (Some(f.0), f.1),
        None => (None, DUMMY_HASH.to_owned()),
    };
    let ok = verify_password(req.password, hash).await;
    let Some(user) = user.filter(|_| ok) else {
        state.logins.failed(&req.email);
        return Err(AppError::Unauthenticated("wrong email or password".into()));
    };
    state.logins.succeeded(&req.email);
    let now = now_millis();
    let uid = user.id.clone();
    let (family, token) = state
        .db
        .write(move |tx| users::start_login(tx, &uid, now, REFRESH_TTL_MS))
        .await?;
    respond(&state, user, &family, token).await
}

const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$QmZ1bHpQbmVqa0xwSHVRZ1BDc0xGUQ";

/// `POST /v1/auth/anonymous`.
pub async fn anonymous(
    State(state): State<AppState>,
    Json(req): Json<AnonymousLoginRequest>,
) -> AppResult<axum::Json<AuthResponse>> {
    req.validate()?;
    let now = now_millis();
    let (user, family, token) = state
        .db
        .write(move |tx| {
            let user = users::device_user(tx, &req.device_id, now)?;
            let (family, token) = users::start_login(tx, &user.id, now, REFRESH_TTL_MS)?;
            Ok::<_, DbError>((user, family, token))
        })
        .await?;
    respond(&state, user, &family, token).await
}

/// `POST /v1/auth/refresh`.
pub async fn refresh(
    State(state): State<AppState>,
    Json(req): Json<RefreshRequest>,
) -> AppResult<axum::Json<AuthResponse>> {
    let now = now_millis();
    let rotation = state
        .db
        .write(move |tx| users::rotate(tx, &req.refresh_token, now, REFRESH_TTL_MS))
        .await?;
    match rotation {
        Rotation::Rotated {
            user,
            family,
            token,
        } => respond(&state, user, &family, token).await,
        Rotation::ReuseDetected { family } => {
            tracing::warn!(login = %family, "refresh token reused: login revoked");
            state.tokens.revoke([family]);
            Err(AppError::Unauthenticated(
                "refresh token was already used; every token of this login is revoked".into(),
            ))
        }
        Rotation::Invalid => Err(AppError::Unauthenticated(
            "refresh token is unknown, expired or revoked".into(),
        )),
    }
}
