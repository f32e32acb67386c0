//! `/v1/hires` and `/v1/sessions/*`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use jiga::model::{
    AgentStatus, CommandAccepted, CommandRequest, HireRequest, HireResponse, Page, Session,
    SessionStatus, StreamTicket,
};
use serde::Deserialize;
use tokio::sync::oneshot;

use super::extract::{IdemRequest, Json, PathId, Query, parse_json};
use super::idem;
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::cursor::PageParams;
use crate::db::idempotency::run_stored;
use crate::db::sessions::{self, SessionRow};
use crate::db::{self as store};
use crate::error::{AppError, AppResult};
use crate::ids::{new_secret, now_millis};
use crate::sim::runner::Msg;

/// Stream tickets are valid this long.
pub const TICKET_TTL_SECS: u64 = 60;

/// `POST /v1/hires`.
pub async fn hire(
    State(state): State<AppState>,
    user: AuthUser,
    idem_req: IdemRequest,
) -> AppResult<Response> {
    let st = state.clone();
    let hirer = user.id.clone();
    idem::run(&state, &user, idem_req, move |ik, body| async move {
        let req = match parse_json::<HireRequest>(&body)
            .and_then(|r| r.validate().map(|()| r).map_err(AppError::from))
        {
            Ok(r) => r,
            Err(e) => return idem::refuse(&st, ik, e).await,
        };
        let now = now_millis();
        let (stored, hired) = st
            .db
            .write(move |tx| {
                let mut hired: Option<(SessionRow, Vec<sessions::Frame>)> = None;
                let (stored, _) = run_stored(tx, &ik, 201, now, |tx| {
                    let agent = store::agents::get(tx, &req.agent_id)?
                        .filter(|a| a.status == AgentStatus::Published)
                        .ok_or_else(|| AppError::not_found("published agent", &req.agent_id))?;
                    if agent.owner_id == hirer {
                        return Err(AppError::Forbidden("you cannot hire your own agent".into()));
                    }
                    req.validate_budget(agent.pricing.per_minute)?;
                    let (row, frames) = sessions::hire(tx, &hirer, &agent, &req, now)?;
                    let resp = HireResponse {
                        session: row.session.clone(),
                        stream_path: format!("/v1/sessions/{}/stream", row.session.id),
                    };
                    hired = Some((row, frames));
                    Ok(resp)
                })?;
                Ok((stored, hired))
            })
            .await?;
        if let Some((row, frames)) = hired {
            st.hub.publish(&row.session.id, &frames, false);
            st.notifier.notify(
                &row.session.owner_id,
                "agent.hired",
                serde_json::json!({"agentId": row.session.agent_id, "sessionId": row.session.id}),
            );
            st.refresh_listing_later(&row.session.agent_id);
            st.runner.spawn(st.clone(), row);
        }
        Ok(stored)
    })
    .await
}

/// The session if the caller is its hirer or owner; 404 otherwise, hiding its existence.
pub async fn visible_session(state: &AppState, id: &str, user: &AuthUser) -> AppResult<SessionRow> {
    let key = id.to_owned();
    let row = state.db.read(move |c| sessions::get(c, &key)).await?;
    row.filter(|r| r.session.hirer_id == user.id || r.session.owner_id == user.id)
        .ok_or_else(|| AppError::not_found("session", id))
}

/// `GET /v1/sessions/{id}`.
pub async fn get(
    State(state): State<AppState>,
    user: AuthUser,
    PathId(id): PathId,
) -> AppResult<axum::Json<Session>> {
    Ok(axum::Json(
        visible_session(&state, &id, &user).await?.session,
    ))
}

/// Query of `GET /v1/sessions`.
#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    #[serde(flatten)]
    page: PageParams,
}

/// `GET /v1/sessions`.
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    Query(q): Query<ListQuery>,
) -> AppResult<axum::Json<Page<Session>>> {
    let page = q.page.parse()?;
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(s.parse::<SessionStatus>().map_err(|e| {
            AppError::invalid("status", format!("query parameter 'status': {}", e.message))
        })?),
    };
    Ok(axum::Json(
        state
            .db
            .read(move |c| sessions::list_for_hirer(c, &user.id, status, page))
            .await?,
    ))
}

