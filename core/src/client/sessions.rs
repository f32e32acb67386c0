//! `/v1/hires` and `/v1/sessions/*`: hiring, sessions, commands, ending, stream tickets.

use std::sync::Arc;

use super::Client;
use super::error::Result;
use super::http::{Req, seg};
use super::idempotency::IdempotencyKey;
use super::pagination::{PageRequest, SessionPages};
use super::transport::BoxStream;
use crate::model::{
    CommandAccepted, CommandRequest, EndSessionResponse, HireRequest, HireResponse, Page, Session,
    SessionStatus, StreamTicket,
};

/// The query of `GET /v1/sessions`. As JSON: `{"status": "active", "limit": 20, "cursor":
/// "…"}`, every member optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(from = "SessionFilterJson")]
pub struct SessionFilter {
    /// Only sessions in this state.
    pub status: Option<SessionStatus>,
    /// Which page.
    pub page: PageRequest,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionFilterJson {
    status: Option<SessionStatus>,
    limit: Option<u32>,
    cursor: Option<String>,
}

impl From<SessionFilterJson> for SessionFilter {
    fn from(j: SessionFilterJson) -> Self {
        SessionFilter {
            status: j.status,
            page: PageRequest {
                limit: j.limit,
                cursor: j.cursor,
            },
        }
    }
}

impl Client {
    /// Hires an agent (`POST /v1/hires`): holds `budget` DOF and starts a session, under a
    /// fresh idempotency key reused by every retry of this call.
    ///
    /// # Errors
    /// [`Error::InsufficientFunds`](super::Error::InsufficientFunds) with the amounts,
    /// [`Error::NotFound`](super::Error::NotFound) for an agent that is not published,
    /// [`Error::Forbidden`](super::Error::Forbidden) for one's own agent,
    /// [`Error::InvalidArgument`](super::Error::InvalidArgument) for a budget below one minute.
    pub async fn hire(&self, req: &HireRequest) -> Result<HireResponse> {
        self.hire_with_key(req, IdempotencyKey::generate()).await
    }

    /// [`Client::hire`] under an idempotency key the application chose.
    ///
    /// # Errors
    /// As [`Client::hire`], plus [`Error::IdempotencyConflict`](super::Error::IdempotencyConflict).
    pub async fn hire_with_key(
        &self,
        req: &HireRequest,
        key: IdempotencyKey,
    ) -> Result<HireResponse> {
        req.validate()?;
        self.call(Req::post("/v1/hires").json(req)?.idempotent(key))
            .await
    }

    /// A session, to its hirer or owner (`GET /v1/sessions/{id}`).
    ///
    /// # Errors
    /// [`Error::NotFound`](super::Error::NotFound) for anyone else.
    pub async fn session(&self, id: &str) -> Result<Session> {
        self.call(Req::get(format!("/v1/sessions/{}", seg(id))))
            .await
    }

    /// One page of the sessions the caller hired, newest first (`GET /v1/sessions`).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`](super::Error::InvalidArgument) for a bad page request,
    /// [`Error::Unauthenticated`](super::Error::Unauthenticated).
    pub async fn sessions(&self, filter: &SessionFilter) -> Result<Page<Session>> {
        let req = Req::get("/v1/sessions").query_opt(crate::wire::query::STATUS, filter.status);
        self.call(filter.page.apply(req)).await
    }

    /// The sessions matching `filter`, page by page.
    pub fn session_pages(&self, filter: SessionFilter) -> SessionPages {
        let client = self.clone();
        let first = filter.page.clone();
        SessionPages::new(
            first,
            Arc::new(move |page| {
                let client = client.clone();
                let filter = SessionFilter {
                    status: filter.status,
                    page,
                };
                Box::pin(async move { client.sessions(&filter).await })
            }),
        )
    }

    /// Every session matching `filter`, across pages.
    pub fn sessions_stream(&self, filter: SessionFilter) -> BoxStream<'static, Result<Session>> {
        self.session_pages(filter).into_items()
    }

    /// Sends a command to the session's agent (`POST /v1/sessions/{id}/commands`); the
    /// stream acknowledges it with `session.command_ack`. Never retried once sent.
    ///
    /// # Errors
    /// [`Error::Forbidden`](super::Error::Forbidden) unless the caller is the hirer,
    /// [`Error::InvalidArgument`](super::Error::InvalidArgument) for a bad command.
    pub async fn send_command(
        &self,
        session_id: &str,
        req: &CommandRequest,
    ) -> Result<CommandAccepted> {
        req.validate()?;
        self.call(Req::post(format!("/v1/sessions/{}/commands", seg(session_id))).json(req)?)
            .await
    }

    /// Ends and settles a session (`POST /v1/sessions/{id}/end`), under a fresh idempotency
    /// key reused by every retry of this call.
    ///
    /// # Errors
    /// [`Error::Conflict`](super::Error::Conflict) when it has already ended,
    /// [`Error::Forbidden`](super::Error::Forbidden) unless the caller is the hirer.
    pub async fn end_session(&self, session_id: &str) -> Result<EndSessionResponse> {
        self.end_session_with_key(session_id, IdempotencyKey::generate())
            .await
    }

    /// [`Client::end_session`] under an idempotency key the application chose.
    ///
    /// # Errors
    /// As [`Client::end_session`].
    pub async fn end_session_with_key(
        &self,
        session_id: &str,
        key: IdempotencyKey,
    ) -> Result<EndSessionResponse> {
        self.call(Req::post(format!("/v1/sessions/{}/end", seg(session_id))).idempotent(key))
            .await
    }

    /// A single-use, 60-second stream credential for browsers
    /// (`POST /v1/sessions/{id}/stream-tickets`).
    ///
    /// # Errors
    /// [`Error::NotFound`](super::Error::NotFound) unless the caller is the hirer or owner.
    pub async fn stream_ticket(&self, session_id: &str) -> Result<StreamTicket> {
        // An unused ticket expires: a try cut after sending may be repeated.
        self.call(
            Req::post(format!("/v1/sessions/{}/stream-tickets", seg(session_id))).repeatable(),
        )
        .await
    }
}
