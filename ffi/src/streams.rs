//! Session and notification streams. Each open stream has a forwarding task that pulls from
//! the core's handle and pushes into the client's bounded queue; when the queue is full the
//! push waits, so the task stops pulling and the core's driver applies its own bound (it
//! replays from its cursor once the reader catches up: delivery stays exactly once).

use std::ffi::c_char;
use std::sync::Arc;

use jiga::client::{NotificationStream, SessionStream};

use crate::queue::{Item, Queue};
use crate::runtime::with_lib;
use crate::status::{JIGA_OK, guard};
use crate::strings::{arg_json, arg_str, out_ptr};

pub(crate) struct SessionEntry {
    pub(crate) client: u64,
    pub(crate) stream: SessionStream,
    queue: Arc<Queue>,
}

pub(crate) struct NotificationsEntry {
    pub(crate) client: u64,
    pub(crate) stream: NotificationStream,
}

/// Pulls `next` until the stream ends, wrapping each item with `wrap` and pushing it into the
/// client's queue, then pushes the stream's end. Stops (closing the stream with `close`) once
/// the client is freed and nobody reads any more.
async fn forward<T, F, Fut>(
    handle: u64,
    mut next: F,
    wrap: fn(u64, T) -> Item,
    close: impl FnOnce(),
    queue: Arc<Queue>,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = jiga::Result<Option<T>>>,
{
    loop {
        let item = match next().await {
            Ok(Some(value)) => wrap(handle, value),
            Ok(None) => Item::StreamEnd {
                stream: handle,
                result: Ok(()),
            },
            Err(e) => Item::StreamEnd {
                stream: handle,
                result: Err(e),
            },
        };
        let last = matches!(item, Item::StreamEnd { .. });
        if queue.push(item).await.is_err() {
            close();
            return;
        }
        if last {
            return;
        }
    }
}

async fn forward_session(handle: u64, stream: SessionStream, queue: Arc<Queue>) {
    let reader = stream.clone();
    let reader = &reader;
    forward(
        handle,
        move || reader.next_event(),
        |stream, event| Item::Event { stream, event },
        move || stream.close(),
        queue,
    )
    .await;
}

async fn forward_notifications(handle: u64, stream: NotificationStream, queue: Arc<Queue>) {
    let reader = stream.clone();
    let reader = &reader;
    forward(
        handle,
        move || reader.next(),
        |stream, notification| Item::Notification {
            stream,
            notification,
        },
        move || stream.close(),
        queue,
    )
    .await;
}

/// Opens the event stream of a session, delivering the events after `after_seq` (0: from the
/// start) into `client`'s queue as `JIGA_COMPLETION_KIND_SESSION_EVENT` records, then one
/// `JIGA_COMPLETION_KIND_STREAM_END`. Writes the stream's handle to `*out_stream`; close it
/// with `jiga_session_close`. Reconnects and resume are the core's: each seq arrives once.
#[unsafe(no_mangle)]
pub extern "C" fn jiga_session_open(
    client: u64,
    session_id: *const c_char,
    after_seq: u64,
    out_stream: *mut u64,
) -> i32 {
    guard(|| {
        let out = out_ptr(out_stream, "out_stream")?;
        let id = arg_str(session_id, "session_id")?;
        with_lib(|lib| {
            let entry = lib.clients.get(client)?;
            let stream = entry.client.session_events_after(id, after_seq);
            let queue = entry.queue.clone();
            let handle = lib.sessions.insert(SessionEntry {
                client,
                stream: stream.clone(),
                queue: queue.clone(),
            });
            lib.handle.spawn(forward_session(handle, stream, queue));
            *out = handle;
            Ok(JIGA_OK)
        })
    })
}

/// Sends a command to the session's agent over its stream: `data_json` is any JSON value.
/// The operation completes (result JSON `null`) on the command's `session.command_ack`.
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
            *out = lib.spawn_op(entry.queue.clone(), fut);
            Ok(JIGA_OK)
        })
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
                .spawn(forward_notifications(handle, stream, entry.queue.clone()));
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
