//! `Client`: the core's `jiga::Client` with every route as a `suspend`/`async` method.
//! Each method parses its arguments, spawns one core call and converts the answer; retries,
//! idempotency keys, refresh and paging are the core's.

use std::sync::Arc;

use jiga::client::{IdempotencyKey, TokioSpawner};

use crate::error::JigaError;
use crate::events::{Notifications, SessionEvents};
use crate::inputs::{
    ClientOptions, CreateAgentRequest, CreateReviewRequest, HireRequest, PageRequest,
    RegisterRequest, SearchParams, SessionFilter, StreamOptions, TopupRequest, TransactionFilter,
    to_core,
};
use crate::models::{
    Achievement, Agent, AgentPage, Categories, CommandAccepted, EndSessionResponse, HireResponse,
    Listing, Me, Review, ReviewPage, SearchPage, Session, SessionPage, Topup, TransactionPage,
    User, Wallet,
};
use crate::pagers::{
    MyAgentPager, ReviewPager, SearchPager, SessionPager, TransactionPager, VersionPager,
};
use crate::runtime::{Live, run, runtime};
use crate::tokens::{Bridge, TokenStore, Tokens};
use crate::webhook::{Webhook, WebhookSecret};

fn key(k: &str) -> Result<IdempotencyKey, JigaError> {
    Ok(IdempotencyKey::new(k)?)
}

fn json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, JigaError> {
    Ok(jiga::client::from_json(what, text)?)
}

/// A client of one store. Cheap to share between coroutines; `close()` frees the handle,
/// `shutdown()` stops every call in flight and every stream opened from it.
#[derive(uniffi::Object)]
pub struct Client {
    client: jiga::Client,
    _live: Live,
}

#[uniffi::export]
impl Client {
    /// A client of `options.baseUrl`; with a `store`, its saved tokens are loaded now and
    /// every new login is saved to it.
    ///
    /// # Errors
    /// `InvalidArgument` for a bad URL or an option out of range.
    #[uniffi::constructor]
    pub fn new(
        options: ClientOptions,
        store: Option<Arc<dyn TokenStore>>,
    ) -> Result<Arc<Self>, JigaError> {
        let opts: jiga::client::ClientOptions = to_core("options", &options.core())?;
        let rt = runtime();
        // The HTTP stack is set up inside the runtime it will run on.
        let _enter = rt.enter();
        let mut builder = opts
            .into_builder()?
            .spawner(Arc::new(TokioSpawner::new(rt.handle().clone())));
        if let Some(store) = store {
            builder = builder.token_store(Arc::new(Bridge(store)));
        }
        Ok(Arc::new(Client {
            client: builder.build()?,
            _live: Live::new(),
        }))
    }

    /// The server's base URL.
    pub fn base_url(&self) -> String {
        self.client.base_url().to_owned()
    }

    /// The current tokens (`None` when signed out).
    pub fn tokens(&self) -> Option<Tokens> {
        self.client.tokens().map(Into::into)
    }

    /// Whether the client holds tokens.
    pub fn is_signed_in(&self) -> bool {
        self.client.is_signed_in()
    }

    /// Forgets the tokens (and clears the store).
    pub fn sign_out(&self) {
        self.client.sign_out();
    }

    /// Shuts the client down (the core's `Client::close`): calls in flight fail with
    /// `Closed`, later calls too, and its streams end. Tokens stay in the store.
    pub fn shutdown(&self) {
        self.client.close();
    }

    /// Whether `shutdown` was called.
    pub fn is_shut_down(&self) -> bool {
        self.client.is_closed()
    }

    /// Device sign-in (makes the player on first use).
    ///
    /// # Errors
    /// `InvalidArgument`, `RateLimited`, transport errors.
    pub async fn sign_in_device(&self, device_id: String) -> Result<User, JigaError> {
        let c = self.client.clone();
        run(
            async move { c.sign_in_device(&device_id).await },
            User::from,
        )
        .await
    }

