//! Session and notification streams. Each open stream has a forwarding task that pulls from
//! the core's handle and pushes into the client's bounded queue; when the queue is full the
//! push waits, so the task stops pulling and the core's driver applies its own bound (it
//! replays from its cursor once the reader catches up: delivery stays exactly once).
//!
//! A session stream is the core's [`AccountedStream`]: its meter is what `jiga_session_meter`
//! reads, its guard's actions are queued as `JIGA_COMPLETION_KIND_GUARD`, and its
//! reconciliation is carried by the stream's end.

use std::ffi::c_char;

use jiga::accounting::GuardAction;
use jiga::client::{
    AccountedEvent, AccountedStream, ConnectionState, NotificationStream, StreamOptions,
};

use crate::entries::{NotificationsEntry, SessionEntry};
use crate::queue::{Item, Sink};
use crate::record::{JigaMeter, JigaStreamState};
use crate::runtime::with_lib;
use crate::status::{JIGA_OK, guard};
use crate::strings::{arg_json, arg_str, opt_json, out_ptr};

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

/// The queue items of one accounted event: the event, then each guard action.
fn session_items(handle: u64, e: AccountedEvent) -> Vec<Item> {
    let mut cap_end = e.cap_end;
    let mut items = vec![Item::Event {
        stream: handle,
        event: e.event,
    }];
    for action in e.actions {
        let end = if action == GuardAction::End {
            cap_end.take()
        } else {
            None
        };
        items.push(Item::Guard {
            stream: handle,
            action,
            consumed: e.consumed,
            end,
        });
    }
    items
}

async fn forward_session(handle: u64, stream: AccountedStream, sink: Sink) {
    let reader = stream.clone();
    let reader = &reader;
    let verdict = stream.clone();
    forward(
        move || reader.next(),
        |e| session_items(handle, e),
        |result| {
            let json = match (&result, verdict.reconciled()) {
                (Ok(()), Some(Ok(r))) => Some(reconciled_json(&r)),
                _ => None,
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

fn reconciled_json(r: &jiga::accounting::Reconciled) -> String {
    serde_json::to_string(r).unwrap_or_default()
}

/// Opens the event stream of a session into `client`'s queue and writes its handle to
/// `*out_stream` (close it with `jiga_session_close`).
///
/// Each event arrives as a `JIGA_COMPLETION_KIND_SESSION_EVENT`, then one
/// `JIGA_COMPLETION_KIND_STREAM_END`; reconnects and resume are the core's, so each seq
/// arrives once. `options_json` (NULL: defaults): `afterSeq` (deliver the events after this
/// seq; default 0, from `session.started`), `guard` (`{"cap": 900, "warnAt": [0.5, 0.8]}`: a
/// `JIGA_COMPLETION_KIND_GUARD` follows the event that crossed a threshold or the cap), and
/// `endAtCap` (when the cap is reached, the core ends the session before handing the event
/// over; the guard's end completion carries the answer).
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
        let opts: StreamOptions = opt_json(options_json, "options_json")?;
        with_lib(|lib| {
            let entry = lib.clients.get(client)?;
            let stream = entry.client.session_events_with(id, opts);
            let handle = lib.sessions.insert(SessionEntry {
                client,
                stream: stream.clone(),
                sink: entry.sink.clone(),
            });
            lib.handle
                .spawn(forward_session(handle, stream, entry.sink.clone()));
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
            let fut = entry.stream.stream().command(id, data);
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
        *out = JigaMeter::from_meter(&entry.stream.meter());
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
        let (state, attempt) = match entry.stream.stream().state() {
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
