//! `RawClient`: the core's `Client` with every route as a method returning a `Promise` of
//! the answer's JSON text (the ESM layer parses it), each cancelled by its `AbortSignal` and by
//! `close()`. `RawPager` hands out the pages of the core's named paginators.

use std::cell::RefCell;
use std::rc::Rc;

use jiga::Client;
use jiga::client::{
    AgentPages, ClientOptions, IdempotencyKey, PageRequest, ReviewPages, SearchPages, SearchParams,
    SessionFilter, SessionPages, StreamOptions, TransactionFilter, TransactionPages, VersionPages,
};
use jiga::model::{
    CommandRequest, CreateAgentRequest, CreateReviewRequest, HireRequest, RegisterRequest,
    TopupRequest, UpdateAgentRequest, UpdateMeRequest,
};
use js_sys::Promise;
use serde::Serialize;
use tokio::sync::watch;
use wasm_bindgen::prelude::*;

use crate::convert::{erased, json_out, json_text, parse, promise};
use crate::errors::to_js;
use crate::events::{RawEvents, RawNotifications, Streams};

/// The client of one store (the ESM layer's `Client` wraps it).
#[wasm_bindgen]
pub struct RawClient {
    client: Client,
    /// Set by `close()`: calls in flight are dropped, later calls refused.
    closed: watch::Sender<bool>,
    /// The streams opened by this client, closed with it.
    streams: Rc<RefCell<Streams>>,
}

fn closed_error() -> jiga::Error {
    jiga::Error::Closed {
        message: "the client was closed".into(),
    }
}

/// A route's work, its answer already JSON text.
type JsonWork = std::pin::Pin<Box<dyn Future<Output = jiga::Result<String>>>>;

fn key(k: &str) -> jiga::Result<IdempotencyKey> {
    IdempotencyKey::new(k)
}

impl RawClient {
    /// Runs `work` on a clone of the client as a `Promise` of its answer's JSON, unless the
    /// client is closed (before or while it runs) or `signal` aborts. Generic only in what
    /// it must be: the answer is JSON text before the work is [`erased`](crate::convert::erased).
    fn call<T, F, W>(&self, signal: Option<JsValue>, work: W) -> Promise
    where
        T: Serialize + 'static,
        F: Future<Output = jiga::Result<T>> + 'static,
        W: FnOnce(Client) -> F,
    {
        let fut = work(self.client.clone());
        self.run(signal, Box::pin(async move { json_text(&fut.await?) }))
    }

    /// The part of [`call`](RawClient::call) that is the same for every route.
    fn run(&self, signal: Option<JsValue>, work: JsonWork) -> Promise {
        let mut closed = self.closed.subscribe();
        let already = *closed.borrow();
        erased(
            signal,
            Box::pin(async move {
                if already {
                    return Err(to_js(&closed_error()));
                }
                let close = std::pin::pin!(closed.wait_for(|c| *c));
                match futures_util::future::select(work, close).await {
                    futures_util::future::Either::Left((r, _)) => {
                        r.map(|s| JsValue::from_str(&s)).map_err(|e| to_js(&e))
                    }
                    futures_util::future::Either::Right(_) => Err(to_js(&closed_error())),
                }
            }),
        )
    }

    fn pager(&self, pages: Pages) -> RawPager {
        RawPager {
            pages,
            closed: self.closed.subscribe(),
        }
    }
}

