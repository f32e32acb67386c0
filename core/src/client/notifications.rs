//! The caller's notifications (`GET /v1/events/stream`): [`Client::notifications`] returns a
//! [`NotificationStream`], a handle over the same driver as the session stream.
//!
//! Notifications are live only — the contract keeps no backlog — so after a cut the stream
//! reconnects and goes on with what is sent from then; what was sent while the link was down
//! is not replayed. Use the REST routes (wallet, sessions) to catch up on state after a
//! reconnect if that matters.

use std::sync::Arc;

use futures_util::Stream;

use super::Client;
use super::error::Result;
use super::link::{self, ConnectionState, Inbox, PendingRead, Protocol, StateChanges};
use crate::event::Notification;
use crate::reconnect::{Frame, Link, NotificationMachine};

/// The signed-in user's notifications, as returned by [`Client::notifications`].
///
/// A handle like [`SessionStream`](super::SessionStream): clones share one socket; read it
/// with [`next`](NotificationStream::next) or as a `Stream`; [`close`](NotificationStream::close)
/// or dropping the last clone closes it.
pub struct NotificationStream {
    inbox: Arc<Inbox<Notification>>,
    pending: PendingRead<Notification>,
}

impl Clone for NotificationStream {
    fn clone(&self) -> Self {
        NotificationStream {
            inbox: Arc::clone(&self.inbox),
            pending: std::sync::Mutex::new(None),
        }
    }
}

impl std::fmt::Debug for NotificationStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotificationStream")
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

impl NotificationStream {
    /// The next notification; `Ok(None)` once closed or after an error was returned.
    ///
    /// # Errors
    /// The error that ended the stream, once: [`Error::Unauthenticated`](super::Error) when
    /// the server refuses the caller (after one refresh), [`Error::Decode`](super::Error) on a
    /// frame that is not the contract's, transport errors after 20 reconnects in a row.
    pub async fn next(&self) -> Result<Option<Notification>> {
        self.inbox.next().await
    }

    /// The connection's state now.
    #[must_use]
    pub fn state(&self) -> ConnectionState {
        self.inbox.state()
    }

    /// The changes of the connection's state.
    #[must_use]
    pub fn state_changes(&self) -> StateChanges {
        self.inbox.state_changes()
    }

    /// Closes the stream; pending and later reads return `Ok(None)`.
    pub fn close(&self) {
        self.inbox.close();
    }
}

impl Stream for NotificationStream {
    type Item = Result<Notification>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let this = self.get_mut();
        link::poll_next_item(&this.inbox, &mut this.pending, cx)
    }
}

struct NotificationProtocol {
    machine: NotificationMachine,
}

impl Protocol for NotificationProtocol {
    type Item = Notification;
    const WHAT: &'static str = "notifications stream";

    fn path_and_query(&self) -> String {
        "/v1/events/stream".to_owned()
    }

    fn ticket_path(&self) -> String {
        "/v1/events/stream-tickets".to_owned()
    }

    fn link(&mut self) -> &mut Link {
        &mut self.machine.link
    }

    fn on_text(&mut self, text: &str) -> Frame<Notification> {
        self.machine.on_text(text)
    }

    fn skim(&mut self, _text: &str) -> Option<String> {
        // Live only: a notification dropped while the reader is behind is not read again.
        None
    }

    fn ack_of(_item: &Notification) -> Option<&str> {
        None
    }

    fn is_finished(&self) -> bool {
        false
    }
}

impl Client {
    /// The signed-in user's notifications (`agent.hired`, `transaction.completed`,
    /// `session.ended`, `review.submitted`, `agent.published`, …) as a handle that reconnects
    /// by itself after a cut (see [`NotificationStream`]).
    pub fn notifications(&self) -> NotificationStream {
        let protocol = NotificationProtocol {
            machine: NotificationMachine::new(),
        };
        NotificationStream {
            inbox: Arc::new(link::spawn(self, protocol, None)),
            pending: std::sync::Mutex::new(None),
        }
    }
}
