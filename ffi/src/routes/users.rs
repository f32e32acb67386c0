//! `/v1/users/*`: the caller, other users, the caller's agents.

use std::ffi::c_char;

use jiga::client::PageRequest;
use jiga::model::UpdateMeRequest;

use crate::runtime::start;
use crate::strings::{arg_json, arg_str, opt_json};

/// The signed-in user with their wallet summary. Result: `Me`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_me(client: u64, out_op: *mut u64) -> i32 {
    start(client, out_op, |c| {
        let c = c.clone();
        Ok(async move { c.me().await })
    })
}

/// Updates the caller with an `UpdateMeRequest` JSON (`displayName`, `preferences`).
/// Result: `Me`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_me_update(
    client: u64,
    request_json: *const c_char,
    out_op: *mut u64,
) -> i32 {
    start(client, out_op, |c| {
        let c = c.clone();
        let req: UpdateMeRequest = arg_json(request_json, "request_json")?;
        Ok(async move { c.update_me(&req).await })
    })
}

/// Sets the caller's webhook: every notification is then POSTed to `url`, signed with the
/// result's `secret` (shown this once; calling again rotates it), which
/// `jiga_webhook_verify` checks. Result: `WebhookSecret` (`{url, secret}`).
#[unsafe(no_mangle)]
pub extern "C" fn jiga_webhook_set(client: u64, url: *const c_char, out_op: *mut u64) -> i32 {
    start(client, out_op, |c| {
        let (c, url) = (c.clone(), arg_str(url, "url")?.to_owned());
        Ok(async move { c.set_webhook(&url).await })
    })
}

/// The caller's webhook. Result: `Webhook` (`{url}`, no secret), or JSON `null` when none is
/// set.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_webhook_get(client: u64, out_op: *mut u64) -> i32 {
    start(client, out_op, |c| {
        let c = c.clone();
        Ok(async move { c.webhook().await })
    })
}

/// Removes the caller's webhook. Result: JSON `true`, or `false` when none was set.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_webhook_delete(client: u64, out_op: *mut u64) -> i32 {
    start(client, out_op, |c| {
        let c = c.clone();
        Ok(async move { c.delete_webhook().await })
    })
}

/// A user by id; the contract allows only the caller's own id (anyone else's is
/// `JIGA_ERROR_KIND_FORBIDDEN`). Result: `Me`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_user(client: u64, user_id: *const c_char, out_op: *mut u64) -> i32 {
    start(client, out_op, |c| {
        let (c, id) = (c.clone(), arg_str(user_id, "user_id")?.to_owned());
        Ok(async move { c.user(&id).await })
    })
}

/// One page of the caller's own agents (drafts included). `page_json` (NULL: the first
/// page): `limit`, `cursor`. Result: a page of `Agent`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_my_agents(client: u64, page_json: *const c_char, out_op: *mut u64) -> i32 {
    start(client, out_op, |c| {
        let c = c.clone();
        let page: PageRequest = opt_json(page_json, "page_json")?;
        Ok(async move { c.my_agents(&page).await })
    })
}
