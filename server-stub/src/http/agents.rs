//! `/v1/agents/*`: the owner side, and reviews.

use axum::extract::State;
use axum::http::StatusCode;
use jiga::model::{
    AchievementId, Agent, AgentStatus, CreateAgentRequest, CreateReviewRequest, OwnerSummary, Page,
    Review, SessionStatus, UpdateAgentRequest,
};

use super::extract::{Json, PathId, Query};
use crate::auth::{AuthUser, MaybeUser};
use crate::cursor::PageParams;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::ids::now_millis;
use crate::state::{AppState, detached};

/// `POST /v1/agents`.
pub async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    Json(req): Json<CreateAgentRequest>,
) -> AppResult<(StatusCode, axum::Json<Agent>)> {
    req.validate()?;
    let now = now_millis();
    let agent = state
        .db
        .write(move |tx| {
            let agent = db::agents::create(tx, &user.id, req, now)?;
            db::outbox::record(
                tx,
                "agent.created",
                serde_json::json!({"agentId": agent.id, "ownerId": agent.owner_id}),
                &[],
                now,
            )?;
            Ok::<_, db::DbError>(agent)
        })
        .await?;
    Ok((StatusCode::CREATED, axum::Json(agent)))
}

/// An agent the caller may see: published ones to anyone, others to their owner only.
async fn visible(state: &AppState, id: &str, caller: Option<&AuthUser>) -> AppResult<Agent> {
    match state.profiles.get(id).await? {
        Some(a)
            if a.status == AgentStatus::Published || caller.is_some_and(|u| u.id == a.owner_id) =>
        {
            Ok(Agent::clone(&a))
        }
        _ => Err(AppError::not_found("agent", id)),
    }
}

/// `GET /v1/agents/{id}`.
pub async fn get(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    PathId(id): PathId,
) -> AppResult<axum::Json<Agent>> {
    visible(&state, &id, user.as_ref()).await.map(axum::Json)
}

/// `PATCH /v1/agents/{id}`.
pub async fn update(
    State(state): State<AppState>,
    user: AuthUser,
    PathId(id): PathId,
    Json(req): Json<UpdateAgentRequest>,
) -> AppResult<axum::Json<Agent>> {
    req.validate()?;
    let now = now_millis();
    let key = id.clone();
    // Detached: a committed change reaches the index even if the client goes away.
    detached(async move {
        let agent = state
            .db
            .write(move |tx| {
                let agent = db::agents::update(tx, &key, &user.id, &req, now)?;
                db::outbox::record(
                    tx,
                    "agent.updated",
                    serde_json::json!({"agentId": agent.id, "version": agent.version}),
                    &[],
                    now,
                )?;
                Ok::<_, db::DbError>(agent)
            })
            .await?;
        state.profiles.invalidate();
        if agent.status == AgentStatus::Published {
            state.catalog.refresh(&id).await;
        }
        Ok(axum::Json(agent))
    })
    .await
}

/// `GET /v1/agents/{id}/versions`.
pub async fn versions(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    PathId(id): PathId,
    Query(p): Query<PageParams>,
) -> AppResult<axum::Json<Page<Agent>>> {
    let page = p.parse()?;
    visible(&state, &id, user.as_ref()).await?;
    Ok(axum::Json(
        state
            .db
            .read(move |c| db::agents::versions(c, &id, page))
            .await?,
    ))
}

