//! The session stream: `GET /v1/sessions/{id}/stream?afterSeq=N` (and the notifications
//! stream, which shares the credential handling).
//!
//! A connection replays stored frames after `afterSeq` from the database at the pace the
//! client reads them, then follows the session's [`Channel`] live. Credentials are checked
//! after the upgrade so a browser, which cannot see an HTTP status on a failed upgrade, gets a
//! close code (4001, 4003, 4004) instead.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use jiga::model::{CommandRequest, SessionStatus};
use jiga::wire::CommandFrame;
use serde::Deserialize;

use super::hub::{Channel, Read, SLOW_CONSUMER_LIMIT};
use super::tickets::{Refusal, Scope};
use crate::db::sessions;
use crate::domain::session::command_data_fits;
use crate::state::AppState;

/// Server ping interval (the contract: at least every 15 s).
const PING_EVERY: Duration = Duration::from_secs(10);
/// Frames read from storage per replay query.
const REPLAY_BATCH: u32 = 512;
/// Frames copied out of the live window per wake-up.
const LIVE_BATCH: usize = 512;

/// Close codes of the contract, shared with the client.
pub use jiga::wire::close;

/// The largest message (and frame) a client may send (the contract's Limits: 64 KiB).
pub const MAX_CLIENT_MESSAGE: usize = 64 * 1024;
/// The largest `afterSeq` (2^53, the largest integer every JSON client holds exactly).
pub const MAX_AFTER_SEQ: u64 = 1 << 53;

/// Frames are written to the socket once this many bytes are queued (or on flush): large
/// enough that a burst of frames costs one syscall, small enough that the buffer an idle
/// connection keeps after its last burst stays a few KiB.
const WRITE_BATCH: usize = 8 * 1024;

/// Tunes tungstenite's buffers down from 128 KiB so idle connections stay small.
pub fn tune(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.read_buffer_size(4 * 1024)
        .write_buffer_size(WRITE_BATCH)
        .max_write_buffer_size(1024 * 1024)
        .max_message_size(MAX_CLIENT_MESSAGE)
        .max_frame_size(MAX_CLIENT_MESSAGE)
}

/// True when a read error is a message over [`MAX_CLIENT_MESSAGE`] (`tungstenite` is the
/// version axum uses; a unit test below holds the two together).
fn too_big(e: &axum::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if matches!(
            c.downcast_ref::<tungstenite::Error>(),
            Some(tungstenite::Error::Capacity(_))
        ) {
            return true;
        }
        cause = c.source();
    }
    false
}

/// Keeps a connection open a moment after closing it for an oversized message. The rest of
/// that message is still unread in the kernel, and closing a socket with unread data sends a
/// reset, which would overtake the close frame; a second is ample for the client to read it.
async fn linger() {
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// `afterSeq` as the contract has it: absent is 0, else an integer 0..=2^53.
///
/// # Errors
/// `invalid_argument` naming `afterSeq`.
pub fn parse_after_seq(raw: Option<&str>) -> Result<u64, crate::error::AppError> {
    let Some(raw) = raw else { return Ok(0) };
    match raw.parse::<u64>() {
        Ok(n) if n <= MAX_AFTER_SEQ => Ok(n),
        _ => Err(jiga::model::FieldError::new(
            jiga::wire::query::AFTER_SEQ,
            format!(
                "must be an integer between 0 and 2^53, got '{}'",
                raw.chars().take(40).collect::<String>()
            ),
        )
        .into()),
    }
}

#[derive(Deserialize, Default)]
struct StreamQuery {
    #[serde(rename = "afterSeq")]
    after_seq: Option<String>,
    ticket: Option<String>,
}

/// Who is connecting: a user id, or the close code to answer with. A ticket opens only the
/// stream it was issued for (`scope`).
pub fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    ticket: Option<&str>,
    scope: &Scope,
) -> Result<String, (u16, String)> {
    if headers.contains_key(axum::http::header::AUTHORIZATION) {
        let token = crate::auth::bearer_in(headers);
        return match token.map(|t| state.tokens.verify(t)) {
            Some(Ok(claims)) => Ok(claims.sub),
            Some(Err(e)) => Err((close::UNAUTHENTICATED, e.to_string())),
            None => Err((
                close::UNAUTHENTICATED,
                "malformed Authorization header".into(),
            )),
        };
    }
    let Some(ticket) = ticket else {
        return Err((
            close::UNAUTHENTICATED,
            "no bearer token and no ticket".into(),
        ));
    };
    match state.tickets.take(ticket, scope) {
        Ok(user) => Ok(user),
        Err(Refusal::OtherScope) => Err((close::FORBIDDEN, "ticket is for another stream".into())),
        Err(Refusal::Invalid) => Err((
            close::UNAUTHENTICATED,
            "ticket is unknown, used or expired".into(),
        )),
    }
}

