//! Clients: creation from an options JSON, freeing, tokens out and back in, sign-in, refresh.

use std::ffi::c_char;
use std::sync::Arc;

use jiga::client::{ClientOptions, TokioSpawner};
use jiga::model::RegisterRequest;

use crate::entries::ClientEntry;
use crate::queue::Sink;
use crate::runtime::{start, with_lib};
use crate::status::{Fail, JIGA_ERR_INVALID_ARGUMENT, JIGA_ERR_INVALID_JSON, JIGA_OK, guard};
use crate::strings::{arg_json, arg_str, out_ptr, to_c};

/// The default number of completions and events a client's queue holds.
const DEFAULT_QUEUE_CAPACITY: usize = 1024;
/// The most a queue may hold (memory stays bounded whatever the host asks for).
const MAX_QUEUE_CAPACITY: usize = 65_536;

/// Creates a client from `options_json` and writes its handle to `*out_client`.
///
/// Options (camelCase): `baseUrl` (required), `timeoutMs`, `connectTimeoutMs`, `retry`
/// (`maxAttempts`, `initialBackoffMs`, `maxBackoffMs`, `budgetMs`), `tokens` (what
/// `jiga_client_tokens` returned, to start signed in), `queueCapacity` (1–65536, default
/// 1024: how many completions and events wait for `jiga_poll`).
#[unsafe(no_mangle)]
pub extern "C" fn jiga_client_new(options_json: *const c_char, out_client: *mut u64) -> i32 {
    guard(|| {
        let out = out_ptr(out_client, "out_client")?;
        // The core's `ClientOptions`, plus the queue's capacity, which is the ABI's own.
        let mut opts: serde_json::Map<String, serde_json::Value> =
            arg_json(options_json, "options_json")?;
        let capacity = match opts.remove("queueCapacity") {
            None => DEFAULT_QUEUE_CAPACITY,
            Some(v) => v
                .as_u64()
                .and_then(|v| usize::try_from(v).ok())
                .ok_or_else(|| {
                    Fail::new(
                        JIGA_ERR_INVALID_JSON,
                        format!("'queueCapacity' {v} is not a count"),
                    )
                })?,
        };
        let opts: ClientOptions = serde_json::from_value(opts.into())
            .map_err(|e| Fail::new(JIGA_ERR_INVALID_JSON, format!("'options_json': {e}")))?;
        if !(1..=MAX_QUEUE_CAPACITY).contains(&capacity) {
            return Err(Fail::new(
                JIGA_ERR_INVALID_ARGUMENT,
                format!("'queueCapacity' {capacity} is not in 1..=65536"),
            ));
        }
        with_lib(|lib| {
            let b = opts
                .into_builder()
                .map_err(|e| Fail::new(JIGA_ERR_INVALID_ARGUMENT, e.to_string()))?
                .spawner(Arc::new(TokioSpawner::new(lib.handle.clone())));
            // The HTTP stack is set up inside the runtime it will run on.
            let _enter = lib.handle.enter();
            let client = b
                .build()
                .map_err(|e| Fail::new(JIGA_ERR_INVALID_ARGUMENT, e.to_string()))?;
            *out = lib.clients.insert(ClientEntry {
                client,
                sink: Sink::new(capacity),
            });
            Ok(JIGA_OK)
        })
    })
}

/// Frees a client: its running operations are stopped, its queue is closed (a `jiga_wait` on
/// it returns `JIGA_ERR_CLOSED`) and what it held is dropped, and its streams and paginators
/// are closed and freed.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_client_free(client: u64) -> i32 {
    guard(|| {
        with_lib(|lib| {
            let entry = lib.clients.remove(client)?;
            for s in lib.sessions.remove_where(|s| s.client == client) {
                s.stream.close();
            }
            for n in lib.notifications.remove_where(|n| n.client == client) {
                n.stream.close();
            }
            drop(lib.pagers.remove_where(|p| p.client == client));
            entry.sink.close();
            Ok(JIGA_OK)
        })
    })
}

/// Writes the client's current tokens as JSON to `*out_json` (the string `null` when signed
/// out); free it with `jiga_string_free`. Pass the JSON back as the `tokens` option of
/// `jiga_client_new` to start signed in. The JSON holds secrets: store it as such.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_client_tokens(client: u64, out_json: *mut *mut c_char) -> i32 {
    guard(|| {
        let out = out_ptr(out_json, "out_json")?;
        let entry = with_lib(|lib| lib.clients.get(client))?;
        let json = serde_json::to_string(&entry.client.tokens())
            .map_err(|e| Fail::new(JIGA_ERR_INVALID_JSON, e.to_string()))?;
        *out = to_c(json);
        Ok(JIGA_OK)
    })
}

/// Whether the client holds tokens: writes 1 or 0 to `*out`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_client_is_signed_in(client: u64, out: *mut i32) -> i32 {
    guard(|| {
        let out = out_ptr(out, "out")?;
        let entry = with_lib(|lib| lib.clients.get(client))?;
        *out = i32::from(entry.client.is_signed_in());
        Ok(JIGA_OK)
    })
}

/// Signs in with a device id (creating the player on first use). Result: the `User`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_sign_in_device(
    client: u64,
    device_id: *const c_char,
    out_op: *mut u64,
) -> i32 {
    start(client, out_op, |c| {
        let (c, id) = (c.clone(), arg_str(device_id, "device_id")?.to_owned());
        Ok(async move { c.sign_in_device(&id).await })
    })
}

/// Signs in with email and password. Result: the `User`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_login(
    client: u64,
    email: *const c_char,
    password: *const c_char,
    out_op: *mut u64,
) -> i32 {
    start(client, out_op, |c| {
        let c = c.clone();
        let email = arg_str(email, "email")?.to_owned();
        let password = arg_str(password, "password")?.to_owned();
        Ok(async move { c.login(&email, &password).await })
    })
}

/// Registers with a `RegisterRequest` JSON (`email`, `password`, `displayName`) and signs
/// in. Result: the `User`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_register(client: u64, request_json: *const c_char, out_op: *mut u64) -> i32 {
    start(client, out_op, |c| {
        let c = c.clone();
        let req: RegisterRequest = arg_json(request_json, "request_json")?;
        Ok(async move { c.register(&req).await })
    })
}

/// Refreshes the access token now (the core also does it by itself when a call meets an
/// expired token, once for many concurrent calls). Result: JSON `null`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_refresh(client: u64, out_op: *mut u64) -> i32 {
    start(client, out_op, |c| {
        let c = c.clone();
        Ok(async move { c.refresh().await })
    })
}

/// Forgets the client's tokens (synchronous; nothing is sent).
#[unsafe(no_mangle)]
pub extern "C" fn jiga_sign_out(client: u64) -> i32 {
    guard(|| {
        let entry = with_lib(|lib| lib.clients.get(client))?;
        entry.client.sign_out();
        Ok(JIGA_OK)
    })
}
