//! `/v1/agents/*`: agents, their versions and reviews; creating, updating and publishing.

use std::ffi::c_char;

use jiga::client::PageRequest;
use jiga::model::{CreateAgentRequest, CreateReviewRequest, UpdateAgentRequest};

use crate::runtime::start;
use crate::strings::{arg_json, arg_str, opt_json};

/// One agent by id. Result: `Agent`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_agent(client: u64, agent_id: *const c_char, out_op: *mut u64) -> i32 {
    start(client, out_op, |c| {
        let (c, id) = (c.clone(), arg_str(agent_id, "agent_id")?.to_owned());
        Ok(async move { c.agent(&id).await })
    })
}

/// Creates an agent (a draft, owned by the caller) from a `CreateAgentRequest` JSON.
/// Result: `Agent`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_agent_create(
    client: u64,
    request_json: *const c_char,
    out_op: *mut u64,
) -> i32 {
    start(client, out_op, |c| {
        let c = c.clone();
        let req: CreateAgentRequest = arg_json(request_json, "request_json")?;
        Ok(async move { c.create_agent(&req).await })
    })
}

/// Updates the caller's agent with an `UpdateAgentRequest` JSON (members present are
/// changed; a change of behaviour makes a new version). Result: `Agent`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_agent_update(
    client: u64,
    agent_id: *const c_char,
    request_json: *const c_char,
    out_op: *mut u64,
) -> i32 {
    start(client, out_op, |c| {
        let (c, id) = (c.clone(), arg_str(agent_id, "agent_id")?.to_owned());
        let req: UpdateAgentRequest = arg_json(request_json, "request_json")?;
        Ok(async move { c.update_agent(&id, &req).await })
    })
}

/// Publishes the caller's agent to the marketplace. Result: `Agent`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_agent_publish(
    client: u64,
    agent_id: *const c_char,
    out_op: *mut u64,
) -> i32 {
    start(client, out_op, |c| {
        let (c, id) = (c.clone(), arg_str(agent_id, "agent_id")?.to_owned());
        Ok(async move { c.publish_agent(&id).await })
    })
}

/// Takes the caller's agent off the marketplace. Result: `Agent`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_agent_unpublish(
    client: u64,
    agent_id: *const c_char,
    out_op: *mut u64,
) -> i32 {
    start(client, out_op, |c| {
        let (c, id) = (c.clone(), arg_str(agent_id, "agent_id")?.to_owned());
        Ok(async move { c.unpublish_agent(&id).await })
    })
}

/// One page of an agent's versions, newest first. `page_json` (NULL: the first page):
/// `limit`, `cursor`. Result: a page of `Agent` (`items`, `nextCursor`).
#[unsafe(no_mangle)]
pub extern "C" fn jiga_agent_versions(
    client: u64,
    agent_id: *const c_char,
    page_json: *const c_char,
    out_op: *mut u64,
) -> i32 {
    start(client, out_op, |c| {
        let (c, id) = (c.clone(), arg_str(agent_id, "agent_id")?.to_owned());
        let page: PageRequest = opt_json(page_json, "page_json")?;
        Ok(async move { c.agent_versions(&id, &page).await })
    })
}

/// One page of an agent's reviews, newest first. `page_json` as for `jiga_agent_versions`.
/// Result: a page of `Review`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_reviews(
    client: u64,
    agent_id: *const c_char,
    page_json: *const c_char,
    out_op: *mut u64,
) -> i32 {
    start(client, out_op, |c| {
        let (c, id) = (c.clone(), arg_str(agent_id, "agent_id")?.to_owned());
        let page: PageRequest = opt_json(page_json, "page_json")?;
        Ok(async move { c.reviews(&id, &page).await })
    })
}

/// Reviews an agent the caller hired, with a `CreateReviewRequest` JSON (`sessionId`,
/// `rating` 1–5, `text`). Result: `Review`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_review_create(
    client: u64,
    agent_id: *const c_char,
    request_json: *const c_char,
    out_op: *mut u64,
) -> i32 {
    start(client, out_op, |c| {
        let (c, id) = (c.clone(), arg_str(agent_id, "agent_id")?.to_owned());
        let req: CreateReviewRequest = arg_json(request_json, "request_json")?;
        Ok(async move { c.create_review(&id, &req).await })
    })
}
