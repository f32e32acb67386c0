//! One pager object per list route, over the core's named paginators: `nextPage()` gives the
//! next page, `null`/`nil` after the last. The paging loop (cursors, retrying a failed page
//! in place) is the core's; Kotlin's `Flow` over the items is in `JigaFlows.kt`.

use crate::error::JigaError;
use crate::models::{AgentPage, ReviewPage, SearchPage, SessionPage, TransactionPage};
use crate::runtime::{Live, run};

macro_rules! pager {
    ($(#[doc = $doc:literal])* $name:ident($core:ty) -> $page:ty) => {
        $(#[doc = $doc])*
        #[derive(uniffi::Object)]
        pub struct $name {
            pages: $core,
            _live: Live,
        }

        impl $name {
            pub(crate) fn new(pages: $core) -> Self {
                $name { pages, _live: Live::new() }
            }
        }

        #[uniffi::export]
        impl $name {
            /// The next page, or `None` after the last one. A failed call keeps its place:
            /// calling again retries the same page.
            ///
            /// # Errors
            /// What the page's request fails with.
            pub async fn next_page(&self) -> Result<Option<$page>, JigaError> {
                let p = self.pages.clone();
                run(async move { p.next_page().await }, |page| page.map(<$page>::from)).await
            }
        }
    };
}

pager!(
    /// Every page of a search.
    SearchPager(jiga::client::SearchPages) -> SearchPage
);
pager!(
    /// Every page of the caller's agents.
    MyAgentPager(jiga::client::AgentPages) -> AgentPage
);
pager!(
    /// Every page of an agent's versions.
    VersionPager(jiga::client::VersionPages) -> AgentPage
);
pager!(
    /// Every page of an agent's reviews.
    ReviewPager(jiga::client::ReviewPages) -> ReviewPage
);
pager!(
    /// Every page of the caller's sessions.
    SessionPager(jiga::client::SessionPages) -> SessionPage
);
pager!(
    /// Every page of the caller's transactions.
    TransactionPager(jiga::client::TransactionPages) -> TransactionPage
);
