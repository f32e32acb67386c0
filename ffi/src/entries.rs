//! What a handle stands for: the objects the handle tables of [`crate::runtime`] hold.

use jiga::Client;
use jiga::client::{
    AccountedStream, AgentPages, NotificationStream, ReviewPages, SearchPages, SessionPages,
    TransactionPages, VersionPages,
};

use crate::queue::Sink;

/// A client and where its operations and events go.
pub(crate) struct ClientEntry {
    pub(crate) client: Client,
    pub(crate) sink: Sink,
}

/// An open session stream, with its accounting (the core's).
pub(crate) struct SessionEntry {
    pub(crate) client: u64,
    pub(crate) stream: AccountedStream,
    pub(crate) sink: Sink,
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
