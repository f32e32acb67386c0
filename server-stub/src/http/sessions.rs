//! `/v1/hires`, `/v1/sessions/*` and `/v1/events/stream-tickets`.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use jiga::model::{
    CommandAccepted, CommandRequest, HireRequest, HireResponse, Page, Session, SessionStatus,
    StreamTicket,
};
use serde::Deserialize;

use super::extract::{IdemRequest, Json, PathId, Query, parse_json};
use super::idem;
use crate::auth::AuthUser;
use crate::cursor::PageParams;
use crate::db::idempotency::run_stored;
use crate::db::sessions::{self, SessionRow};
use crate::db::{self as store};
use crate::domain::session::{HirePolicy, MAX_COMMAND_DATA_BYTES, command_data_fits};
use crate::error::{AppError, AppResult};
use crate::ids::now_millis;
use crate::sim::runner::{MAX_COMMANDS_IN_FLIGHT, NotTaken};
use crate::state::{AppState, detached};
use crate::stream::tickets::{Scope, TICKET_TTL_SECS};

/// `POST /v1/hires`.
pub async fn hire(
    State(state): State<AppState>,
    user: AuthUser,
    idem_req: IdemRequest,
) -> AppResult<Response> {
    let st = state.clone();
    let hirer = user.id.clone();
    idem::run(&state, &user, idem_req, move |ik, body| async move {
        let parsed = parse_json::<HireRequest>(&body).and_then(|req| {
            req.validate()?;
            let expected = req.expected_pricing;
            Ok((req, expected))
        });
        let (req, expected) = match parsed {
            Ok(r) => r,
            Err(e) => return idem::refuse(&st, ik, e).await,
        };
        let policy = HirePolicy {
            max_active_per_hirer: st.config.max_active_sessions_per_hirer,
            fee_bps: st.config.platform_fee_bps,
        };
        // The effect and everything that must follow it (publishing `session.started`,
        // starting the session's agent) run detached from this request: a client that goes
        // away mid-request must not leave a committed session without its agent.
        detached(async move {
            let now = now_millis();
            let (stored, hired) = st
                .db
                .write(move |tx| {
                    let mut hired: Option<(SessionRow, sessions::Effects)> = None;
                    let (stored, _) = run_stored(tx, &ik, 201, now, |tx| {
                        let agent = store::agents::get(tx, &req.agent_id)?;
                        let active = sessions::active_count(tx, &hirer)?;
                        let agent = policy.check(
                            agent.as_ref(),
                            &req.agent_id,
                            &hirer,
                            &req,
                            expected.as_ref(),
                            active,
                        )?;
                        let (row, out) = sessions::hire(tx, &hirer, agent, &req, &policy, now)?;
                        let resp = HireResponse {
                            session: row.session.clone(),
                            stream_path: format!("/v1/sessions/{}/stream", row.session.id),
                        };
                        hired = Some((row, out));
                        Ok::<_, AppError>(resp)
                    })?;
                    Ok::<_, AppError>((stored, hired))
                })
                .await?;
            if let Some((row, out)) = hired {
                st.hub.publish(&row.session.id, out.frames, false);
                st.notifier.unlocked(&out.unlocked);
                st.notifier.send_all(&out.events);
                st.catalog.refresh_later(&row.session.agent_id);
                st.runner.spawn(row);
            }
            Ok(stored)
        })
        .await
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

/// `POST /v1/sessions/{id}/commands`.
pub async fn command(
    State(state): State<AppState>,
    user: AuthUser,
    PathId(id): PathId,
    Json(req): Json<CommandRequest>,
) -> AppResult<(StatusCode, axum::Json<CommandAccepted>)> {
    req.validate()?;
    if !command_data_fits(&req) {
        return Err(AppError::PayloadTooLarge {
            what: "command data",
            limit: MAX_COMMAND_DATA_BYTES as u64,
        });
    }
    let row = visible_session(&state, &id, &user).await?;
    if row.session.hirer_id != user.id {
        return Err(AppError::Forbidden(
            "only the hirer may send commands".into(),
        ));
    }
    let slot = state.runner.begin_command(&id).map_err(|e| match e {
        NotTaken::NotRunning => AppError::Conflict(format!(
            "session '{id}' has ended; it takes no more commands"
        )),
        NotTaken::Busy => AppError::Quota {
            message: format!(
                "session '{id}' has {MAX_COMMANDS_IN_FLIGHT} commands waiting for their acknowledgement; retry shortly"
            ),
            retry_after: Duration::from_secs(1),
        },
    })?;
    let command_id = req.command_id.clone();
    slot.send(req).await?;
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
        match st.runner.end(&id, ik.clone()).await {
            Ok(answer) => answer,
            // Stopping for shutdown with the end not applied: not a final answer, so it is
            // not stored and the key may be retried once the server is back.
            Err(_) if st.runner.stopping() => Err(AppError::Unavailable(
                "the server is shutting down; retry the end with the same key".into(),
            )),
            Err(_) => {
                // No task runs the session: it ended by itself, or (a bug) it was left active
                // without its agent. Only the first is a final "already ended".
                let key = id.clone();
                let active = st
                    .db
                    .read(move |c| sessions::get(c, &key))
                    .await?
                    .is_some_and(|r| r.session.status == SessionStatus::Active);
                if active {
                    tracing::error!(session_id = %id, "active session without its agent");
                    return Err(AppError::Unavailable(format!(
                        "session '{id}' is not running on this server; retry shortly"
                    )));
                }
                let ended = AppError::Conflict(format!("session '{id}' has already ended"));
                idem::refuse(&st, ik, ended).await
            }
        }
    })
    .await
}

/// `POST /v1/sessions/{id}/stream-tickets`: a ticket that opens this session's stream only.
pub async fn stream_ticket(
    State(state): State<AppState>,
    user: AuthUser,
    PathId(id): PathId,
) -> AppResult<(StatusCode, axum::Json<StreamTicket>)> {
    visible_session(&state, &id, &user).await?;
    let ticket = state.streams.tickets.issue(&user.id, Scope::Session(id));
    Ok((
        StatusCode::CREATED,
        axum::Json(StreamTicket {
            ticket,
            expires_in: TICKET_TTL_SECS,
        }),
    ))
}

/// `POST /v1/events/stream-tickets`: a ticket that opens the caller's notifications only.
pub async fn notification_ticket(
    State(state): State<AppState>,
    user: AuthUser,
) -> (StatusCode, axum::Json<StreamTicket>) {
    let ticket = state.streams.tickets.issue(&user.id, Scope::Notifications);
    (
        StatusCode::CREATED,
        axum::Json(StreamTicket {
            ticket,
            expires_in: TICKET_TTL_SECS,
        }),
    )
}
