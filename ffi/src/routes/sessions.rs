//! `/v1/hires` and `/v1/sessions/*`: hiring, sessions, commands, ending, stream tickets.

use std::ffi::c_char;

use jiga::client::SessionFilter;
use jiga::model::{CommandRequest, HireRequest};

use crate::runtime::start;
use crate::strings::{arg_json, arg_key, arg_str, opt_json};

/// Hires an agent with a `HireRequest` JSON (`agentId`, `game`, `budget`, `maxMinutes`,
/// optional `expectedPricing`). The core sends one idempotency key and reuses it on its
/// retries. Result: `HireResponse`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_hire(client: u64, request_json: *const c_char, out_op: *mut u64) -> i32 {
    start(client, out_op, |c| {
        let c = c.clone();
        let req: HireRequest = arg_json(request_json, "request_json")?;
        Ok(async move { c.hire(&req).await })
    })
}

/// `jiga_hire` under the host's own idempotency key: the same key with the same request
/// hires once; with another request it fails with `JIGA_ERROR_KIND_IDEMPOTENCY_CONFLICT`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_hire_with_key(
    client: u64,
    request_json: *const c_char,
    idempotency_key: *const c_char,
    out_op: *mut u64,
) -> i32 {
    start(client, out_op, |c| {
        let c = c.clone();
        let req: HireRequest = arg_json(request_json, "request_json")?;
        let key = arg_key(idempotency_key)?;
        Ok(async move { c.hire_with_key(&req, key).await })
    })
}

/// One session by id, to its hirer or owner. Result: `Session`.
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

/// One page of the caller's sessions, newest first. `filter_json` (NULL: all): `status`
/// (`active`, `ended`), `limit`, `cursor`. Result: a page of `Session`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_sessions(client: u64, filter_json: *const c_char, out_op: *mut u64) -> i32 {
    start(client, out_op, |c| {
        let c = c.clone();
        let filter: SessionFilter = opt_json(filter_json, "filter_json")?;
        Ok(async move { c.sessions(&filter).await })
    })
}

/// Sends a command over REST with a `CommandRequest` JSON (`commandId`, `data`); the stream
/// acknowledges it with `session.command_ack`. Never retried once sent. Result:
/// `CommandAccepted`. (`jiga_session_command` sends on the stream's socket instead.)
#[unsafe(no_mangle)]
pub extern "C" fn jiga_send_command(
    client: u64,
    session_id: *const c_char,
    request_json: *const c_char,
    out_op: *mut u64,
) -> i32 {
    start(client, out_op, |c| {
        let (c, id) = (c.clone(), arg_str(session_id, "session_id")?.to_owned());
        let req: CommandRequest = arg_json(request_json, "request_json")?;
        Ok(async move { c.send_command(&id, &req).await })
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

/// `jiga_session_end` under the host's own idempotency key.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_session_end_with_key(
    client: u64,
    session_id: *const c_char,
    idempotency_key: *const c_char,
    out_op: *mut u64,
) -> i32 {
    start(client, out_op, |c| {
        let (c, id) = (c.clone(), arg_str(session_id, "session_id")?.to_owned());
        let key = arg_key(idempotency_key)?;
        Ok(async move { c.end_session_with_key(&id, key).await })
    })
}

/// A single-use ticket to open the session's stream where headers cannot be sent (a
/// browser). Native hosts never need one: `jiga_session_open` authenticates by header.
/// Result: `StreamTicket`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_stream_ticket(
    client: u64,
    session_id: *const c_char,
    out_op: *mut u64,
) -> i32 {
    start(client, out_op, |c| {
        let (c, id) = (c.clone(), arg_str(session_id, "session_id")?.to_owned());
        Ok(async move { c.stream_ticket(&id).await })
    })
}
