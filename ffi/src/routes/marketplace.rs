//! `/v1/marketplace/*`: search, listings, featured, categories.

use std::ffi::c_char;

use jiga::client::SearchParams;

use crate::runtime::start;
use crate::strings::{arg_str, opt_json};

/// One page of search results (`GET /v1/marketplace/search`). `params_json` (NULL: no
/// filter): `q`, `rank`[], `agentType`[], `provider`[], `game`[], `hasVoiceChat`,
/// `hasCommentator`, `priceMin`, `priceMax`, `ratingMin`, `sort`, `limit`, `cursor`; unknown
/// members are refused. Result: `SearchResults`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_search(client: u64, params_json: *const c_char, out_op: *mut u64) -> i32 {
    start(client, out_op, |c| {
        let c = c.clone();
        let params: SearchParams = opt_json(params_json, "params_json")?;
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
