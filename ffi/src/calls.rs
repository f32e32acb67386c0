//! One entry point per route. Each checks its arguments, starts the call on the runtime and
//! returns at once with an operation id; the result (JSON in the contract's shape) or the
//! error arrives in the client's queue.

use std::ffi::c_char;

use jiga::Dof;
use jiga::client::{PageRequest, SearchParams};
use jiga::model::{AgentType, HireRequest, Rank, SearchSort, TopupRequest};
use serde::Deserialize;

use crate::client::start;
use crate::strings::{arg_json, arg_str};

/// Search parameters as JSON (camelCase); every member optional.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct SearchJson {
    q: Option<String>,
    #[serde(default)]
    rank: Vec<Rank>,
    #[serde(default)]
    agent_type: Vec<AgentType>,
    #[serde(default)]
    provider: Vec<String>,
    #[serde(default)]
    game: Vec<String>,
    has_voice_chat: Option<bool>,
    has_commentator: Option<bool>,
    price_min: Option<i64>,
    price_max: Option<i64>,
    rating_min: Option<f64>,
    sort: Option<SearchSort>,
    limit: Option<u32>,
    cursor: Option<String>,
}

impl SearchJson {
    /// The core's `SearchParams` (a conversion; the core validates).
    pub(crate) fn into_params(self) -> SearchParams {
        let mut p = SearchParams::new();
        if let Some(q) = self.q {
            p = p.q(q);
        }
        for r in self.rank {
            p = p.rank(r);
        }
        for t in self.agent_type {
            p = p.agent_type(t);
        }
        for v in self.provider {
            p = p.provider(v);
        }
        for g in self.game {
            p = p.game(g);
        }
        if let Some(v) = self.has_voice_chat {
            p = p.has_voice_chat(v);
        }
        if let Some(v) = self.has_commentator {
            p = p.has_commentator(v);
        }
        if let Some(v) = self.price_min {
            p = p.price_min(Dof::new(v));
        }
        if let Some(v) = self.price_max {
            p = p.price_max(Dof::new(v));
        }
        if let Some(v) = self.rating_min {
            p = p.rating_min(v);
        }
        if let Some(v) = self.sort {
            p = p.sort(v);
        }
        if let Some(v) = self.limit {
            p = p.limit(v);
        }
        if let Some(v) = self.cursor {
            p = p.cursor(v);
        }
        p
    }
}

/// A page request as JSON: `{"limit": 20, "cursor": "…"}`, both optional.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct PageJson {
    pub(crate) limit: Option<u32>,
    pub(crate) cursor: Option<String>,
}

impl PageJson {
    pub(crate) fn into_page(self) -> PageRequest {
        let mut p = PageRequest::new();
        if let Some(l) = self.limit {
            p = p.limit(l);
        }
        if let Some(c) = self.cursor {
            p = p.cursor(c);
        }
        p
    }
}

/// One page of search results (`GET /v1/marketplace/search`). `params_json`: `q`, `rank`[],
/// `agentType`[], `provider`[], `game`[], `hasVoiceChat`, `hasCommentator`, `priceMin`,
/// `priceMax`, `ratingMin`, `sort`, `limit`, `cursor`. Result: `SearchResults`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_search(client: u64, params_json: *const c_char, out_op: *mut u64) -> i32 {
    start(client, out_op, |c| {
        let c = c.clone();
        let params = arg_json::<SearchJson>(params_json, "params_json")?.into_params();
        Ok(async move { c.search(&params).await })
    })
}

/// One listing by agent id. Result: `Listing`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_listing(client: u64, agent_id: *const c_char, out_op: *mut u64) -> i32 {
    start(client, out_op, |c| {
        let (c, id) = (c.clone(), arg_str(agent_id, "agent_id")?.to_owned());
        Ok(async move { c.listing(&id).await })
    })
}

/// The featured listings. Result: `Featured`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_featured(client: u64, out_op: *mut u64) -> i32 {
    start(client, out_op, |c| {
        let c = c.clone();
        Ok(async move { c.featured().await })
    })
}

/// The categories (games, types, ranks, providers with counts). Result: `Categories`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_categories(client: u64, out_op: *mut u64) -> i32 {
    start(client, out_op, |c| {
        let c = c.clone();
        Ok(async move { c.categories().await })
    })
}

/// One agent by id. Result: `Agent`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_agent(client: u64, agent_id: *const c_char, out_op: *mut u64) -> i32 {
    start(client, out_op, |c| {
        let (c, id) = (c.clone(), arg_str(agent_id, "agent_id")?.to_owned());
        Ok(async move { c.agent(&id).await })
    })
}

/// The signed-in user with their wallet summary. Result: `Me`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_me(client: u64, out_op: *mut u64) -> i32 {
    start(client, out_op, |c| {
        let c = c.clone();
        Ok(async move { c.me().await })
    })
}

/// Hires an agent with a `HireRequest` JSON (`agentId`, `game`, `budget`, `maxMinutes`). The
/// core sends one idempotency key and reuses it on its retries. Result: `HireResponse`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_hire(client: u64, request_json: *const c_char, out_op: *mut u64) -> i32 {
    start(client, out_op, |c| {
        let c = c.clone();
        let req: HireRequest = arg_json(request_json, "request_json")?;
        Ok(async move { c.hire(&req).await })
    })
}

/// One session by id. Result: `Session`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_session_get(
    client: u64,
    session_id: *const c_char,
    out_op: *mut u64,
) -> i32 {
    start(client, out_op, |c| {
        let (c, id) = (c.clone(), arg_str(session_id, "session_id")?.to_owned());
        Ok(async move { c.session(&id).await })
    })
}

/// Ends a session and settles it. Result: `EndSessionResponse` (with the settlement).
#[unsafe(no_mangle)]
pub extern "C" fn jiga_session_end(
    client: u64,
    session_id: *const c_char,
    out_op: *mut u64,
) -> i32 {
    start(client, out_op, |c| {
        let (c, id) = (c.clone(), arg_str(session_id, "session_id")?.to_owned());
        Ok(async move { c.end_session(&id).await })
    })
}

/// The caller's wallet. Result: `Wallet`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_wallet(client: u64, out_op: *mut u64) -> i32 {
    start(client, out_op, |c| {
        let c = c.clone();
        Ok(async move { c.wallet().await })
    })
}

/// Tops the wallet up with a `TopupRequest` JSON (`amount`, `provider`: `dev` or `stripe`).
/// Result: `Topup`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_topup(client: u64, request_json: *const c_char, out_op: *mut u64) -> i32 {
    start(client, out_op, |c| {
        let c = c.clone();
        let req: TopupRequest = arg_json(request_json, "request_json")?;
        Ok(async move { c.topup(&req).await })
    })
}
