//! Session and notification streams. Each open stream has a forwarding task that pulls from
//! the core's handle and pushes into the client's bounded queue; when the queue is full the
//! push waits, so the task stops pulling and the core's driver applies its own bound (it
//! replays from its cursor once the reader catches up: delivery stays exactly once).
//!
//! A session stream's forwarder also feeds every event to the core's
//! [`SessionAccount`](jiga::accounting::SessionAccount): the meter `jiga_session_meter` reads,
//! the budget guard whose actions are queued as `JIGA_COMPLETION_KIND_GUARD`, and the
//! reconciliation the stream's end carries.

use std::ffi::c_char;
use std::sync::{Arc, Mutex, PoisonError};

use jiga::Client;
use jiga::accounting::{GuardAction, GuardSpec, SessionAccount};
use jiga::client::{ConnectionState, NotificationStream, SessionStream};
use serde::Deserialize;

use crate::entries::{NotificationsEntry, SessionEntry};
use crate::queue::{Item, Sink};
use crate::record::{JigaMeter, JigaStreamState};
use crate::runtime::{next_op, with_lib};
use crate::status::{JIGA_OK, guard};
use crate::strings::{arg_json, arg_str, opt_json, out_ptr};

/// `jiga_session_open`'s options (camelCase JSON).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OpenOptions {
    /// Deliver the events after this seq (0: from `session.started`).
    #[serde(default)]
    after_seq: u64,
    /// A budget guard: `{"cap": 900, "warnAt": [0.5, 0.8]}`.
    guard: Option<GuardSpec>,
    /// End the session when the guard's cap is reached.
    #[serde(default)]
    end_at_cap: bool,
}

/// Pulls `next` until the stream ends, pushing what `expand` makes of each value and then
/// what `finish` makes of the end into the client's queue. Stops (closing the stream with
/// `close`) once the client is freed and nobody reads any more.
async fn forward<T, F, Fut>(
    mut next: F,
    mut expand: impl FnMut(T) -> Vec<Item>,
    finish: impl FnOnce(jiga::Result<()>) -> Item,
    close: impl FnOnce(),
    sink: Sink,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = jiga::Result<Option<T>>>,
{
    let end = loop {
        match next().await {
            Ok(Some(value)) => {
                for item in expand(value) {
                    if sink.queue.push(item).await.is_err() {
                        close();
                        return;
                    }
                }
            }
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    if sink.queue.push(finish(end)).await.is_err() {
        close();
    }
}

struct SessionForwarder {
    handle: u64,
    client: Client,
    stream: SessionStream,
    sink: Sink,
    account: Arc<Mutex<SessionAccount>>,
    end_at_cap: bool,
}

impl SessionForwarder {
    async fn run(self) {
        let SessionForwarder {
            handle,
            client,
            stream,
            sink,
            account,
            end_at_cap,
        } = self;
        let session_id = stream.session_id().to_owned();
        let verdict = account.clone();
        let reader = stream.clone();
        let reader = &reader;
        let end_sink = sink.clone();
        forward(
            move || reader.next_event(),
            |event| {
                let (seen, consumed) = {
                    let mut account = account.lock().unwrap_or_else(PoisonError::into_inner);
                    let seen = account.observe(&event);
                    (seen, account.meter().consumed())
                };
                let mut items = vec![Item::Event {
                    stream: handle,
                    event,
                }];
                for action in seen.actions {
                    let end_op = if action == GuardAction::End && end_at_cap {
                        let (c, id) = (client.clone(), session_id.clone());
                        let op = next_op();
                        // The library is live while its runtime runs this task.
                        let _ = with_lib(|lib| {
                            lib.spawn_op_as(op, &end_sink, async move { c.end_session(&id).await });
                            Ok(())
                        });
                        op
                    } else {
                        0
                    };
                    items.push(Item::Guard {
                        stream: handle,
                        action,
                        consumed,
                        end_op,
                    });
                }
                items
            },
            |end| {
                let reconciled = verdict
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .reconciled()
                    .cloned();
                let (result, json) = match (end, reconciled) {
                    (Err(e), _) => (Err(e), None),
                    (Ok(()), None) => (Ok(()), None),
                    (Ok(()), Some(Err(e))) => (Err(jiga::Error::Reconciliation(e)), None),
                    (Ok(()), Some(Ok(r))) => (Ok(()), Some(reconciled_json(&r))),
                };
                Item::StreamEnd {
                    stream: handle,
                    result,
                    json,
                }
            },
            move || stream.close(),
            sink,
        )
        .await;
    }
}

fn reconciled_json(r: &jiga::accounting::Reconciled) -> String {
    serde_json::json!({
        "consumed": r.consumed,
        "ownerEarnings": r.owner_earnings,
        "platformFee": r.platform_fee,
        "released": r.released,
        "charges": r.charges,
    })
    .to_string()
}

/// Opens the event stream of a session into `client`'s queue and writes its handle to
/// `*out_stream` (close it with `jiga_session_close`).
///
/// Each event arrives as a `JIGA_COMPLETION_KIND_SESSION_EVENT`, then one
/// `JIGA_COMPLETION_KIND_STREAM_END`; reconnects and resume are the core's, so each seq
/// arrives once. `options_json` (NULL: defaults): `afterSeq` (deliver the events after this
/// seq; default 0, from `session.started`), `guard` (`{"cap": 900, "warnAt": [0.5, 0.8]}`: a
/// `JIGA_COMPLETION_KIND_GUARD` follows the event that crossed a threshold or the cap), and
/// `endAtCap` (when the cap is reached, the library ends the session itself; the guard
/// completion's `op_id` is that end operation, whose result follows).
///
/// When the stream saw the session from seq 1, its `STREAM_END` reconciles what it counted
/// with the settlement: `json` holds `{"consumed", "ownerEarnings", "platformFee",
/// "released", "charges"}`, or the error kind is `JIGA_ERROR_KIND_RECONCILIATION`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_session_open(
    client: u64,
    session_id: *const c_char,
    options_json: *const c_char,
    out_stream: *mut u64,
) -> i32 {
    guard(|| {
        let out = out_ptr(out_stream, "out_stream")?;
        let id = arg_str(session_id, "session_id")?;
        let opts: OpenOptions = opt_json(options_json, "options_json")?;
        with_lib(|lib| {
            let entry = lib.clients.get(client)?;
            let stream = entry.client.session_events_after(id, opts.after_seq);
            let account = Arc::new(Mutex::new(SessionAccount::new(opts.guard)));
            let handle = lib.sessions.insert(SessionEntry {
                client,
                stream: stream.clone(),
                sink: entry.sink.clone(),
                account: account.clone(),
            });
            let forwarder = SessionForwarder {
                handle,
                client: entry.client.clone(),
                stream,
                sink: entry.sink.clone(),
                account,
                end_at_cap: opts.end_at_cap,
            };
            lib.handle.spawn(forwarder.run());
            *out = handle;
            Ok(JIGA_OK)
        })
    })
}

/// Sends a command to the session's agent over its stream: `data_json` is a JSON object.
/// The operation completes (result JSON `null`) on the command's `session.command_ack`,
/// whether or not the host is reading events.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_session_command(
    stream: u64,
    command_id: *const c_char,
    data_json: *const c_char,
    out_op: *mut u64,
) -> i32 {
    guard(|| {
        let out = out_ptr(out_op, "out_op")?;
        let id = arg_str(command_id, "command_id")?.to_owned();
        let data: serde_json::Value = arg_json(data_json, "data_json")?;
        with_lib(|lib| {
            let entry = lib.sessions.get(stream)?;
            let fut = entry.stream.command(id, data);
            *out = lib.spawn_op(&entry.sink, fut);
            Ok(JIGA_OK)
        })
    })
}

/// The session stream's DOF meter, as of the last event queued (which may be ahead of what
/// the host has polled).
#[unsafe(no_mangle)]
pub extern "C" fn jiga_session_meter(stream: u64, out: *mut JigaMeter) -> i32 {
    guard(|| {
        let out = out_ptr(out, "out")?;
        let entry = with_lib(|lib| lib.sessions.get(stream))?;
        let account = entry.account.lock().unwrap_or_else(PoisonError::into_inner);
        *out = JigaMeter::from_meter(account.meter());
        Ok(JIGA_OK)
    })
}

/// The session stream's connection state now; `*out_attempt` (may be NULL) is the reconnect
/// attempt while reconnecting, else 0.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_session_state(
    stream: u64,
    out_state: *mut JigaStreamState,
    out_attempt: *mut u32,
) -> i32 {
    guard(|| {
        let out = out_ptr(out_state, "out_state")?;
        let entry = with_lib(|lib| lib.sessions.get(stream))?;
        let (state, attempt) = match entry.stream.state() {
            ConnectionState::Connecting => (JigaStreamState::Connecting, 0),
            ConnectionState::Live => (JigaStreamState::Live, 0),
            ConnectionState::Reconnecting { attempt } => (JigaStreamState::Reconnecting, attempt),
            _ => (JigaStreamState::Ended, 0),
        };
        *out = state;
        if !out_attempt.is_null() {
            *out_ptr(out_attempt, "out_attempt")? = attempt;
        }
        Ok(JIGA_OK)
    })
}