/// Sends a command to a running session and waits for its acknowledgement to be in the stream.
///
/// # Errors
/// `conflict` when the session is not running.
pub async fn send_command(
    state: &AppState,
    session_id: &str,
    req: CommandRequest,
) -> AppResult<()> {
    let tx = state.runner.get(session_id).ok_or_else(|| {
        AppError::Conflict(format!(
            "session '{session_id}' has ended; it takes no more commands"
        ))
    })?;
    let (reply, rx) = oneshot::channel();
    tx.send(Msg::Command {
        command_id: req.command_id,
        data: req.data,
        reply,
    })
    .await
    .map_err(|_| {
        AppError::Conflict(format!(
            "session '{session_id}' has ended; it takes no more commands"
        ))
    })?;
    rx.await.map_err(|_| {
        AppError::Conflict(format!(
            "session '{session_id}' ended before the command was acknowledged"
        ))
    })?
}

/// `POST /v1/sessions/{id}/commands`.
pub async fn command(
    State(state): State<AppState>,
    user: AuthUser,
    PathId(id): PathId,
    Json(req): Json<CommandRequest>,
) -> AppResult<(StatusCode, axum::Json<CommandAccepted>)> {
    req.validate()?;
    let row = visible_session(&state, &id, &user).await?;
    if row.session.hirer_id != user.id {
        return Err(AppError::Forbidden(
            "only the hirer may send commands".into(),
        ));
    }
    let command_id = req.command_id.clone();
    send_command(&state, &id, req).await?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(CommandAccepted { command_id }),
    ))
}

/// `POST /v1/sessions/{id}/end`.
pub async fn end(
    State(state): State<AppState>,
    user: AuthUser,
    PathId(id): PathId,
    idem_req: IdemRequest,
) -> AppResult<Response> {
    let st = state.clone();
    let caller = user.clone();
    idem::run(&state, &user, idem_req, move |ik, _body| async move {
        let row = match visible_session(&st, &id, &caller).await {
            Ok(r) => r,
            Err(e) => return idem::refuse(&st, ik, e).await,
        };
        if row.session.hirer_id != caller.id {
            return idem::refuse(
                &st,
                ik,
                AppError::Forbidden("only the hirer may end a session".into()),
            )
            .await;
        }
        let ended = || AppError::Conflict(format!("session '{id}' has already ended"));
        let Some(tx) = st.runner.get(&id) else {
            return idem::refuse(&st, ik, ended()).await;
        };
        let (reply, rx) = oneshot::channel();
        if tx
            .send(Msg::End {
                key: ik.clone(),
                reply,
            })
            .await
            .is_err()
        {
            return idem::refuse(&st, ik, ended()).await;
        }
        match rx.await {
            Ok(answer) => answer,
            // The session ended by itself meanwhile.
            Err(_) => idem::refuse(&st, ik, ended()).await,
        }
    })
    .await
}

/// `POST /v1/sessions/{id}/stream-tickets`.
pub async fn stream_ticket(
    State(state): State<AppState>,
    user: AuthUser,
    PathId(id): PathId,
) -> AppResult<(StatusCode, axum::Json<StreamTicket>)> {
    visible_session(&state, &id, &user).await?;
    let ticket = format!("tkt_{}", new_secret());
    let expires = now_millis() + (TICKET_TTL_SECS as i64) * 1000;
    {
        let mut tickets = state.tickets.lock();
        let now = now_millis();
        tickets.retain(|_, (_, _, exp)| *exp > now);
        tickets.insert(ticket.clone(), (id, user.id, expires));
    }
    Ok((
        StatusCode::CREATED,
        axum::Json(StreamTicket {
            ticket,
            expires_in: TICKET_TTL_SECS,
        }),
    ))
}
