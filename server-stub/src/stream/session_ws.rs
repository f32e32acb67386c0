//! The session stream: `GET /v1/sessions/{id}/stream?afterSeq=N` (and the notifications
//! stream, which shares the credential handling).
//!
//! A connection replays stored frames after `afterSeq` from the database at the pace the
//! client reads them, then follows the session's [`Channel`] live. Credentials are checked
//! after the upgrade so a browser, which cannot see an HTTP status on a failed upgrade, gets a
//! close code (4001, 4003, 4004) instead. Two things are settled before the upgrade: a bad
//! `afterSeq` (400) and a user over their cap of open connections (429, [`ConnectionCap`]).
//!
//! Both streams close a client that sends nothing at all — no pong either — for the
//! configured idle timeout (1001, so it reconnects if it is alive), and ping often enough that
//! a live client always has something to answer.

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

use super::conns::{ConnectionCap, ConnectionSlot};
use super::deps::{CommandSink, StreamDeps};
use super::hub::{Channel, Read, SLOW_CONSUMER_LIMIT};
use super::tickets::{Refusal, Scope};
use crate::db::sessions;
use crate::domain::session::command_data_fits;
use crate::error::AppError;

/// Server ping interval (the contract: at least every 15 s), shortened for idle timeouts
/// under 30 s (see [`ping_period`]).
const PING_EVERY: Duration = Duration::from_secs(10);
/// `Retry-After` of an upgrade refused for the per-user connection cap: a slot comes back
/// whenever one of the user's connections ends.
const CAP_RETRY_AFTER: Duration = Duration::from_secs(5);
/// How long closing a connection may wait for a client that does not read.
const CLOSE_WAIT: Duration = Duration::from_secs(5);
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

/// Who is connecting, holding one of their connection slots; or the close code to answer
/// with after the upgrade (a refused credential takes no slot).
type Admission = Result<(String, ConnectionSlot), (u16, String)>;

/// Admits a connection: checks its credential and takes one of its user's connection slots.
/// A ticket opens only the stream it was issued for (`scope`), and is used up only by a
/// connection that is admitted: an upgrade refused for the user's cap leaves it for the retry.
///
/// # Errors
/// The 429 that refuses the upgrade when the user already holds their cap of connections.
pub fn admit(
    deps: &StreamDeps,
    headers: &HeaderMap,
    ticket: Option<&str>,
    scope: &Scope,
) -> Result<Admission, AppError> {
    if headers.contains_key(axum::http::header::AUTHORIZATION) {
        let token = crate::auth::bearer_in(headers);
        let user = match token.map(|t| deps.tokens.verify(t)) {
            Some(Ok(claims)) => claims.sub,
            Some(Err(e)) => return Ok(Err((close::UNAUTHENTICATED, e.to_string()))),
            None => {
                return Ok(Err((
                    close::UNAUTHENTICATED,
                    "malformed Authorization header".into(),
                )));
            }
        };
        let slot = deps
            .conns
            .try_open(&user)
            .ok_or_else(|| over_cap(&deps.conns))?;
        return Ok(Ok((user, slot)));
    }
    let Some(ticket) = ticket else {
        return Ok(Err((
            close::UNAUTHENTICATED,
            "no bearer token and no ticket".into(),
        )));
    };
    match deps
        .tickets
        .take_admitted(ticket, scope, |user| deps.conns.try_open(user))
    {
        Ok(Some(admitted)) => Ok(Ok(admitted)),
        Ok(None) => Err(over_cap(&deps.conns)),
        Err(Refusal::OtherScope) => Ok(Err((
            close::FORBIDDEN,
            "ticket is for another stream".into(),
        ))),
        Err(Refusal::Invalid) => Ok(Err((
            close::UNAUTHENTICATED,
            "ticket is unknown, used or expired".into(),
        ))),
    }
}

/// The 429 of an upgrade refused for the per-user connection cap.
fn over_cap(cap: &ConnectionCap) -> AppError {
    AppError::Quota {
        message: format!(
            "at most {} WebSocket connections per user are open at once",
            cap.max()
        ),
        retry_after: CAP_RETRY_AFTER,
    }
}