/// Declares routes whose arguments are all JSON or id strings.
macro_rules! routes {
    ($(
        $(#[doc = $doc:literal])*
        fn $name:ident as $js:literal ( $($arg:ident),* ) = |$c:ident| $body:expr;
    )*) => {
        #[wasm_bindgen]
        impl RawClient {
            $(
                $(#[doc = $doc])*
                #[wasm_bindgen(js_name = $js)]
                pub fn $name(&self, $($arg: String,)* signal: Option<JsValue>) -> Promise {
                    self.call(signal, move |$c| async move { $body })
                }
            )*
        }
    };
}

routes! {
    /// Device sign-in (creates the player on first use). `User` JSON.
    fn sign_in_device as "signInDevice"(device_id) = |c| c.sign_in_device(&device_id).await;
    /// Email and password. `User` JSON.
    fn login as "login"(email, password) = |c| c.login(&email, &password).await;
    /// Registers (`RegisterRequest` JSON) and signs in. `User` JSON.
    fn register as "register"(request) =
        |c| c.register(&parse::<RegisterRequest>("request", &request)?).await;
    /// Refreshes the access token now.
    fn refresh as "refresh"() = |c| c.refresh().await;
    /// One page of search results (`SearchParams` JSON).
    fn search as "search"(params) = |c| c.search(&parse::<SearchParams>("params", &params)?).await;
    /// One listing by agent id.
    fn listing as "listing"(agent_id) = |c| c.listing(&agent_id).await;
    /// The featured listings.
    fn featured as "featured"() = |c| c.featured().await;
    /// The categories.
    fn categories as "categories"() = |c| c.categories().await;
    /// One agent by id.
    fn agent as "agent"(agent_id) = |c| c.agent(&agent_id).await;
    /// Creates an agent (`CreateAgentRequest` JSON).
    fn create_agent as "createAgent"(request) =
        |c| c.create_agent(&parse::<CreateAgentRequest>("request", &request)?).await;
    /// Updates the caller's agent (`UpdateAgentRequest` JSON).
    fn update_agent as "updateAgent"(agent_id, request) =
        |c| c.update_agent(&agent_id, &parse::<UpdateAgentRequest>("request", &request)?).await;
    /// Publishes the caller's agent.
    fn publish_agent as "publishAgent"(agent_id) = |c| c.publish_agent(&agent_id).await;
    /// Unpublishes the caller's agent.
    fn unpublish_agent as "unpublishAgent"(agent_id) = |c| c.unpublish_agent(&agent_id).await;
    /// One page of an agent's versions (`PageRequest` JSON).
    fn agent_versions as "agentVersions"(agent_id, page) =
        |c| c.agent_versions(&agent_id, &parse::<PageRequest>("page", &page)?).await;
    /// One page of an agent's reviews (`PageRequest` JSON).
    fn reviews as "reviews"(agent_id, page) =
        |c| c.reviews(&agent_id, &parse::<PageRequest>("page", &page)?).await;
    /// Reviews a hired agent (`CreateReviewRequest` JSON).
    fn create_review as "createReview"(agent_id, request) =
        |c| c.create_review(&agent_id, &parse::<CreateReviewRequest>("request", &request)?).await;
    /// The caller with their preferences.
    fn me as "me"() = |c| c.me().await;
    /// The caller's unlocked achievements, oldest first.
    fn achievements as "achievements"() = |c| c.achievements().await;
    /// Updates the caller (`UpdateMeRequest` JSON).
    fn update_me as "updateMe"(request) =
        |c| c.update_me(&parse::<UpdateMeRequest>("request", &request)?).await;
    /// Sets the caller's webhook. `WebhookSecret` JSON (the secret is shown this once).
    fn set_webhook as "setWebhook"(url) = |c| c.set_webhook(&url).await;
    /// The caller's webhook: `Webhook` JSON, or `null` when none is set.
    fn webhook as "webhook"() = |c| c.webhook().await;
    /// Removes the caller's webhook: `true`, or `false` when none was set.
    fn delete_webhook as "deleteWebhook"() = |c| c.delete_webhook().await;
    /// A user by id (only the caller's own).
    fn user as "user"(user_id) = |c| c.user(&user_id).await;
    /// One page of the caller's agents (`PageRequest` JSON).
    fn my_agents as "myAgents"(page) = |c| c.my_agents(&parse::<PageRequest>("page", &page)?).await;
    /// One session by id.
    fn session as "session"(session_id) = |c| c.session(&session_id).await;
    /// One page of the caller's sessions (`SessionFilter` JSON).
    fn sessions as "sessions"(filter) =
        |c| c.sessions(&parse::<SessionFilter>("filter", &filter)?).await;
    /// Sends a command over REST (`CommandRequest` JSON).
    fn send_command as "sendCommand"(session_id, request) =
        |c| c.send_command(&session_id, &parse::<CommandRequest>("request", &request)?).await;
    /// A single-use ticket for a session's stream.
    fn stream_ticket as "streamTicket"(session_id) = |c| c.stream_ticket(&session_id).await;
    /// The wallet.
    fn wallet as "wallet"() = |c| c.wallet().await;
    /// One page of transactions (`TransactionFilter` JSON).
    fn transactions as "transactions"(filter) =
        |c| c.transactions(&parse::<TransactionFilter>("filter", &filter)?).await;
}

#[wasm_bindgen]
impl RawClient {
    /// A client from `ClientOptions` JSON (`baseUrl`, `timeoutMs`, `connectTimeoutMs`,
    /// `retry`, `tokens`), the `WebSocket` constructor to use (`undefined`: the global one) and
    /// an optional token storage hook `{load(): string | null, save(text | null)}`.
    ///
    /// # Errors
    /// An invalid-argument error record for options that are not the core's.
    #[wasm_bindgen(constructor)]
    pub fn new(options: &str, web_socket: JsValue, storage: JsValue) -> Result<RawClient, JsValue> {
        let opts: ClientOptions = parse("options", options).map_err(|e| to_js(&e))?;
        let client = build(opts, web_socket, storage).map_err(|e| to_js(&e))?;
        Ok(RawClient {
            client,
            closed: watch::channel(false).0,
            streams: Rc::new(RefCell::new(Streams::default())),
        })
    }

    /// The current tokens as JSON (`null` when signed out), to pass back as `tokens`.
    ///
    /// # Errors
    /// Never in practice (tokens always encode).
    pub fn tokens(&self) -> Result<String, JsValue> {
        serde_json::to_string(&self.client.tokens()).map_err(|e| JsValue::from_str(&e.to_string()))
    }

    /// Whether the client holds tokens.
    #[wasm_bindgen(js_name = isSignedIn)]
    pub fn is_signed_in(&self) -> bool {
        self.client.is_signed_in()
    }

    /// Forgets the tokens (and clears the storage hook's copy).
    #[wasm_bindgen(js_name = signOut)]
    pub fn sign_out(&self) {
        self.client.sign_out();
    }

    /// The base URL without a trailing slash.
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.client.base_url().to_owned()
    }

    /// Hires an agent (`HireRequest` JSON), under the caller's idempotency key or a fresh one.
    pub fn hire(
        &self,
        request: String,
        idempotency_key: Option<String>,
        signal: Option<JsValue>,
    ) -> Promise {
        self.call(signal, move |c| async move {
            let req = parse::<HireRequest>("request", &request)?;
            match idempotency_key {
                Some(k) => c.hire_with_key(&req, key(&k)?).await,
                None => c.hire(&req).await,
            }
        })
    }

    /// Ends and settles a session, under the caller's idempotency key or a fresh one.
    #[wasm_bindgen(js_name = endSession)]
    pub fn end_session(
        &self,
        session_id: String,
        idempotency_key: Option<String>,
        signal: Option<JsValue>,
    ) -> Promise {
        self.call(signal, move |c| async move {
            match idempotency_key {
                Some(k) => c.end_session_with_key(&session_id, key(&k)?).await,
                None => c.end_session(&session_id).await,
            }
        })
    }

    /// Tops the wallet up (`TopupRequest` JSON), under the caller's idempotency key or a
    /// fresh one.
    pub fn topup(
        &self,
        request: String,
        idempotency_key: Option<String>,
        signal: Option<JsValue>,
    ) -> Promise {
        self.call(signal, move |c| async move {
            let req = parse::<TopupRequest>("request", &request)?;
            match idempotency_key {
                Some(k) => c.topup_with_key(&req, key(&k)?).await,
                None => c.topup(&req).await,
            }
        })
    }

    /// The events of a session with their accounting (`StreamOptions` JSON: `afterSeq`,
    /// `guard`, `endAtCap`).
    ///
    /// # Errors
    /// An error record for options that are not the core's, or a closed client.
    #[wasm_bindgen(js_name = sessionEvents)]
    pub fn session_events(&self, session_id: &str, options: &str) -> Result<RawEvents, JsValue> {
        self.check_open()?;
        let opts: StreamOptions = parse("options", options).map_err(|e| to_js(&e))?;
        let events = RawEvents::new(
            self.client.session_events_with(session_id, opts.clone()),
            !opts.end_at_cap,
        );
        self.streams.borrow_mut().add_session(&events);
        Ok(events)
    }

    /// The caller's notifications.
    ///
    /// # Errors
    /// An error record once the client is closed.
    pub fn notifications(&self) -> Result<RawNotifications, JsValue> {
        self.check_open()?;
        let n = RawNotifications::new(self.client.notifications());
        self.streams.borrow_mut().add_notifications(&n);
        Ok(n)
    }

    /// Every page of a search (`SearchParams` JSON).
    ///
    /// # Errors
    /// An invalid-argument error record for params that are not the core's.
    #[wasm_bindgen(js_name = searchPages)]
    pub fn search_pages(&self, params: &str) -> Result<RawPager, JsValue> {
        let p: SearchParams = parse("params", params).map_err(|e| to_js(&e))?;
        Ok(self.pager(Pages::Search(self.client.search_pages(p))))
    }

    /// Every page of the caller's transactions (`TransactionFilter` JSON).
    ///
    /// # Errors
    /// An invalid-argument error record for a filter that is not the core's.
    #[wasm_bindgen(js_name = transactionPages)]
    pub fn transaction_pages(&self, filter: &str) -> Result<RawPager, JsValue> {
        let f: TransactionFilter = parse("filter", filter).map_err(|e| to_js(&e))?;
        Ok(self.pager(Pages::Transactions(self.client.transaction_pages(f))))
    }

    /// Every page of the caller's sessions (`SessionFilter` JSON).
    ///
    /// # Errors
    /// An invalid-argument error record for a filter that is not the core's.
    #[wasm_bindgen(js_name = sessionPages)]
    pub fn session_pages(&self, filter: &str) -> Result<RawPager, JsValue> {
        let f: SessionFilter = parse("filter", filter).map_err(|e| to_js(&e))?;
        Ok(self.pager(Pages::Sessions(self.client.session_pages(f))))
    }

    /// Every page of the caller's agents (`PageRequest` JSON for the first).
    ///
    /// # Errors
    /// An invalid-argument error record for a page request that is not the core's.
    #[wasm_bindgen(js_name = myAgentPages)]
    pub fn my_agent_pages(&self, page: &str) -> Result<RawPager, JsValue> {
        let p: PageRequest = parse("page", page).map_err(|e| to_js(&e))?;
        Ok(self.pager(Pages::Agents(self.client.my_agent_pages(p))))
    }

    /// Every page of an agent's versions.
    ///
    /// # Errors
    /// An invalid-argument error record for a page request that is not the core's.
    #[wasm_bindgen(js_name = agentVersionPages)]
    pub fn agent_version_pages(&self, agent_id: &str, page: &str) -> Result<RawPager, JsValue> {
        let p: PageRequest = parse("page", page).map_err(|e| to_js(&e))?;
        Ok(self.pager(Pages::Versions(
            self.client.agent_version_pages(agent_id, p),
        )))
    }

    /// Every page of an agent's reviews.
    ///
    /// # Errors
    /// An invalid-argument error record for a page request that is not the core's.
    #[wasm_bindgen(js_name = reviewPages)]
    pub fn review_pages(&self, agent_id: &str, page: &str) -> Result<RawPager, JsValue> {
        let p: PageRequest = parse("page", page).map_err(|e| to_js(&e))?;
        Ok(self.pager(Pages::Reviews(self.client.review_pages(agent_id, p))))
    }

    /// Closes the client: calls in flight reject with a `closed` error, every stream it
    /// opened ends, later calls are refused.
    pub fn close(&self) {
        // The core's shutdown stops its calls and streams; the binding's own flag also
        // rejects the promises it handed out before the core saw them.
        self.client.close();
        self.closed.send_replace(true);
        self.streams.borrow_mut().close_all();
    }

    /// Streams this client opened that are still open (for leak checks).
    #[wasm_bindgen(js_name = openStreams)]
    pub fn open_streams(&self) -> u32 {
        self.streams.borrow_mut().open()
    }
}

impl RawClient {
    fn check_open(&self) -> Result<(), JsValue> {
        if *self.closed.borrow() {
            return Err(to_js(&closed_error()));
        }
        Ok(())
    }
}

/// Builds the core's client with the platform's seam (wasm32).
#[cfg(target_arch = "wasm32")]
fn build(opts: ClientOptions, web_socket: JsValue, storage: JsValue) -> jiga::Result<Client> {
    use std::sync::Arc;
    use std::time::Duration;

    use crate::platform::{FetchTransport, JsTimer, JsTokenStore, JsWsConnector, LocalSpawner};
    use jiga::client::TokenStore;

    let timeout = Duration::from_millis(opts.timeout_ms.unwrap_or(30_000).max(1));
    let tokens = opts.tokens.clone();
    let mut builder = opts.into_builder()?;
    if !storage.is_undefined() && !storage.is_null() {
        let get = |name: &str| {
            js_sys::Reflect::get(&storage, &JsValue::from_str(name))
                .ok()
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
                .ok_or_else(|| {
                    crate::errors::invalid(
                        "storage",
                        format!("the storage hook needs a '{name}' function"),
                    )
                })
        };
        let store = JsTokenStore {
            load: get("load")?,
            save: get("save")?,
        };
        // Tokens given in the options win over the saved ones, and are saved.
        if let Some(t) = &tokens {
            store.save(Some(t));
        }
        builder = builder.token_store(Arc::new(store));
    }
    builder
        .http_transport(Arc::new(FetchTransport { timeout }))
        .ws_connector(Arc::new(JsWsConnector { ctor: web_socket }))
        .timer(Arc::new(JsTimer))
        .spawner(Arc::new(LocalSpawner))
        .build()
}

/// On the host there is no `fetch` nor `WebSocket`: the module is only usable on wasm32.
#[cfg(not(target_arch = "wasm32"))]
fn build(opts: ClientOptions, _web_socket: JsValue, _storage: JsValue) -> jiga::Result<Client> {
    let _ = opts;
    Err(crate::errors::invalid(
        "target",
        "the JS binding runs on wasm32 only".into(),
    ))
}

/// The core's named paginators, one handle for all of them.
enum Pages {
    Search(SearchPages),
    Agents(AgentPages),
    Versions(VersionPages),
    Reviews(ReviewPages),
    Transactions(TransactionPages),
    Sessions(SessionPages),
}

/// Every page of one list, in order: `nextPage()` resolves with the page's JSON, or `null`
/// after the last one. The paging loop is the core's.
#[wasm_bindgen]
pub struct RawPager {
    pages: Pages,
    closed: watch::Receiver<bool>,
}

fn encode<T: Serialize>(v: Option<T>) -> Result<JsValue, JsValue> {
    match v {
        Some(v) => json_out(&v),
        None => Ok(JsValue::NULL),
    }
}

macro_rules! next_page {
    ($self:ident, $signal:ident, $($variant:ident),*) => {
        match &$self.pages {
            $(Pages::$variant(p) => {
                let p = p.clone();
                promise($signal, async move { p.next_page().await }, encode)
            })*
        }
    };
}

#[wasm_bindgen]
impl RawPager {
    /// The next page's JSON, or `null` after the last page.
    #[wasm_bindgen(js_name = nextPage)]
    pub fn next_page(&self, signal: Option<JsValue>) -> Promise {
        if *self.closed.borrow() {
            return Promise::reject(&to_js(&closed_error()));
        }
        next_page!(
            self,
            signal,
            Search,
            Agents,
            Versions,
            Reviews,
            Transactions,
            Sessions
        )
    }
}
