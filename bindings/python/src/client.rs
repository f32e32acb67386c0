//! `RawClient`: the core's `Client` with every route twice — `name(...)` returns an awaitable,
//! `name_blocking(...)` waits with the GIL released. Arguments and results are the
//! contract's JSON text; the package's Python classes make models of them.

use jiga::Client;
use jiga::client::{
    AgentPages, ClientOptions, IdempotencyKey, PageRequest, ReviewPages, SearchPages, SearchParams,
    SessionFilter, SessionPages, StreamOptions, TokioSpawner, TransactionFilter, TransactionPages,
    VersionPages,
};
use jiga::model::{
    CommandRequest, CreateAgentRequest, CreateReviewRequest, HireRequest, RegisterRequest,
    TopupRequest, UpdateAgentRequest, UpdateMeRequest,
};
use pyo3::prelude::*;

use jiga::client::from_json as parse;

use crate::errors::to_py;
use crate::events::{RawEvents, RawNotifications};
use crate::runtime::{Owner, awaitable, blocking, json_text, runtime};

fn key(k: &str) -> jiga::Result<IdempotencyKey> {
    IdempotencyKey::new(k)
}

/// The client of one store (see `jiga.AsyncClient` and `jiga.Client`).
#[pyclass(frozen, module = "jiga._jiga")]
pub(crate) struct RawClient {
    client: Client,
    owner: Owner,
}

impl RawClient {
    pub(crate) fn client(&self) -> PyResult<&Client> {
        self.owner.check()?;
        Ok(&self.client)
    }
}

