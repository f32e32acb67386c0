//! The harness: a real server per test and helpers that build signed-in clients.

#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use jiga::client::{MemoryTokenStore, RetryPolicy, TokenStore, Tokens};
use jiga::model::{
    Agent, AgentType, CreateAgentRequest, HireRequest, Pricing, Rank, TopupProvider, TopupRequest,
};
use jiga::{Client, Dof};
use jiga_server::{Config, RunningServer};

pub struct Harness {
    pub server: RunningServer,
    pub url: String,
    _dir: tempfile::TempDir,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A unique suffix for emails and device ids.
pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Retries fast so tests stay quick.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        budget: Duration::from_secs(10),
    }
}

impl Harness {
    pub async fn start() -> Harness {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> Harness {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config =
            Config::for_tests(format!("sqlite://{}", dir.path().join("jiga.db").display()));
        tweak(&mut config);
        let server = jiga_server::start(config).await.expect("server starts");
        let url = server.url();
        Harness {
            server,
            url,
            _dir: dir,
        }
    }

    /// A signed-out client of this server.
    pub fn client(&self) -> Client {
        self.client_at(&self.url, Arc::new(MemoryTokenStore::default()))
    }

    pub fn client_at(&self, url: &str, store: Arc<dyn TokenStore>) -> Client {
        Client::builder()
            .base_url(url)
            .retry(fast_retry())
            .token_store(store)
            .build()
            .expect("client builds")
    }

    /// A client signed in as a fresh device user.
    pub async fn user(&self) -> Client {
        let c = self.client();
        c.sign_in_device(&unique("dev"))
            .await
            .expect("device sign-in");
        c
    }

    /// A fresh user with `dof` DOF topped up.
    pub async fn funded(&self, dof: i64) -> Client {
        let c = self.user().await;
        c.topup(&TopupRequest {
            amount: Dof::new(dof),
            provider: TopupProvider::Dev,
        })
        .await
        .expect("topup");
        c
    }

    /// A published agent owned by a new user.
    pub async fn published_agent(
        &self,
        tweak: impl FnOnce(&mut CreateAgentRequest),
    ) -> (Client, Agent) {
        let owner = self.user().await;
        let mut req = agent_request("Test Agent");
        tweak(&mut req);
        let agent = owner.create_agent(&req).await.expect("create");
        let agent = owner.publish_agent(&agent.id).await.expect("publish");
        (owner, agent)
    }
}

/// A hire of `agent` for chess with `budget` DOF.
pub fn hire(agent: &str, budget: i64) -> HireRequest {
    HireRequest {
        agent_id: agent.into(),
        game: "chess".into(),
        budget: Dof::new(budget),
        max_minutes: None,
        expected_pricing: None,
    }
}

impl Harness {
    /// A running session of an agent acting `actions_per_second`, hired with `budget` by a
    /// hirer funded with `funds`.
    pub async fn running_session(
        &self,
        actions_per_second: u32,
        funds: i64,
        budget: i64,
    ) -> (Client, Client, String) {
        let (owner, agent) = self
            .published_agent(|r| r.actions_per_second = actions_per_second)
            .await;
        let hirer = self.funded(funds).await;
        let sid = hirer
            .hire(&hire(&agent.id, budget))
            .await
            .expect("hire")
            .session
            .id;
        (owner, hirer, sid)
    }
}

pub fn agent_request(name: &str) -> CreateAgentRequest {
    CreateAgentRequest {
        name: name.into(),
        description: String::new(),
        tags: vec![],
        specializations: vec![],
        games: vec!["chess".into()],
        rank: Rank::Gold,
        agent_type: AgentType::Teammate,
        provider: "openai".into(),
        has_voice_chat: false,
        has_commentator: false,
        pricing: Pricing {
            per_minute: Dof::new(10),
            per_action: Dof::new(1),
        },
        actions_per_second: 5,
        image_url: None,
        nationality: None,
    }
}

/// A token store that counts its saves.
#[derive(Default)]
pub struct CountingStore {
    pub inner: MemoryTokenStore,
    pub saves: AtomicUsize,
}

impl CountingStore {
    pub fn with(tokens: Option<Tokens>) -> Self {
        CountingStore {
            inner: MemoryTokenStore::with(tokens),
            saves: AtomicUsize::new(0),
        }
    }

    pub fn saves(&self) -> usize {
        self.saves.load(Ordering::SeqCst)
    }
}

impl TokenStore for CountingStore {
    fn load(&self) -> Option<Tokens> {
        self.inner.load()
    }

    fn save(&self, tokens: Option<&Tokens>) {
        self.saves.fetch_add(1, Ordering::SeqCst);
        self.inner.save(tokens);
    }
}