    /// Email and password.
    ///
    /// # Errors
    /// `Unauthenticated` for a wrong password.
    pub async fn login(&self, email: String, password: String) -> Result<User, JigaError> {
        let c = self.client.clone();
        run(async move { c.login(&email, &password).await }, User::from).await
    }

    /// Registers an email account and signs in.
    ///
    /// # Errors
    /// `InvalidArgument`, `Conflict` for a taken email.
    pub async fn register(&self, request: RegisterRequest) -> Result<User, JigaError> {
        let r: jiga::model::RegisterRequest = to_core("request", &request)?;
        let c = self.client.clone();
        run(async move { c.register(&r).await }, User::from).await
    }

    /// Refreshes the access token now (the core also does it by itself when needed).
    ///
    /// # Errors
    /// `Unauthenticated` when the login was revoked.
    pub async fn refresh(&self) -> Result<(), JigaError> {
        let c = self.client.clone();
        run(async move { c.refresh().await }, |()| ()).await
    }

    /// One page of a marketplace search.
    ///
    /// # Errors
    /// `InvalidArgument` for a filter out of range.
    pub async fn search(&self, params: SearchParams) -> Result<SearchPage, JigaError> {
        let p: jiga::client::SearchParams = to_core("params", &params)?;
        let c = self.client.clone();
        run(async move { c.search(&p).await }, SearchPage::from).await
    }

    /// Every page of a search, one `nextPage()` at a time.
    ///
    /// # Errors
    /// `InvalidArgument` for a filter that is not the contract's.
    pub fn search_pages(&self, params: SearchParams) -> Result<Arc<SearchPager>, JigaError> {
        let p: jiga::client::SearchParams = to_core("params", &params)?;
        Ok(Arc::new(SearchPager::new(self.client.search_pages(p))))
    }