/// Declares each route in its two forms. `|c| body` builds the call's future from `c`, a
/// clone of the client, and the arguments (owned `String`s, moved in).
macro_rules! routes {
    ($(
        $(#[doc = $doc:literal])*
        fn $name:ident / $blocking:ident ( $($arg:ident),* ) = |$c:ident| $body:expr;
    )* methods { $($methods:tt)* }) => {
        #[pymethods]
        impl RawClient {
            $($methods)*

            $(
                $(#[doc = $doc])*
                fn $name<'py>(&self, py: Python<'py>, $($arg: String),*) -> PyResult<Bound<'py, PyAny>> {
                    let $c = self.client()?.clone();
                    awaitable(py, $body, json_text)
                }

                $(#[doc = $doc])*
                fn $blocking(&self, py: Python<'_>, $($arg: String),*) -> PyResult<Py<PyAny>> {
                    let $c = self.client()?.clone();
                    let value = blocking(py, $body)?;
                    json_text(py, value)
                }
            )*
        }
    };
}

routes! {
    /// Device sign-in (creates the player on first use). Returns `User` JSON.
    fn sign_in_device / sign_in_device_blocking(device_id) =
        |c| async move { c.sign_in_device(&device_id).await };
    /// Email and password. Returns `User` JSON.
    fn login / login_blocking(email, password) =
        |c| async move { c.login(&email, &password).await };
    /// Registers (`RegisterRequest` JSON) and signs in. Returns `User` JSON.
    fn register / register_blocking(request) =
        |c| async move { c.register(&parse::<RegisterRequest>("request", &request)?).await };
    /// Refreshes the access token now. Returns `null`.
    fn refresh / refresh_blocking() = |c| async move { c.refresh().await };
    /// One page of search results (`SearchParams` JSON).
    fn search / search_blocking(params) =
        |c| async move { c.search(&parse::<SearchParams>("params", &params)?).await };
    /// One listing by agent id.
    fn listing / listing_blocking(agent_id) = |c| async move { c.listing(&agent_id).await };
    /// The featured listings.
    fn featured / featured_blocking() = |c| async move { c.featured().await };
    /// The categories.
    fn categories / categories_blocking() = |c| async move { c.categories().await };
    /// One agent by id.
    fn agent / agent_blocking(agent_id) = |c| async move { c.agent(&agent_id).await };
    /// Creates an agent (`CreateAgentRequest` JSON).
    fn create_agent / create_agent_blocking(request) =
        |c| async move { c.create_agent(&parse::<CreateAgentRequest>("request", &request)?).await };
    /// Updates the caller's agent (`UpdateAgentRequest` JSON).
    fn update_agent / update_agent_blocking(agent_id, request) = |c| async move {
        c.update_agent(&agent_id, &parse::<UpdateAgentRequest>("request", &request)?).await
    };
    /// Publishes the caller's agent.
    fn publish_agent / publish_agent_blocking(agent_id) =
        |c| async move { c.publish_agent(&agent_id).await };
    /// Unpublishes the caller's agent.
    fn unpublish_agent / unpublish_agent_blocking(agent_id) =
        |c| async move { c.unpublish_agent(&agent_id).await };
    /// One page of an agent's versions (`PageRequest` JSON).
    fn agent_versions / agent_versions_blocking(agent_id, page) = |c| async move {
        c.agent_versions(&agent_id, &parse::<PageRequest>("page", &page)?).await
    };
    /// One page of an agent's reviews (`PageRequest` JSON).
    fn reviews / reviews_blocking(agent_id, page) =
        |c| async move { c.reviews(&agent_id, &parse::<PageRequest>("page", &page)?).await };
    /// Reviews a hired agent (`CreateReviewRequest` JSON).
    fn create_review / create_review_blocking(agent_id, request) = |c| async move {
        c.create_review(&agent_id, &parse::<CreateReviewRequest>("request", &request)?).await
    };
    /// The caller with their preferences.
    fn me / me_blocking() = |c| async move { c.me().await };
    /// The caller's unlocked achievements, oldest first.
    fn achievements / achievements_blocking() = |c| async move { c.achievements().await };
    /// Updates the caller (`UpdateMeRequest` JSON).
    fn update_me / update_me_blocking(request) =
        |c| async move { c.update_me(&parse::<UpdateMeRequest>("request", &request)?).await };
    /// Sets the caller's webhook. Returns `WebhookSecret` JSON (the secret is shown this once).
    fn set_webhook / set_webhook_blocking(url) = |c| async move { c.set_webhook(&url).await };
    /// The caller's webhook: `Webhook` JSON, or `null` when none is set.
    fn webhook / webhook_blocking() = |c| async move { c.webhook().await };
    /// Removes the caller's webhook: `true`, or `false` when none was set.
    fn delete_webhook / delete_webhook_blocking() = |c| async move { c.delete_webhook().await };
    /// A user by id (only the caller's own).
    fn user / user_blocking(user_id) = |c| async move { c.user(&user_id).await };
    /// One page of the caller's agents (`PageRequest` JSON).
    fn my_agents / my_agents_blocking(page) =
        |c| async move { c.my_agents(&parse::<PageRequest>("page", &page)?).await };
    /// Hires an agent (`HireRequest` JSON), under a fresh idempotency key.
    fn hire / hire_blocking(request) =
        |c| async move { c.hire(&parse::<HireRequest>("request", &request)?).await };
    /// Hires under the caller's idempotency key.
    fn hire_with_key / hire_with_key_blocking(request, idempotency_key) = |c| async move {
        c.hire_with_key(&parse::<HireRequest>("request", &request)?, key(&idempotency_key)?).await
    };
    /// One session by id.
    fn session / session_blocking(session_id) = |c| async move { c.session(&session_id).await };
    /// One page of the caller's sessions (`SessionFilter` JSON).
    fn sessions / sessions_blocking(filter) =
        |c| async move { c.sessions(&parse::<SessionFilter>("filter", &filter)?).await };
    /// Sends a command over REST (`CommandRequest` JSON).
    fn send_command / send_command_blocking(session_id, request) = |c| async move {
        c.send_command(&session_id, &parse::<CommandRequest>("request", &request)?).await
    };
    /// Ends and settles a session.
    fn end_session / end_session_blocking(session_id) =
        |c| async move { c.end_session(&session_id).await };
    /// Ends under the caller's idempotency key.
    fn end_session_with_key / end_session_with_key_blocking(session_id, idempotency_key) =
        |c| async move { c.end_session_with_key(&session_id, key(&idempotency_key)?).await };
    /// The wallet.
    fn wallet / wallet_blocking() = |c| async move { c.wallet().await };
    /// One page of transactions (`TransactionFilter` JSON).
    fn transactions / transactions_blocking(filter) = |c| async move {
        c.transactions(&parse::<TransactionFilter>("filter", &filter)?).await
    };
    /// Tops the wallet up (`TopupRequest` JSON).
    fn topup / topup_blocking(request) =
        |c| async move { c.topup(&parse::<TopupRequest>("request", &request)?).await };
    /// Tops up under the caller's idempotency key.
    fn topup_with_key / topup_with_key_blocking(request, idempotency_key) = |c| async move {
        c.topup_with_key(&parse::<TopupRequest>("request", &request)?, key(&idempotency_key)?).await
    };
    methods {
    /// A client from `ClientOptions` JSON (`baseUrl`, `timeoutMs`, `connectTimeoutMs`,
    /// `retry`, `tokens`).
    #[new]
    fn new(py: Python<'_>, options: &str) -> PyResult<Self> {
        let opts: ClientOptions = parse("options", options).map_err(|e| to_py(py, &e))?;
        let rt = runtime();
        // The HTTP stack is set up inside the runtime it will run on.
        let _enter = rt.enter();
        let client = opts
            .into_builder()
            .and_then(|b| {
                b.spawner(std::sync::Arc::new(TokioSpawner::new(rt.handle().clone())))
                    .build()
            })
            .map_err(|e| to_py(py, &e))?;
        Ok(RawClient {
            client,
            owner: Owner::here(),
        })
    }

    /// The current tokens as JSON (`null` when signed out), to pass back as `tokens`.
    fn tokens(&self) -> PyResult<String> {
        serde_json::to_string(&self.client()?.tokens())
            .map_err(|e| crate::errors::JigaError::new_err(e.to_string()))
    }

    /// Whether the client holds tokens.
    fn is_signed_in(&self) -> PyResult<bool> {
        Ok(self.client()?.is_signed_in())
    }

    /// Shuts the client down (the core's `Client::close`): calls in flight fail with
    /// `Closed`, later calls too, and its streams end.
    fn close(&self) {
        self.client.close();
    }

    /// Whether `close` was called.
    fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    /// Forgets the tokens.
    fn sign_out(&self) -> PyResult<()> {
        self.client()?.sign_out();
        Ok(())
    }

    /// The events of a session with their accounting (`StreamOptions` JSON: `afterSeq`,
    /// `guard`, `endAtCap`).
    fn session_events(
        &self,
        py: Python<'_>,
        session_id: &str,
        options: &str,
    ) -> PyResult<RawEvents> {
        let opts: StreamOptions = parse("options", options).map_err(|e| to_py(py, &e))?;
        let client = self.client()?;
        let _enter = runtime().enter();
        Ok(RawEvents::new(
            client.session_events_with(session_id, opts),
            self.owner,
        ))
    }

    /// The caller's notifications.
    fn notifications(&self) -> PyResult<RawNotifications> {
        let client = self.client()?;
        let _enter = runtime().enter();
        Ok(RawNotifications::new(client.notifications(), self.owner))
    }

    /// Every page of a search (`SearchParams` JSON).
    fn search_pages(&self, py: Python<'_>, params: &str) -> PyResult<RawPager> {
        let p: SearchParams = parse("params", params).map_err(|e| to_py(py, &e))?;
        self.pager(Pages::Search(self.client()?.search_pages(p)))
    }

    /// Every page of the caller's transactions (`TransactionFilter` JSON).
    fn transaction_pages(&self, py: Python<'_>, filter: &str) -> PyResult<RawPager> {
        let f: TransactionFilter = parse("filter", filter).map_err(|e| to_py(py, &e))?;
        self.pager(Pages::Transactions(self.client()?.transaction_pages(f)))
    }

    /// Every page of the caller's sessions (`SessionFilter` JSON).
    fn session_pages(&self, py: Python<'_>, filter: &str) -> PyResult<RawPager> {
        let f: SessionFilter = parse("filter", filter).map_err(|e| to_py(py, &e))?;
        self.pager(Pages::Sessions(self.client()?.session_pages(f)))
    }

    /// Every page of the caller's agents (`PageRequest` JSON for the first).
    fn my_agent_pages(&self, py: Python<'_>, page: &str) -> PyResult<RawPager> {
        let p: PageRequest = parse("page", page).map_err(|e| to_py(py, &e))?;
        self.pager(Pages::Agents(self.client()?.my_agent_pages(p)))
    }

    /// Every page of an agent's versions.
    fn agent_version_pages(
        &self,
        py: Python<'_>,
        agent_id: &str,
        page: &str,
    ) -> PyResult<RawPager> {
        let p: PageRequest = parse("page", page).map_err(|e| to_py(py, &e))?;
        self.pager(Pages::Versions(
            self.client()?.agent_version_pages(agent_id, p),
        ))
    }

    /// Every page of an agent's reviews.
    fn review_pages(&self, py: Python<'_>, agent_id: &str, page: &str) -> PyResult<RawPager> {
        let p: PageRequest = parse("page", page).map_err(|e| to_py(py, &e))?;
        self.pager(Pages::Reviews(self.client()?.review_pages(agent_id, p)))
    }
    }
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

/// Every page of one list, in order: `next_page()` / `next_page_blocking()` give the page's
/// JSON, or `None` after the last one. The paging loop is the core's.
#[pyclass(frozen, module = "jiga._jiga")]
pub(crate) struct RawPager {
    pages: Pages,
    owner: Owner,
}

macro_rules! next_page {
    ($pages:expr, |$p:ident| $body:expr) => {
        match $pages {
            Pages::Search(p) => {
                let $p = p.clone();
                $body
            }
            Pages::Agents(p) => {
                let $p = p.clone();
                $body
            }
            Pages::Versions(p) => {
                let $p = p.clone();
                $body
            }
            Pages::Reviews(p) => {
                let $p = p.clone();
                $body
            }
            Pages::Transactions(p) => {
                let $p = p.clone();
                $body
            }
            Pages::Sessions(p) => {
                let $p = p.clone();
                $body
            }
        }
    };
}

fn opt_json(py: Python<'_>, v: Option<String>) -> PyResult<Py<PyAny>> {
    Ok(match v {
        Some(s) => s.into_pyobject(py)?.into_any().unbind(),
        None => py.None(),
    })
}

fn encode<T: serde::Serialize>(v: Option<T>) -> jiga::Result<Option<String>> {
    v.map(|v| serde_json::to_string(&v))
        .transpose()
        .map_err(|e| jiga::Error::Decode {
            message: e.to_string(),
        })
}

#[pymethods]
impl RawPager {
    /// The next page's JSON, or None after the last page (an awaitable).
    fn next_page<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.owner.check()?;
        next_page!(&self.pages, |p| awaitable(
            py,
            async move { encode(p.next_page().await?) },
            opt_json
        ))
    }

    /// The next page's JSON, or None after the last page (blocking).
    fn next_page_blocking(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.owner.check()?;
        let text = next_page!(&self.pages, |p| blocking(py, async move {
            encode(p.next_page().await?)
        }))?;
        opt_json(py, text)
    }
}

impl RawClient {
    fn pager(&self, pages: Pages) -> PyResult<RawPager> {
        Ok(RawPager {
            pages,
            owner: self.owner,
        })
    }
}