/// Closes a session stream and frees its handle; its pending command operations fail with
/// `JIGA_ERROR_KIND_CLOSED`, and a `JIGA_COMPLETION_KIND_STREAM_END` follows what was queued.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_session_close(stream: u64) -> i32 {
    guard(|| {
        with_lib(|lib| {
            lib.sessions.remove(stream)?.stream.close();
            Ok(JIGA_OK)
        })
    })
}

async fn forward_notifications(handle: u64, stream: NotificationStream, sink: Sink) {
    let reader = stream.clone();
    let reader = &reader;
    forward(
        move || reader.next(),
        |notification| {
            vec![Item::Notification {
                stream: handle,
                notification,
            }]
        },
        |result| Item::StreamEnd {
            stream: handle,
            result,
            json: None,
        },
        move || stream.close(),
        sink,
    )
    .await;
}

/// Opens the caller's notification stream into `client`'s queue
/// (`JIGA_COMPLETION_KIND_NOTIFICATION` records); writes its handle to `*out_stream`.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_notifications_open(client: u64, out_stream: *mut u64) -> i32 {
    guard(|| {
        let out = out_ptr(out_stream, "out_stream")?;
        with_lib(|lib| {
            let entry = lib.clients.get(client)?;
            let stream = entry.client.notifications();
            let handle = lib.notifications.insert(NotificationsEntry {
                client,
                stream: stream.clone(),
            });
            lib.handle
                .spawn(forward_notifications(handle, stream, entry.sink.clone()));
            *out = handle;
            Ok(JIGA_OK)
        })
    })
}

/// Closes a notification stream and frees its handle.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_notifications_close(stream: u64) -> i32 {
    guard(|| {
        with_lib(|lib| {
            lib.notifications.remove(stream)?.stream.close();
            Ok(JIGA_OK)
        })
    })
}