    /// One listing by agent id.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn listing(&self, agent_id: String) -> Result<Listing, JigaError> {
        let c = self.client.clone();
        run(async move { c.listing(&agent_id).await }, Listing::from).await
    }

    /// The featured listings.
    ///
    /// # Errors
    /// Transport and server errors.
    pub async fn featured(&self) -> Result<Vec<Listing>, JigaError> {
        let c = self.client.clone();
        run(async move { c.featured().await }, |f| {
            f.items.into_iter().map(Listing::from).collect()
        })
        .await
    }

    /// Listings per game and per type.
    ///
    /// # Errors
    /// Transport and server errors.
    pub async fn categories(&self) -> Result<Categories, JigaError> {
        let c = self.client.clone();
        run(async move { c.categories().await }, Categories::from).await
    }

    /// One agent by id.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn agent(&self, agent_id: String) -> Result<Agent, JigaError> {
        let c = self.client.clone();
        run(async move { c.agent(&agent_id).await }, Agent::from).await
    }

    /// Creates an agent of the caller's (a draft).
    ///
    /// # Errors
    /// `InvalidArgument`.
    pub async fn create_agent(&self, request: CreateAgentRequest) -> Result<Agent, JigaError> {
        let r: jiga::model::CreateAgentRequest = to_core("request", &request)?;
        let c = self.client.clone();
        run(async move { c.create_agent(&r).await }, Agent::from).await
    }

    /// Updates the caller's agent; `request_json` is the contract's `UpdateAgentRequest`
    /// (members left out stay as they are; `null` clears `imageUrl` or `nationality`).
    ///
    /// # Errors
    /// `InvalidArgument`, `Forbidden`, `NotFound`.
    pub async fn update_agent(
        &self,
        agent_id: String,
        request_json: String,
    ) -> Result<Agent, JigaError> {
        let r: jiga::model::UpdateAgentRequest = json("request", &request_json)?;
        let c = self.client.clone();
        run(
            async move { c.update_agent(&agent_id, &r).await },
            Agent::from,
        )
        .await
    }

    /// Publishes the caller's agent.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`.
    pub async fn publish_agent(&self, agent_id: String) -> Result<Agent, JigaError> {
        let c = self.client.clone();
        run(async move { c.publish_agent(&agent_id).await }, Agent::from).await
    }

    /// Unpublishes the caller's agent.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`.
    pub async fn unpublish_agent(&self, agent_id: String) -> Result<Agent, JigaError> {
        let c = self.client.clone();
        run(
            async move { c.unpublish_agent(&agent_id).await },
            Agent::from,
        )
        .await
    }

    /// One page of an agent's versions.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn agent_versions(
        &self,
        agent_id: String,
        page: PageRequest,
    ) -> Result<AgentPage, JigaError> {
        let p: jiga::client::PageRequest = to_core("page", &page)?;
        let c = self.client.clone();
        run(
            async move { c.agent_versions(&agent_id, &p).await },
            AgentPage::from,
        )
        .await
    }

    /// Every page of an agent's versions.
    ///
    /// # Errors
    /// `InvalidArgument`.
    pub fn agent_version_pages(
        &self,
        agent_id: String,
        page: PageRequest,
    ) -> Result<Arc<VersionPager>, JigaError> {
        let p: jiga::client::PageRequest = to_core("page", &page)?;
        Ok(Arc::new(VersionPager::new(
            self.client.agent_version_pages(&agent_id, p),
        )))
    }

    /// One page of an agent's reviews.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn reviews(
        &self,
        agent_id: String,
        page: PageRequest,
    ) -> Result<ReviewPage, JigaError> {
        let p: jiga::client::PageRequest = to_core("page", &page)?;
        let c = self.client.clone();
        run(
            async move { c.reviews(&agent_id, &p).await },
            ReviewPage::from,
        )
        .await
    }

    /// Every page of an agent's reviews.
    ///
    /// # Errors
    /// `InvalidArgument`.
    pub fn review_pages(
        &self,
        agent_id: String,
        page: PageRequest,
    ) -> Result<Arc<ReviewPager>, JigaError> {
        let p: jiga::client::PageRequest = to_core("page", &page)?;
        Ok(Arc::new(ReviewPager::new(
            self.client.review_pages(&agent_id, p),
        )))
    }

    /// Reviews an agent the caller hired.
    ///
    /// # Errors
    /// `InvalidArgument`, `Forbidden`, `Conflict`.
    pub async fn create_review(
        &self,
        agent_id: String,
        request: CreateReviewRequest,
    ) -> Result<Review, JigaError> {
        let r: jiga::model::CreateReviewRequest = to_core("request", &request)?;
        let c = self.client.clone();
        run(
            async move { c.create_review(&agent_id, &r).await },
            Review::from,
        )
        .await
    }

    /// The caller with their preferences.
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn me(&self) -> Result<Me, JigaError> {
        let c = self.client.clone();
        run(async move { c.me().await }, Me::from).await
    }

    /// The caller's unlocked achievements, oldest first.
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn achievements(&self) -> Result<Vec<Achievement>, JigaError> {
        let c = self.client.clone();
        run(async move { c.achievements().await }, |a| {
            a.items.into_iter().map(Achievement::from).collect()
        })
        .await
    }

    /// Updates the caller; `request_json` is the contract's `UpdateMeRequest`
    /// (`displayName`, `preferences`).
    ///
    /// # Errors
    /// `InvalidArgument`.
    pub async fn update_me(&self, request_json: String) -> Result<Me, JigaError> {
        let r: jiga::model::UpdateMeRequest = json("request", &request_json)?;
        let c = self.client.clone();
        run(async move { c.update_me(&r).await }, Me::from).await
    }

    /// POSTs the caller's notifications to `url`, signed with the returned secret (shown this
    /// once; calling again rotates it), which `verifyWebhook` checks deliveries with.
    ///
    /// # Errors
    /// `InvalidArgument` naming `url` (not `http(s)://host…`, or a host the server refuses).
    pub async fn set_webhook(&self, url: String) -> Result<WebhookSecret, JigaError> {
        let c = self.client.clone();
        run(
            async move { c.set_webhook(&url).await },
            WebhookSecret::from,
        )
        .await
    }

    /// The caller's webhook, or null when none is set.
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn webhook(&self) -> Result<Option<Webhook>, JigaError> {
        let c = self.client.clone();
        run(async move { c.webhook().await }, |w| w.map(Webhook::from)).await
    }

    /// Removes the caller's webhook; whether one was set.
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn delete_webhook(&self) -> Result<bool, JigaError> {
        let c = self.client.clone();
        run(async move { c.delete_webhook().await }, |gone| gone).await
    }

    /// A user by id (only the caller's own).
    ///
    /// # Errors
    /// `Forbidden` for anyone else.
    pub async fn user(&self, user_id: String) -> Result<Me, JigaError> {
        let c = self.client.clone();
        run(async move { c.user(&user_id).await }, Me::from).await
    }

    /// One page of the caller's agents.
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn my_agents(&self, page: PageRequest) -> Result<AgentPage, JigaError> {
        let p: jiga::client::PageRequest = to_core("page", &page)?;
        let c = self.client.clone();
        run(async move { c.my_agents(&p).await }, AgentPage::from).await
    }

    /// Every page of the caller's agents.
    ///
    /// # Errors
    /// `InvalidArgument`.
    pub fn my_agent_pages(&self, page: PageRequest) -> Result<Arc<MyAgentPager>, JigaError> {
        let p: jiga::client::PageRequest = to_core("page", &page)?;
        Ok(Arc::new(MyAgentPager::new(self.client.my_agent_pages(p))))
    }

    /// Hires an agent: holds `budget` DOF and starts a session, under a fresh idempotency
    /// key that every retry of this call reuses.
    ///
    /// # Errors
    /// `InsufficientFunds` (see `needed`, `available`), `Conflict` (price changed),
    /// `NotFound`.
    pub async fn hire(&self, request: HireRequest) -> Result<HireResponse, JigaError> {
        let r: jiga::model::HireRequest = to_core("request", &request)?;
        let c = self.client.clone();
        run(async move { c.hire(&r).await }, HireResponse::from).await
    }

    /// `hire` under the caller's idempotency key (to retry across launches).
    ///
    /// # Errors
    /// As `hire`, and `IdempotencyConflict` for a key used with another request.
    pub async fn hire_with_key(
        &self,
        request: HireRequest,
        idempotency_key: String,
    ) -> Result<HireResponse, JigaError> {
        let r: jiga::model::HireRequest = to_core("request", &request)?;
        let k = key(&idempotency_key)?;
        let c = self.client.clone();
        run(
            async move { c.hire_with_key(&r, k).await },
            HireResponse::from,
        )
        .await
    }

    /// One session by id.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn session(&self, session_id: String) -> Result<Session, JigaError> {
        let c = self.client.clone();
        run(async move { c.session(&session_id).await }, Session::from).await
    }

    /// One page of the caller's sessions.
    ///
    /// # Errors
    /// `InvalidArgument`.
    pub async fn sessions(&self, filter: SessionFilter) -> Result<SessionPage, JigaError> {
        let f: jiga::client::SessionFilter = to_core("filter", &filter)?;
        let c = self.client.clone();
        run(async move { c.sessions(&f).await }, SessionPage::from).await
    }

    /// Every page of the caller's sessions.
    ///
    /// # Errors
    /// `InvalidArgument`.
    pub fn session_pages(&self, filter: SessionFilter) -> Result<Arc<SessionPager>, JigaError> {
        let f: jiga::client::SessionFilter = to_core("filter", &filter)?;
        Ok(Arc::new(SessionPager::new(self.client.session_pages(f))))
    }

    /// Sends a command over REST (`data_json`: a JSON object); the stream's
    /// `session.command_ack` follows.
    ///
    /// # Errors
    /// `InvalidArgument`, `Conflict` for an ended session.
    pub async fn send_command(
        &self,
        session_id: String,
        command_id: String,
        data_json: String,
    ) -> Result<CommandAccepted, JigaError> {
        let data: serde_json::Value = json("data", &data_json)?;
        let r: jiga::model::CommandRequest = to_core(
            "request",
            &serde_json::json!({ "commandId": command_id, "data": data }),
        )?;
        let c = self.client.clone();
        run(
            async move { c.send_command(&session_id, &r).await },
            CommandAccepted::from,
        )
        .await
    }

    /// Ends and settles a session.
    ///
    /// # Errors
    /// `Conflict` when it ended already.
    pub async fn end_session(&self, session_id: String) -> Result<EndSessionResponse, JigaError> {
        let c = self.client.clone();
        run(
            async move { c.end_session(&session_id).await },
            EndSessionResponse::from,
        )
        .await
    }

    /// `end_session` under the caller's idempotency key.
    ///
    /// # Errors
    /// As `end_session`, and `IdempotencyConflict`.
    pub async fn end_session_with_key(
        &self,
        session_id: String,
        idempotency_key: String,
    ) -> Result<EndSessionResponse, JigaError> {
        let k = key(&idempotency_key)?;
        let c = self.client.clone();
        run(
            async move { c.end_session_with_key(&session_id, k).await },
            EndSessionResponse::from,
        )
        .await
    }

    /// The wallet.
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn wallet(&self) -> Result<Wallet, JigaError> {
        let c = self.client.clone();
        run(async move { c.wallet().await }, Wallet::from).await
    }

    /// One page of the caller's transactions.
    ///
    /// # Errors
    /// `InvalidArgument`.
    pub async fn transactions(
        &self,
        filter: TransactionFilter,
    ) -> Result<TransactionPage, JigaError> {
        let f: jiga::client::TransactionFilter = to_core("filter", &filter)?;
        let c = self.client.clone();
        run(
            async move { c.transactions(&f).await },
            TransactionPage::from,
        )
        .await
    }

    /// Every page of the caller's transactions.
    ///
    /// # Errors
    /// `InvalidArgument`.
    pub fn transaction_pages(
        &self,
        filter: TransactionFilter,
    ) -> Result<Arc<TransactionPager>, JigaError> {
        let f: jiga::client::TransactionFilter = to_core("filter", &filter)?;
        Ok(Arc::new(TransactionPager::new(
            self.client.transaction_pages(f),
        )))
    }

    /// Tops the wallet up, under a fresh idempotency key.
    ///
    /// # Errors
    /// `InvalidArgument`.
    pub async fn topup(&self, request: TopupRequest) -> Result<Topup, JigaError> {
        let r: jiga::model::TopupRequest = to_core("request", &request)?;
        let c = self.client.clone();
        run(async move { c.topup(&r).await }, Topup::from).await
    }

    /// `topup` under the caller's idempotency key.
    ///
    /// # Errors
    /// As `topup`, and `IdempotencyConflict` for a key used with another amount.
    pub async fn topup_with_key(
        &self,
        request: TopupRequest,
        idempotency_key: String,
    ) -> Result<Topup, JigaError> {
        let r: jiga::model::TopupRequest = to_core("request", &request)?;
        let k = key(&idempotency_key)?;
        let c = self.client.clone();
        run(async move { c.topup_with_key(&r, k).await }, Topup::from).await
    }

    /// A session's events with the DOF meter, an optional budget guard (ending the session
    /// at its cap with `endAtCap`) and reconciliation with the settlement. The stream
    /// resumes across cuts from its cursor.
    ///
    /// # Errors
    /// `InvalidArgument` for a guard out of range.
    pub fn session_events(
        &self,
        session_id: String,
        options: StreamOptions,
    ) -> Result<Arc<SessionEvents>, JigaError> {
        let o: jiga::client::StreamOptions = to_core("options", &options)?;
        let _enter = runtime().enter();
        Ok(Arc::new(SessionEvents::new(
            self.client.session_events_with(&session_id, o),
        )))
    }

    /// The caller's notifications (`agent.hired`, `transaction.completed`, …).
    pub fn notifications(&self) -> Arc<Notifications> {
        let _enter = runtime().enter();
        Arc::new(Notifications::new(self.client.notifications()))
    }
}