async fn set_published(
    state: AppState,
    user: AuthUser,
    id: String,
    publish: bool,
) -> AppResult<axum::Json<Agent>> {
    let now = now_millis();
    let (key, uid) = (id.clone(), user.id.clone());
    // Detached: a committed (un)publish reaches the index even if the client goes away.
    detached(async move {
        let (agent, unlocked, event) = state
            .db
            .write(move |tx| {
                let mut unlocked = Vec::new();
                let agent = db::agents::set_published(tx, &key, &uid, publish, now, &mut unlocked)?;
                // `agent.published` notifies the owner; `agent.unpublished` is for the bus only.
                let event = if publish {
                    db::outbox::record(
                        tx,
                        "agent.published",
                        serde_json::json!({"agentId": key}),
                        &[&uid],
                        now,
                    )?
                } else {
                    db::outbox::record(
                        tx,
                        "agent.unpublished",
                        serde_json::json!({"agentId": key}),
                        &[],
                        now,
                    )?
                };
                Ok::<_, db::DbError>((agent, unlocked, event))
            })
            .await?;
        state.profiles.invalidate();
        state.catalog.refresh(&id).await;
        state.notifier.unlocked(&unlocked);
        state.notifier.send(&event);
        Ok(axum::Json(agent))
    })
    .await
}

/// `POST /v1/agents/{id}/publish`.
pub async fn publish(
    State(state): State<AppState>,
    user: AuthUser,
    PathId(id): PathId,
) -> AppResult<axum::Json<Agent>> {
    set_published(state, user, id, true).await
}

/// `POST /v1/agents/{id}/unpublish`.
pub async fn unpublish(
    State(state): State<AppState>,
    user: AuthUser,
    PathId(id): PathId,
) -> AppResult<axum::Json<Agent>> {
    set_published(state, user, id, false).await
}

/// `POST /v1/agents/{id}/reviews`: the hirer of an ended session of this agent, once.
pub async fn create_review(
    State(state): State<AppState>,
    user: AuthUser,
    PathId(id): PathId,
    Json(req): Json<CreateReviewRequest>,
) -> AppResult<(StatusCode, axum::Json<Review>)> {
    req.validate()?;
    let now = now_millis();
    let agent_id = id.clone();
    let (review, unlocked, event) = state
        .db
        .write(move |tx| {
            if db::agents::get(tx, &agent_id)?.is_none() {
                return Err(AppError::not_found("agent", &agent_id));
            }
            let Some(row) = db::sessions::get(tx, &req.session_id)? else {
                return Err(AppError::not_found("session", &req.session_id));
            };
            if row.session.agent_id != agent_id {
                return Err(AppError::NotFound(format!(
                    "session '{}' is not a session of agent '{agent_id}'",
                    req.session_id
                )));
            }
            if row.session.hirer_id != user.id {
                return Err(AppError::Forbidden(
                    "only the hirer of the session may review it".into(),
                ));
            }
            if row.session.status != SessionStatus::Ended {
                return Err(AppError::Conflict(format!(
                    "session '{}' is still active; review it once it ends",
                    req.session_id
                )));
            }
            let me = db::users::get(tx, &user.id)?
                .ok_or_else(|| AppError::internal("reviewer missing"))?;
            let author = OwnerSummary {
                id: user.id.clone(),
                display_name: me.user.display_name,
            };
            let mut unlocked = Vec::new();
            let review = db::agents::create_review(
                tx,
                &agent_id,
                &req.session_id,
                author,
                req.rating,
                &req.text,
                now,
            )?;
            // In the review's own job: the first review unlocks once, whatever runs beside it.
            db::achievements::unlock(tx, &user.id, AchievementId::FirstReview, now, &mut unlocked)?;
            let event = db::outbox::record(
                tx,
                "review.submitted",
                serde_json::json!({"agentId": agent_id, "reviewId": review.id, "rating": review.rating}),
                &[&row.session.owner_id],
                now,
            )?;
            Ok((review, unlocked, event))
        })
        .await?;
    state.notifier.unlocked(&unlocked);
    state.notifier.send(&event);
    state.catalog.refresh(&id).await;
    Ok((StatusCode::CREATED, axum::Json(review)))
}

/// `GET /v1/agents/{id}/reviews`.
pub async fn reviews(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    PathId(id): PathId,
    Query(p): Query<PageParams>,
) -> AppResult<axum::Json<Page<Review>>> {
    let page = p.parse()?;
    visible(&state, &id, user.as_ref()).await?;
    Ok(axum::Json(
        state
            .db
            .read(move |c| db::agents::list_reviews(c, &id, page))
            .await?,
    ))
}