async fn close_with(mut socket: WebSocket, code: u16, reason: &str) {
    let reason: String = reason.chars().take(100).collect();
    let close = socket.send(Message::Close(Some(CloseFrame {
        code,
        reason: Utf8Bytes::from(reason),
    })));
    let _ = tokio::time::timeout(CLOSE_WAIT, close).await;
}

/// The ping interval for an idle timeout: at most [`PING_EVERY`], and at least three pings
/// per idle timeout, so a client that answers them is never taken for idle.
fn ping_period(idle: Duration) -> Duration {
    PING_EVERY.min(idle / 3)
}

/// The close reason for an idle connection.
const IDLE_REASON: &str = "nothing received within the idle timeout; reconnect";

/// `GET /v1/sessions/{id}/stream`.
pub async fn stream(
    State(deps): State<Arc<StreamDeps>>,
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
    let admission = match admit(
        &deps,
        &headers,
        q.ticket.as_deref(),
        &Scope::Session(id.clone()),
    ) {
        Ok(a) => a,
        Err(refused) => return axum::response::IntoResponse::into_response(refused),
    };
    let sockets = deps.sockets.clone();
    tune(ws).on_upgrade(move |socket| {
        sockets.track_future(async move {
            let (user, _slot) = match admission {
                Ok(admitted) => admitted,
                Err((code, why)) => return close_with(socket, code, &why).await,
            };
            let key = id.clone();
            let row = match deps.db.read(move |c| sessions::get(c, &key)).await {
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
                deps,
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
    deps: Arc<StreamDeps>,
    socket: WebSocket,
    pk: i64,
    id: String,
    is_hirer: bool,
    ended: bool,
    cursor: u64,
) {
    let (mut tx, rx) = socket.split();
    let idle = deps.idle_timeout;
    // Client frames (commands) are handled on a side task so that reading never waits on
    // sending and a command's acknowledgement cannot block the reader.
    // The reader reports why it stopped: the peer left, went idle, or sent a message over the
    // limit. That report wins over whatever the sender is doing, even a write blocked on a
    // client that does not read.
    let (gone_tx, mut gone_rx) = tokio::sync::mpsc::channel::<Outcome>(1);
    let reader = tokio::spawn(read_commands(
        deps.commands.clone(),
        rx,
        id.clone(),
        is_hirer,
        idle,
        gone_tx,
    ));
    let outcome = tokio::select! {
        biased;
        why = gone_rx.recv() => why.unwrap_or(Outcome::Gone),
        why = send_events(&deps, &mut tx, pk, &id, ended, cursor, ping_period(idle)) => why,
    };
    if let Outcome::Close(code, reason) = outcome {
        let close = tx.send(Message::Close(Some(CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        })));
        let _ = tokio::time::timeout(CLOSE_WAIT, close).await;
        if code == close::MESSAGE_TOO_BIG {
            linger().await;
        }
    }
    reader.abort();
}

/// Reads the client's frames: commands from the hirer, pongs, a close. Returns (through
/// `gone`) when the client leaves, sends a message over the limit, or sends nothing for
/// `idle`.
async fn read_commands(
    commands: Arc<dyn CommandSink>,
    mut rx: futures_util::stream::SplitStream<WebSocket>,
    id: String,
    is_hirer: bool,
    idle: Duration,
    gone: tokio::sync::mpsc::Sender<Outcome>,
) {
    let why = loop {
        let msg = match tokio::time::timeout(idle, rx.next()).await {
            Err(_) => break Outcome::Close(close::GOING_AWAY, IDLE_REASON),
            Ok(Some(Ok(m))) => m,
            Ok(Some(Err(e))) if too_big(&e) => {
                break Outcome::Close(close::MESSAGE_TOO_BIG, "message over 64 KiB");
            }
            Ok(Some(Err(_)) | None) => break Outcome::Gone,
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
                if let Some(acknowledged) = commands.submit(&id, req) {
                    tokio::spawn(acknowledged);
                }
            }
            Message::Close(_) => break Outcome::Gone,
            _ => {}
        }
    };
    let _ = gone.send(why).await;
}

/// Replays stored frames after `cursor`, then follows the session live, pinging every `ping`
/// while there is nothing to send.
async fn send_events(
    deps: &StreamDeps,
    tx: &mut futures_util::stream::SplitSink<WebSocket, Message>,
    pk: i64,
    id: &str,
    ended: bool,
    mut cursor: u64,
    ping: Duration,
) -> Outcome {
    let shutdown = deps.shutdown.clone();
    let mut ping = tokio::time::interval(ping);
    ping.reset();
    'conn: loop {
        // Replay from storage until the live window covers the cursor.
        let channel: Option<Arc<Channel>> = if ended { None } else { deps.hub.get(id) };
        let covered = channel
            .as_ref()
            .is_some_and(|c| !matches!(c.read_after(cursor, 0), Read::Behind));
        if !covered {
            let after = cursor;
            let frames = match deps
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
                    let key = id.to_owned();
                    let still_active = matches!(
                        deps.db.read(move |c| sessions::get(c, &key)).await,
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
                        () = shutdown.cancelled() => break 'conn Outcome::Close(close::GOING_AWAY, "server shutting down"),
                    }
                }
            }
        }
    }
}

