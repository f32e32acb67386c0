//! `/v1/agents/*`: the owner side of agents, versions, publishing and reviews.

use std::sync::Arc;

use super::Client;
use super::error::Result;
use super::http::{Req, seg};
use super::pagination::{PageRequest, ReviewPages, VersionPages};
use super::transport::BoxStream;
use crate::model::{
    Agent, CreateAgentRequest, CreateReviewRequest, Page, Review, UpdateAgentRequest,
};

impl Client {
    /// Creates a draft agent (`POST /v1/agents`).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`](super::Error::InvalidArgument) naming the field the contract
    /// refuses (checked before sending), [`Error::Unauthenticated`](super::Error::Unauthenticated).
    pub async fn create_agent(&self, req: &CreateAgentRequest) -> Result<Agent> {
        req.validate()?;
        self.call(Req::post("/v1/agents").json(req)?).await
    }

    /// An agent (`GET /v1/agents/{id}`): published ones to anyone, drafts to their owner.
    ///
    /// # Errors
    /// [`Error::NotFound`](super::Error::NotFound) for a missing agent or someone else's draft.
    pub async fn agent(&self, id: &str) -> Result<Agent> {
        self.call(Req::get(format!("/v1/agents/{}", seg(id)))).await
    }

    /// Changes an agent, bumping its version (`PATCH /v1/agents/{id}`).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`](super::Error::InvalidArgument),
    /// [`Error::Forbidden`](super::Error::Forbidden) for anyone but the owner,
    /// [`Error::NotFound`](super::Error::NotFound).
    pub async fn update_agent(&self, id: &str, req: &UpdateAgentRequest) -> Result<Agent> {
        req.validate()?;
        self.call(Req::patch(format!("/v1/agents/{}", seg(id))).json(req)?)
            .await
    }

    /// One page of an agent's versions, newest first (`GET /v1/agents/{id}/versions`).
    ///
    /// # Errors
    /// [`Error::NotFound`](super::Error::NotFound), [`Error::InvalidArgument`](super::Error::InvalidArgument)
    /// for a bad page request.
    pub async fn agent_versions(&self, id: &str, page: &PageRequest) -> Result<Page<Agent>> {
        self.call(page.apply(Req::get(format!("/v1/agents/{}/versions", seg(id)))))
            .await
    }

    /// An agent's versions page by page, starting at `first`.
    pub fn agent_version_pages(&self, id: &str, first: PageRequest) -> VersionPages {
        let (client, id) = (self.clone(), id.to_owned());
        VersionPages::new(
            first,
            Arc::new(move |p| {
                let (client, id) = (client.clone(), id.clone());
                Box::pin(async move { client.agent_versions(&id, &p).await })
            }),
        )
    }

    /// Every version of an agent, across pages.
    pub fn agent_versions_stream(
        &self,
        id: &str,
        first: PageRequest,
    ) -> BoxStream<'static, Result<Agent>> {
        self.agent_version_pages(id, first).into_items()
    }

    /// Puts an agent in the marketplace (`POST /v1/agents/{id}/publish`).
    ///
    /// # Errors
    /// [`Error::Conflict`](super::Error::Conflict) when already published,
    /// [`Error::Forbidden`](super::Error::Forbidden) for anyone but the owner.
    pub async fn publish_agent(&self, id: &str) -> Result<Agent> {
        self.call(Req::post(format!("/v1/agents/{}/publish", seg(id))))
            .await
    }

    /// Takes an agent out of the marketplace (`POST /v1/agents/{id}/unpublish`).
    ///
    /// # Errors
    /// [`Error::Conflict`](super::Error::Conflict) when not published,
    /// [`Error::Forbidden`](super::Error::Forbidden) for anyone but the owner.
    pub async fn unpublish_agent(&self, id: &str) -> Result<Agent> {
        self.call(Req::post(format!("/v1/agents/{}/unpublish", seg(id))))
            .await
    }

    /// One page of an agent's reviews, newest first (`GET /v1/agents/{id}/reviews`).
    ///
    /// # Errors
    /// [`Error::NotFound`](super::Error::NotFound), [`Error::InvalidArgument`](super::Error::InvalidArgument)
    /// for a bad page request.
    pub async fn reviews(&self, agent_id: &str, page: &PageRequest) -> Result<Page<Review>> {
        self.call(page.apply(Req::get(format!("/v1/agents/{}/reviews", seg(agent_id)))))
            .await
    }

    /// An agent's reviews page by page, starting at `first`.
    pub fn review_pages(&self, agent_id: &str, first: PageRequest) -> ReviewPages {
        let (client, id) = (self.clone(), agent_id.to_owned());
        ReviewPages::new(
            first,
            Arc::new(move |p| {
                let (client, id) = (client.clone(), id.clone());
                Box::pin(async move { client.reviews(&id, &p).await })
            }),
        )
    }

    /// Every review of an agent, across pages.
    pub fn reviews_stream(
        &self,
        agent_id: &str,
        first: PageRequest,
    ) -> BoxStream<'static, Result<Review>> {
        self.review_pages(agent_id, first).into_items()
    }

    /// Reviews an ended session of the agent (`POST /v1/agents/{id}/reviews`).
    ///
    /// # Errors
    /// [`Error::Forbidden`](super::Error::Forbidden) unless the caller hired that session,
    /// [`Error::Conflict`](super::Error::Conflict) for a second review or a session still
    /// active, [`Error::NotFound`](super::Error::NotFound) for a session of another agent.
    pub async fn create_review(&self, agent_id: &str, req: &CreateReviewRequest) -> Result<Review> {
        req.validate()?;
        self.call(Req::post(format!("/v1/agents/{}/reviews", seg(agent_id))).json(req)?)
            .await
    }
}
