//! What a handle stands for: the objects the handle tables of [`crate::runtime`] hold.

use std::sync::{Arc, Mutex};

use jiga::Client;
use jiga::accounting::SessionAccount;
use jiga::client::{
    AgentPages, NotificationStream, ReviewPages, SearchPages, SessionPages, SessionStream,
    TransactionPages, VersionPages,
};

use crate::queue::Sink;

/// A client and where its operations and events go.
pub(crate) struct ClientEntry {
    pub(crate) client: Client,
    pub(crate) sink: Sink,
}

/// An open session stream, with the accounting its forwarder keeps.
pub(crate) struct SessionEntry {
    pub(crate) client: u64,
    pub(crate) stream: SessionStream,
    pub(crate) sink: Sink,
    pub(crate) account: Arc<Mutex<SessionAccount>>,
}

/// An open notification stream.
pub(crate) struct NotificationsEntry {
    pub(crate) client: u64,
    pub(crate) stream: NotificationStream,
}

/// One of the core's named paginators.
pub(crate) enum Pager {
    Search(SearchPages),
    MyAgents(AgentPages),
    Versions(VersionPages),
    Reviews(ReviewPages),
    Transactions(TransactionPages),
    Sessions(SessionPages),
}

/// A paginator and the client it pages for.
pub(crate) struct PagerEntry {
    pub(crate) client: u64,
    pub(crate) pager: Pager,
}
