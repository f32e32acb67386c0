//! The session stream: [`Client::session_events`] returns a [`SessionStream`], a handle over a
//! background driver that yields every [`SessionEvent`] of a session exactly once, in order,
//! reconnecting by itself after any cut and resuming with `afterSeq`.
//!
//! What each frame, close code or cut means is decided by the sans-I/O
//! [`SessionMachine`](crate::reconnect::SessionMachine): a replayed duplicate is dropped, a gap
//! is an error ([`Error::SessionMismatch`]) rather than a silent loss, and a link that shows no
//! frame for 30 s (the server pings at least every 15 s) is reconnected. Reconnects are reported
//! to the [`RetryObserver`](super::RetryObserver) like retries.

use std::sync::Arc;

use futures_util::Stream;
use tokio::sync::{mpsc, oneshot};

use super::Client;
use super::error::{Error, Result};
use super::http::seg;
use super::link::{self, ConnectionState, Inbox, Outgoing, PendingRead, Protocol, StateChanges};
use crate::SessionEvent;
use crate::event::EventKind;
use crate::model::CommandRequest;
use crate::reconnect::{Frame, Link, SessionMachine};
use crate::wire::{CommandFrame, query};

/// Commands queued for the socket before `command` waits (the server takes 20 in flight).
const COMMAND_QUEUE: usize = 32;

/// The events of one session, as returned by [`Client::session_events`].
///
/// A handle: clones share one stream (one socket, one cursor). It is read with
/// [`next_event`](SessionStream::next_event) — or as a `Stream` — from any task or thread, by
/// any executor (a plain OS thread blocking on it works). [`command`](SessionStream::command)
/// resolves on the command's `session.command_ack` whether or not anyone reads events. The
/// stream ends after `session.ended`; [`close`](SessionStream::close), or dropping the last
/// clone, ends it and closes the socket.
///
/// ```no_run
/// # async fn demo(client: jiga::Client) -> jiga::Result<()> {
/// let events = client.session_events("ses_1");
/// while let Some(event) = events.next_event().await? {
///     println!("{} {}", event.seq, event.kind.event_type());
/// }
/// # Ok(()) }
/// ```
pub struct SessionStream {
    shared: Arc<Shared>,
    /// The read in progress of the `Stream` impl (not shared between clones).
    pending: PendingRead<SessionEvent>,
}

struct Shared {
    session_id: String,
    inbox: Arc<Inbox<SessionEvent>>,
    commands: mpsc::Sender<Outgoing>,
}

impl Clone for SessionStream {
    fn clone(&self) -> Self {
        SessionStream {
            shared: Arc::clone(&self.shared),
            pending: std::sync::Mutex::new(None),
        }
    }
}

impl std::fmt::Debug for SessionStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionStream")
            .field("session_id", &self.shared.session_id)
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

impl SessionStream {
    /// The session's id.
    #[must_use]
    pub fn session_id(&self) -> &str {
        &self.shared.session_id
    }

    /// The next event; `Ok(None)` after `session.ended`, after an error was returned, or once
    /// closed. Cancelling the call (dropping its future) loses no event.
    ///
    /// # Errors
    /// The error that ended the stream, once: [`Error::Unauthenticated`],
    /// [`Error::Forbidden`] or [`Error::NotFound`] when the server refuses the caller,
    /// [`Error::SessionMismatch`] on a gap in `seq`, [`Error::Decode`] on a frame that is not
    /// the contract's, [`Error::Transport`] / [`Error::Timeout`] after 20 reconnects in a row
    /// without an event.
    pub async fn next_event(&self) -> Result<Option<SessionEvent>> {
        self.shared.inbox.next().await
    }

    /// The next event if it has arrived already, without waiting: `Poll::Pending` when none
    /// is here yet, otherwise what [`next_event`](SessionStream::next_event) would return.
    /// For hosts that poll once per frame (a game loop) or read a burst without a task switch
    /// per event; it never loses or reorders an event against `next_event`.
    #[must_use = "an event taken is not offered again"]
    pub fn try_next_event(&self) -> std::task::Poll<Result<Option<SessionEvent>>> {
        self.shared.inbox.try_next()
    }

    /// The connection's state now.
    #[must_use]
    pub fn state(&self) -> ConnectionState {
        self.shared.inbox.state()
    }

    /// The changes of the connection's state.
    #[must_use]
    pub fn state_changes(&self) -> StateChanges {
        self.shared.inbox.state_changes()
    }

    /// Ends the stream: the socket closes, pending and later reads return `Ok(None)`, and
    /// commands not yet acknowledged fail with [`Error::Closed`].
    pub fn close(&self) {
        self.shared.inbox.close();
    }