/// `GET /v1/events/stream`: the caller's notifications.
pub async fn notifications(
    State(deps): State<Arc<StreamDeps>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let q: StreamQuery =
        serde_urlencoded::from_str(query.as_deref().unwrap_or("")).unwrap_or_default();
    let admission = match admit(&deps, &headers, q.ticket.as_deref(), &Scope::Notifications) {
        Ok(a) => a,
        Err(refused) => return axum::response::IntoResponse::into_response(refused),
    };
    let sockets = deps.sockets.clone();
    tune(ws).on_upgrade(move |socket| {
        sockets.track_future(async move {
            match admission {
                Ok((user, _slot)) => {
                    notify(&deps, socket, &user).await;
                    deps.notifier.release(&user);
                }
                Err((code, why)) => close_with(socket, code, &why).await,
            }
        })
    })
}

/// Follows `user`'s notifications until the client leaves, goes idle or falls behind, or the
/// server shuts down. A send that cannot complete within the idle timeout is a client that
/// does not read: it is given up like an idle one.
async fn notify(deps: &StreamDeps, mut socket: WebSocket, user: &str) {
    let idle = deps.idle_timeout;
    let mut rx = deps.notifier.subscribe(user);
    let mut ping = tokio::time::interval(ping_period(idle));
    ping.reset();
    let shutdown = deps.shutdown.clone();
    let mut heard = tokio::time::Instant::now();
    loop {
        let out = tokio::select! {
            n = rx.recv() => match n {
                Ok(text) => Message::Text(Utf8Bytes::from(&*text)),
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
                Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                Some(Ok(_)) => {
                    heard = tokio::time::Instant::now();
                    continue;
                }
            },
            () = tokio::time::sleep_until(heard + idle) => {
                return close_with(socket, close::GOING_AWAY, IDLE_REASON).await;
            }
            _ = ping.tick() => Message::Ping(Default::default()),
            () = shutdown.cancelled() => return close_with(socket, close::GOING_AWAY, "server shutting down").await,
        };
        match tokio::time::timeout(idle, socket.send(out)).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return,
            Err(_) => return close_with(socket, close::GOING_AWAY, IDLE_REASON).await,
        }
    }
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
    fn a_live_client_gets_three_pings_per_idle_timeout() {
        assert_eq!(ping_period(Duration::from_secs(60)), PING_EVERY);
        assert_eq!(ping_period(Duration::from_secs(3)), Duration::from_secs(1));
        assert!(
            PING_EVERY <= Duration::from_secs(15),
            "the contract's heartbeat"
        );
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
