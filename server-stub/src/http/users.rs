//! `/v1/users/*`.

use axum::extract::State;
use axum::http::StatusCode;
use jiga::model::{
    Achievements, Agent, Me, Page, SetWebhookRequest, UpdateMeRequest, Webhook, WebhookSecret,
};

use super::extract::{Json, PathId, Query};
use crate::auth::AuthUser;
use crate::cursor::PageParams;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// `GET /v1/users/me`.
pub async fn me(State(state): State<AppState>, user: AuthUser) -> AppResult<axum::Json<Me>> {
    let id = user.id.clone();
    let me = state.db.read(move |c| db::users::get(c, &id)).await?;
    me.map(axum::Json)
        .ok_or_else(|| AppError::Unauthenticated("the token's user no longer exists".into()))
}

/// `GET /v1/users/me/achievements` (v1.2): the caller's unlocked achievements, oldest first.
pub async fn achievements(
    State(state): State<AppState>,
    user: AuthUser,
) -> AppResult<axum::Json<Achievements>> {
    let items = state
        .db
        .read(move |c| db::achievements::list(c, &user.id))
        .await?;
    Ok(axum::Json(Achievements { items }))
}

/// `PUT /v1/users/me/webhook` (v1.2): sets the caller's webhook after the private-address
/// guard has checked every address its host resolves to; a new secret each time, shown only
/// in this answer.
pub async fn put_webhook(
    State(state): State<AppState>,
    user: AuthUser,
    Json(req): Json<SetWebhookRequest>,
) -> AppResult<axum::Json<WebhookSecret>> {
    req.validate()?;
    let url = req.url.trim().to_owned();
    crate::channels::guard::check_url(&url, state.config.allow_private_webhooks)
        .await
        .map_err(|e| AppError::invalid("url", format!("url: {e}")))?;
    let hook = db::deliveries::Hook {
        url,
        secret: format!("whsec_{}", crate::ids::new_secret()),
    };
    let stored = hook.clone();
    let now = crate::ids::now_millis();
    state
        .db
        .write(move |tx| db::deliveries::set_hook(tx, &user.id, &stored, now))
        .await?;
    Ok(axum::Json(WebhookSecret {
        url: hook.url,
        secret: hook.secret,
    }))
}

/// `GET /v1/users/me/webhook` (v1.2): the URL, or 404.
pub async fn get_webhook(
    State(state): State<AppState>,
    user: AuthUser,
) -> AppResult<axum::Json<Webhook>> {
    let id = user.id.clone();
    let hook = state
        .db
        .read(move |c| db::deliveries::hook(c, &id))
        .await?
        .ok_or_else(|| AppError::NotFound("no webhook is set".into()))?;
    Ok(axum::Json(Webhook { url: hook.url }))
}

/// `DELETE /v1/users/me/webhook` (v1.2): 204, and the deliveries still waiting are dropped;
/// 404 when none is set.
pub async fn delete_webhook(
    State(state): State<AppState>,
    user: AuthUser,
) -> AppResult<StatusCode> {
    let removed = state
        .db
        .write(move |tx| db::deliveries::delete_hook(tx, &user.id))
        .await?;
    if removed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound("no webhook is set".into()))
    }
}

/// `PATCH /v1/users/me`.
pub async fn update_me(
    State(state): State<AppState>,
    user: AuthUser,
    Json(req): Json<UpdateMeRequest>,
) -> AppResult<axum::Json<Me>> {
    req.validate()?;
    let renamed = req.display_name.is_some();
    let id = user.id.clone();
    let me = state
        .db
        .write(move |tx| db::users::update(tx, &id, &req))
        .await?;
    if renamed {
        // Listings show the owner's name.
        let id = user.id.clone();
        for agent in state
            .db
            .read(move |c| db::agents::published_ids_of(c, &id))
            .await?
        {
            state.catalog.refresh(&agent).await;
        }
    }
    Ok(axum::Json(me))
}

/// `GET /v1/users/{id}`: only yourself.
pub async fn get(
    State(state): State<AppState>,
    user: AuthUser,
    PathId(id): PathId,
) -> AppResult<axum::Json<Me>> {
    if id != user.id {
        return Err(AppError::Forbidden(
            "users can read only their own profile".into(),
        ));
    }
    me(State(state), user).await
}

/// `GET /v1/users/me/agents`.
pub async fn my_agents(
    State(state): State<AppState>,
    user: AuthUser,
    Query(p): Query<PageParams>,
) -> AppResult<axum::Json<Page<Agent>>> {
    let page = p.parse()?;
    Ok(axum::Json(
        state
            .db
            .read(move |c| db::agents::list_by_owner(c, &user.id, page))
            .await?,
    ))
}
