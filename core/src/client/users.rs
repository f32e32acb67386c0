//! `/v1/users/*`.

use std::sync::Arc;

use super::Client;
use super::error::Result;
use super::http::{Req, seg};
use super::pagination::{AgentPages, PageRequest};
use super::transport::BoxStream;
use crate::model::{
    Achievements, Agent, Me, Page, SetWebhookRequest, UpdateMeRequest, Webhook, WebhookSecret,
};

impl Client {
    /// The signed-in user with preferences (`GET /v1/users/me`).
    ///
    /// # Errors
    /// [`Error::Unauthenticated`](super::Error::Unauthenticated) when signed out, transport
    /// errors.
    pub async fn me(&self) -> Result<Me> {
        self.call(Req::get("/v1/users/me")).await
    }

    /// Changes the display name and/or preferences (`PATCH /v1/users/me`).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`](super::Error::InvalidArgument) for input the contract
    /// refuses (checked before sending), [`Error::Unauthenticated`](super::Error::Unauthenticated).
    pub async fn update_me(&self, req: &UpdateMeRequest) -> Result<Me> {
        req.validate()?;
        self.call(Req::patch("/v1/users/me").json(req)?).await
    }

    /// The caller's unlocked achievements, oldest first (`GET /v1/users/me/achievements`,
    /// v1.2).
    ///
    /// # Errors
    /// [`Error::Unauthenticated`](super::Error::Unauthenticated) when signed out, transport
    /// errors.
    pub async fn achievements(&self) -> Result<Achievements> {
        self.call(Req::get("/v1/users/me/achievements")).await
    }

    /// Sets the caller's webhook (`PUT /v1/users/me/webhook`, v1.2): every notification of the
    /// caller is then POSTed to `url`, signed with the returned secret (shown only in this
    /// answer; calling again rotates it). A try cut on its way back is repeated, and the
    /// secret of the answer that arrives is the one in force.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`](super::Error::InvalidArgument) naming `url` for a URL that is
    /// not `http(s)://host…` (checked before sending) or whose host the server refuses (private,
    /// loopback, link-local or multicast addresses),
    /// [`Error::Unauthenticated`](super::Error::Unauthenticated).
    pub async fn set_webhook(&self, url: &str) -> Result<WebhookSecret> {
        let req = SetWebhookRequest {
            url: url.to_owned(),
        };
        req.validate()?;
        self.call(Req::put("/v1/users/me/webhook").json(&req)?.repeatable())
            .await
    }

    /// The caller's webhook, or `None` when none is set (`GET /v1/users/me/webhook`, v1.2).
    ///
    /// # Errors
    /// [`Error::Unauthenticated`](super::Error::Unauthenticated), transport errors.
    pub async fn webhook(&self) -> Result<Option<Webhook>> {
        match self.call(Req::get("/v1/users/me/webhook")).await {
            Ok(w) => Ok(Some(w)),
            Err(super::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Removes the caller's webhook (`DELETE /v1/users/me/webhook`, v1.2); whether one was
    /// set. Deliveries still waiting for it are dropped.
    ///
    /// # Errors
    /// [`Error::Unauthenticated`](super::Error::Unauthenticated), transport errors.
    pub async fn delete_webhook(&self) -> Result<bool> {
        match self
            .call_no_body(Req::delete("/v1/users/me/webhook").repeatable())
            .await
        {
            Ok(()) => Ok(true),
            Err(super::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// A user by id (`GET /v1/users/{id}`); only the caller's own id is allowed.
    ///
    /// # Errors
    /// [`Error::Forbidden`](super::Error::Forbidden) for anyone else's id.
    pub async fn user(&self, id: &str) -> Result<Me> {
        self.call(Req::get(format!("/v1/users/{}", seg(id)))).await
    }

    /// One page of the caller's agents (`GET /v1/users/me/agents`).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`](super::Error::InvalidArgument) for a limit outside 1..=100
    /// or a bad cursor, [`Error::Unauthenticated`](super::Error::Unauthenticated).
    pub async fn my_agents(&self, page: &PageRequest) -> Result<Page<Agent>> {
        self.call(page.apply(Req::get("/v1/users/me/agents"))).await
    }

    /// The caller's agents page by page, starting at `first`.
    pub fn my_agent_pages(&self, first: PageRequest) -> AgentPages {
        let client = self.clone();
        AgentPages::new(
            first,
            Arc::new(move |p| {
                let client = client.clone();
                Box::pin(async move { client.my_agents(&p).await })
            }),
        )
    }

    /// Every agent of the caller, across pages.
    pub fn my_agents_stream(&self, first: PageRequest) -> BoxStream<'static, Result<Agent>> {
        self.my_agent_pages(first).into_items()
    }
}
