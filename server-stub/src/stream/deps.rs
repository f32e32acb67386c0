//! [`StreamDeps`]: what the two WebSocket streams need of the server, and no more — the
//! handlers in [`super::session_ws`] take this, never the whole handler state, so `stream/`
//! sits below the state that holds it.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use jiga::model::CommandRequest;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::conns::ConnectionCap;
use super::hub::Hub;
use super::notify::Notifier;
use super::tickets::TicketStore;
use crate::auth::TokenService;
use crate::db::Db;

/// Where the hirer's commands from a session stream go (the session runner, which sits above
/// `stream/` and so is reached through this trait).
pub trait CommandSink: Send + Sync {
    /// Admits `req` for `session_id` under the session's bound of commands in flight; the
    /// future completes once it is acknowledged. `None` when not admitted (the session is not
    /// running, or has too many commands in flight): the command is dropped.
    fn submit(&self, session_id: &str, req: CommandRequest) -> Option<BoxFuture<'static, ()>>;
}

/// The parts of the server the WebSocket streams use.
pub struct StreamDeps {
    /// Storage: sessions and their stored frames.
    pub db: Db,
    /// Checks bearer tokens.
    pub tokens: Arc<TokenService>,
    /// Single-use stream credentials.
    pub tickets: Arc<TicketStore>,
    /// Open WebSocket connections per user, capped.
    pub conns: Arc<ConnectionCap>,
    /// Live session events.
    pub hub: Arc<Hub>,
    /// Live notifications.
    pub notifier: Arc<Notifier>,
    /// The hirer's commands.
    pub commands: Arc<dyn CommandSink>,
    /// Cancelled when the server shuts down.
    pub shutdown: CancellationToken,
    /// Open WebSocket connections. Upgraded connections are no longer hyper's, so graceful
    /// shutdown waits for these itself: each must get to send its 1001 before the process
    /// exits.
    pub sockets: TaskTracker,
    /// How long a connection may receive nothing from its client.
    pub idle_timeout: Duration,
}