async fn close_with(mut socket: WebSocket, code: u16, reason: &str) {
    let reason: String = reason.chars().take(100).collect();
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: Utf8Bytes::from(reason),
        })))
        .await;
}

/// `GET /v1/sessions/{id}/stream`.
pub async fn stream(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let q: StreamQuery =
        serde_urlencoded::from_str(query.as_deref().unwrap_or("")).unwrap_or_default();
    // Checked before the ticket is used up, so a bad afterSeq costs the browser no ticket.
    let after = match parse_after_seq(q.after_seq.as_deref()) {
        Ok(n) => n,
        Err(e) => return axum::response::IntoResponse::into_response(e),
    };
    let auth = authenticate(
        &state,
        &headers,
        q.ticket.as_deref(),
        &Scope::Session(id.clone()),
    );
    let sockets = state.sockets.clone();
    tune(ws).on_upgrade(move |socket| {
        sockets.track_future(async move {
            let user = match auth {
                Ok(u) => u,
                Err((code, why)) => return close_with(socket, code, &why).await,
            };
            let key = id.clone();
            let row = match state.db.read(move |c| sessions::get(c, &key)).await {
                Ok(r) => r,
                Err(_) => {
                    return close_with(socket, close::GOING_AWAY, "storage unavailable; retry")
                        .await;
                }
            };
            let Some(row) = row else {
                return close_with(socket, close::NOT_FOUND, "no such session").await;
            };
            if row.session.hirer_id != user && row.session.owner_id != user {
                return close_with(
                    socket,
                    close::FORBIDDEN,
                    "only the hirer and the owner may watch a session",
                )
                .await;
            }
            serve(
                state,
                socket,
                row.pk,
                id,
                row.session.hirer_id == user,
                row.session.status == SessionStatus::Ended,
                after,
            )
            .await;
        })
    })
}

enum Outcome {
    Close(u16, &'static str),
    Gone,
}

async fn serve(
    state: AppState,
    socket: WebSocket,
    pk: i64,
    id: String,
    is_hirer: bool,
    ended: bool,
    mut cursor: u64,
) {
    let (mut tx, mut rx) = socket.split();
    let shutdown = state.shutdown.clone();
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.reset();
    // Client frames (commands) are handled on a side task so that reading never waits on
    // sending and a command's acknowledgement cannot block the reader.
    // The reader reports why it stopped: the peer left, or sent a message over the limit.
    let (gone_tx, mut gone_rx) = tokio::sync::mpsc::channel::<Outcome>(1);
    let reader_state = state.clone();
    let reader_id = id.clone();
    let reader = tokio::spawn(async move {
        let why = loop {
            let msg = match rx.next().await {
                Some(Ok(m)) => m,
                Some(Err(e)) if too_big(&e) => {
                    break Outcome::Close(close::MESSAGE_TOO_BIG, "message over 64 KiB");
                }
                Some(Err(_)) | None => break Outcome::Gone,
            };
            match msg {
                Message::Text(t) if is_hirer => {
                    let Some(frame) = CommandFrame::from_json(t.as_str()) else {
                        continue;
                    };
                    let req = CommandRequest::from(frame);
                    // An invalid or oversized command, or one over the session's in-flight
                    // bound, is dropped and never acknowledged; the stream stays open. So at
                    // most that bound of command tasks exists per session.
                    if req.validate().is_err() || !command_data_fits(&req) {
                        continue;
                    }
                    if let Ok(slot) = reader_state.runner.begin_command(&reader_id) {
                        tokio::spawn(async move {
                            let _ = slot.send(req).await;
                        });
                    }
                }
                Message::Close(_) => break Outcome::Gone,
                _ => {}
            }
        };
        let _ = gone_tx.send(why).await;
    });

    let outcome: Outcome = 'conn: loop {
        // Replay from storage until the live window covers the cursor.
        let channel: Option<Arc<Channel>> = if ended { None } else { state.hub.get(&id) };
        let covered = channel
            .as_ref()
            .is_some_and(|c| !matches!(c.read_after(cursor, 0), Read::Behind));
        if !covered {
            let st = state.clone();
            let after = cursor;
            let frames = match st
                .db
                .read(move |c| sessions::events_after(c, pk, after, REPLAY_BATCH))
                .await
            {
                Ok(f) => f,
                Err(_) => {
                    break Outcome::Close(
                        close::GOING_AWAY,
                        "storage unavailable; resume with afterSeq",
                    );
                }
            };
            if frames.is_empty() {
                if ended || channel.is_none() {
                    // An ended session replayed to its end; or a session whose runner is gone.
                    let key = id.clone();
                    let still_active = matches!(
                        state.db.read(move |c| sessions::get(c, &key)).await,
                        Ok(Some(r)) if r.session.status == SessionStatus::Active
                    );
                    if still_active {
                        // Its channel appears with its next event.
                        tokio::select! {
                            () = tokio::time::sleep(Duration::from_millis(50)) => continue 'conn,
                            () = shutdown.cancelled() => break Outcome::Close(close::GOING_AWAY, "server shutting down"),
                        }
                    }
                    break Outcome::Close(close::NORMAL, "session ended");
                }
                continue 'conn;
            }
            let n = frames.len();
            for (seq, f) in frames {
                if tx.feed(Message::Text(Utf8Bytes::from(f))).await.is_err() {
                    break 'conn Outcome::Gone;
                }
                cursor = seq;
            }
            if tx.flush().await.is_err() {
                break Outcome::Gone;
            }
            if n < REPLAY_BATCH as usize && ended {
                break Outcome::Close(close::NORMAL, "session ended");
            }
            continue;
        }
        let Some(ch) = channel else { continue };
        let mut head = ch.subscribe();
        // Live.
        loop {
            match ch.read_after(cursor, LIVE_BATCH) {
                Read::Frames(frames) => {
                    if ch.head().saturating_sub(cursor) > SLOW_CONSUMER_LIMIT {
                        break 'conn Outcome::Close(
                            close::SLOW_CONSUMER,
                            "more than 10000 events behind; resume with afterSeq",
                        );
                    }
                    for f in frames {
                        if tx.feed(Message::Text(f)).await.is_err() {
                            break 'conn Outcome::Gone;
                        }
                        cursor += 1;
                    }
                    if tx.flush().await.is_err() {
                        break 'conn Outcome::Gone;
                    }
                }
                Read::Behind => {
                    break 'conn Outcome::Close(
                        close::SLOW_CONSUMER,
                        "more than 10000 events behind; resume with afterSeq",
                    );
                }
                Read::Ended => break 'conn Outcome::Close(close::NORMAL, "session ended"),
                Read::UpToDate => {
                    tokio::select! {
                        r = head.changed() => if r.is_err() { break 'conn Outcome::Close(close::NORMAL, "session ended") },
                        _ = ping.tick() => if tx.send(Message::Ping(Default::default())).await.is_err() { break 'conn Outcome::Gone },
                        why = gone_rx.recv() => break 'conn why.unwrap_or(Outcome::Gone),
                        () = shutdown.cancelled() => break 'conn Outcome::Close(close::GOING_AWAY, "server shutting down"),
                    }
                }
            }
        }
    };
    if let Outcome::Close(code, reason) = outcome {
        let _ = tx
            .send(Message::Close(Some(CloseFrame {
                code,
                reason: Utf8Bytes::from_static(reason),
            })))
            .await;
        if code == close::MESSAGE_TOO_BIG {
            linger().await;
        }
    }
    reader.abort();
}