    /// Sends a command to the agent on this stream's socket; resolves once its
    /// `session.command_ack` has come through the stream, whether or not anyone is reading
    /// events.
    ///
    /// A command sent while the link is down goes out after the reconnect. Acknowledgements
    /// are replayed after a cut, so one that arrived while reconnecting is still seen; a
    /// command lost with a cut before the server read it is never acknowledged — await it
    /// with a timeout and resend under a new `command_id` if that matters.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a bad `command_id` or a `data` that is not an object;
    /// [`Error::Closed`] when the stream ends before the acknowledgement.
    pub fn command(
        &self,
        command_id: impl Into<String>,
        data: serde_json::Value,
    ) -> impl Future<Output = Result<()>> + Send + 'static {
        let req = CommandRequest {
            command_id: command_id.into(),
            data,
        };
        let checked = req.validate().map_err(Error::from);
        let commands = self.shared.commands.clone();
        let closed = self.shared.inbox.is_closed();
        async move {
            checked?;
            if closed {
                return Err(closed_before_ack());
            }
            let (acked, rx) = oneshot::channel();
            let command_id = req.command_id.clone();
            let out = Outgoing {
                command_id,
                frame: CommandFrame::from(req).to_json(),
                acked,
            };
            commands.send(out).await.map_err(|_| closed_before_ack())?;
            rx.await.map_err(|_| closed_before_ack())
        }
    }

    /// [`SessionStream::command`] with `data` as JSON text (for bindings that hold JSON as a
    /// string).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] (`data`) when the text is not JSON, and as
    /// [`SessionStream::command`].
    pub fn command_json(
        &self,
        command_id: impl Into<String>,
        data: &str,
    ) -> impl Future<Output = Result<()>> + Send + 'static {
        let parsed = serde_json::from_slice(data.as_bytes()).map_err(|e| Error::InvalidArgument {
            field: Some("data".into()),
            message: format!("command data is not JSON: {e}"),
            request_id: None,
        });
        let sent = parsed.map(|data| self.command(command_id, data));
        async move { sent?.await }
    }
}

fn closed_before_ack() -> Error {
    Error::Closed {
        message: "the session stream ended before the command was acknowledged".into(),
    }
}

impl Stream for SessionStream {
    type Item = Result<SessionEvent>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let this = self.get_mut();
        link::poll_next_item(&this.shared.inbox, &mut this.pending, cx)
    }
}

/// The session stream's side of the driver.
struct SessionProtocol {
    session_id: String,
    machine: SessionMachine,
}

impl Protocol for SessionProtocol {
    type Item = SessionEvent;
    const WHAT: &'static str = "session stream";

    fn path_and_query(&self) -> String {
        format!(
            "/v1/sessions/{}/stream?{}={}",
            seg(&self.session_id),
            query::AFTER_SEQ,
            self.machine.last_seq()
        )
    }

    fn ticket_path(&self) -> String {
        format!("/v1/sessions/{}/stream-tickets", seg(&self.session_id))
    }

    fn link(&mut self) -> &mut Link {
        &mut self.machine.link
    }

    fn on_text(&mut self, text: &str) -> Frame<SessionEvent> {
        self.machine.on_text(text)
    }

    fn skim(&mut self, text: &str) -> Option<String> {
        let event = SessionEvent::from_json(text).ok()?;
        match event.kind {
            EventKind::CommandAck { command_id } if self.machine.is_new(event.seq) => {
                Some(command_id)
            }
            _ => None,
        }
    }

    fn ack_of(item: &SessionEvent) -> Option<&str> {
        match &item.kind {
            EventKind::CommandAck { command_id } => Some(command_id),
            _ => None,
        }
    }

    fn is_finished(&self) -> bool {
        self.machine.is_finished()
    }
}

impl Client {
    /// Every event of a session from the first (`session.started`, seq 1) to
    /// `session.ended`, as a handle that survives connection cuts (see [`SessionStream`]).
    ///
    /// The driver starts at once on the client's spawner; dropping every clone of the handle
    /// (or [`SessionStream::close`]) stops it.
    pub fn session_events(&self, session_id: &str) -> SessionStream {
        self.session_events_after(session_id, 0)
    }

    /// [`Client::session_events`] starting after `after_seq` (the last seq the application
    /// processed, for instance before a restart).
    pub fn session_events_after(&self, session_id: &str, after_seq: u64) -> SessionStream {
        let (commands, commands_rx) = mpsc::channel(COMMAND_QUEUE);
        let protocol = SessionProtocol {
            session_id: session_id.to_owned(),
            machine: SessionMachine::after(after_seq),
        };
        let inbox = link::spawn(self, protocol, Some(commands_rx));
        SessionStream {
            shared: Arc::new(Shared {
                session_id: session_id.to_owned(),
                inbox: Arc::new(inbox),
                commands,
            }),
            pending: std::sync::Mutex::new(None),
        }
    }
}