/// `GET /v1/events/stream`: the caller's notifications.
pub async fn notifications(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let q: StreamQuery =
        serde_urlencoded::from_str(query.as_deref().unwrap_or("")).unwrap_or_default();
    let auth = authenticate(&state, &headers, q.ticket.as_deref(), &Scope::Notifications);
    let sockets = state.sockets.clone();
    tune(ws).on_upgrade(move |mut socket| sockets.track_future(async move {
        let user = match auth {
            Ok(u) => u,
            Err((code, why)) => return close_with(socket, code, &why).await,
        };
        let mut rx = state.notifier.subscribe(&user);
        let mut ping = tokio::time::interval(PING_EVERY);
        ping.reset();
        let shutdown = state.shutdown.clone();
        loop {
            tokio::select! {
                n = rx.recv() => match n {
                    Ok(text) => if socket.send(Message::Text(Utf8Bytes::from(&*text))).await.is_err() { return },
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        return close_with(socket, close::SLOW_CONSUMER, "too many notifications behind").await;
                    }
                    Err(_) => return,
                },
                m = socket.recv() => match m {
                    Some(Err(e)) if too_big(&e) => {
                        close_with(socket, close::MESSAGE_TOO_BIG, "message over 64 KiB").await;
                        return linger().await;
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                    _ => {}
                },
                _ = ping.tick() => if socket.send(Message::Ping(Default::default())).await.is_err() { return },
                () = shutdown.cancelled() => return close_with(socket, close::GOING_AWAY, "server shutting down").await,
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capacity_error_is_recognised_through_axum() {
        let e = axum::Error::new(tungstenite::Error::Capacity(
            tungstenite::error::CapacityError::MessageTooLong {
                size: 70_000,
                max_size: MAX_CLIENT_MESSAGE,
            },
        ));
        assert!(too_big(&e));
        assert!(!too_big(&axum::Error::new(std::io::Error::other("reset"))));
    }

    #[test]
    fn after_seq_is_an_integer_up_to_2_pow_53() {
        assert_eq!(parse_after_seq(None).ok(), Some(0));
        assert_eq!(
            parse_after_seq(Some("9007199254740992")).ok(),
            Some(MAX_AFTER_SEQ)
        );
        for bad in ["9007199254740993", "18446744073709551616", "-1", "", "x"] {
            assert!(parse_after_seq(Some(bad)).is_err(), "{bad}");
        }
    }
}
