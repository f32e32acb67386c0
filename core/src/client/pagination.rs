//! Pagination: [`PageRequest`] for one page; a named paginator per list route
//! ([`SearchPages`], [`AgentPages`], [`VersionPages`], [`ReviewPages`], [`TransactionPages`],
//! [`SessionPages`]) with `next_page()`, for bindings (which export no generics); and each
//! paginator's `into_items()`, a `Stream` of every item across pages, for Rust callers.
//!
//! The contract's keyset paging returns each row that existed at the start exactly once.
//! A failed `next_page()` keeps its place: calling it again retries the same page.

use std::sync::Arc;

use futures_util::stream;

use super::error::Result;
use super::http::Req;
use super::transport::{BoxFuture, BoxStream, SendOutsideWasm};
use crate::model::{Agent, Page, Review, SearchResults, Session, Transaction};
use crate::wire::query;

/// Which page to fetch: `limit` (1..=100, server default 20) and the `cursor` of the
/// previous page's `nextCursor`. As JSON: `{"limit": 20, "cursor": "…"}`, both optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageRequest {
    /// Rows per page.
    pub limit: Option<u32>,
    /// Where to continue; `None` for the first page.
    pub cursor: Option<String>,
}

impl PageRequest {
    /// The first page with the server's default size.
    #[must_use]
    pub fn new() -> Self {
        PageRequest::default()
    }

    /// Sets the page size.
    #[must_use]
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Continues after a page (`Page::next_cursor`).
    #[must_use]
    pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
        self.cursor = Some(cursor.into());
        self
    }

    pub(crate) fn apply(&self, req: Req) -> Req {
        req.query_opt(query::LIMIT, self.limit)
            .query_opt(query::CURSOR, self.cursor.as_deref())
    }
}

/// A page of some list route: where it continues, and its items.
pub(crate) trait PageOf: SendOutsideWasm + 'static {
    type Item: SendOutsideWasm + 'static;
    fn next_cursor(&self) -> Option<&str>;
    fn into_items(self) -> Vec<Self::Item>;
}

impl<T: SendOutsideWasm + 'static> PageOf for Page<T> {
    type Item = T;
    fn next_cursor(&self) -> Option<&str> {
        self.next_cursor.as_deref()
    }
    fn into_items(self) -> Vec<T> {
        self.items
    }
}

impl PageOf for SearchResults {
    type Item = crate::model::Listing;
    fn next_cursor(&self) -> Option<&str> {
        self.next_cursor.as_deref()
    }
    fn into_items(self) -> Vec<Self::Item> {
        self.items
    }
}

/// Fetches the page a [`PageRequest`] names.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) type Fetch<P> = Arc<dyn Fn(PageRequest) -> BoxFuture<'static, Result<P>> + Send + Sync>;
/// Fetches the page a [`PageRequest`] names.
#[cfg(target_arch = "wasm32")]
pub(crate) type Fetch<P> = Arc<dyn Fn(PageRequest) -> BoxFuture<'static, Result<P>>>;

/// The one paging loop of the client: where the next page starts, and how to fetch it.
pub(crate) struct Pager<P> {
    fetch: Fetch<P>,
    next: tokio::sync::Mutex<Option<PageRequest>>,
}

impl<P: PageOf> Pager<P> {
    pub(crate) fn new(first: PageRequest, fetch: Fetch<P>) -> Self {
        Pager {
            fetch,
            next: tokio::sync::Mutex::new(Some(first)),
        }
    }

    /// The next page, `None` after the last.
    pub(crate) async fn next_page(&self) -> Result<Option<P>> {
        let mut next = self.next.lock().await;
        let Some(req) = next.clone() else {
            return Ok(None);
        };
        let page = (self.fetch)(req.clone()).await?;
        *next = page.next_cursor().map(|c| PageRequest {
            limit: req.limit,
            cursor: Some(c.to_owned()),
        });
        Ok(Some(page))
    }

    /// Every item of every page; ends after the last page, or after the first error.
    pub(crate) fn item_stream(self: Arc<Self>) -> BoxStream<'static, Result<P::Item>> {
        let state = (self, Vec::new().into_iter(), false);
        Box::pin(stream::unfold(
            state,
            |(pager, mut items, failed)| async move {
                if failed {
                    return None;
                }
                loop {
                    if let Some(item) = items.next() {
                        return Some((Ok(item), (pager, items, false)));
                    }
                    match pager.next_page().await {
                        Ok(Some(page)) => items = PageOf::into_items(page).into_iter(),
                        Ok(None) => return None,
                        Err(e) => return Some((Err(e), (pager, items, true))),
                    }
                }
            },
        ))
    }
}

macro_rules! paginator {
    ($(#[$doc:meta])* $name:ident, $page:ty, $item:ty) => {
        $(#[$doc])*
        ///
        /// A handle: clones share one position. `next_page()` returns `Ok(None)` after the
        /// last page; a failed call keeps its place, so calling again retries that page.
        #[derive(Clone)]
        pub struct $name(Arc<Pager<$page>>);

        impl $name {
            pub(crate) fn new(first: PageRequest, fetch: Fetch<$page>) -> Self {
                $name(Arc::new(Pager::new(first, fetch)))
            }

            /// The next page; `Ok(None)` after the last.
            ///
            /// # Errors
            /// The page's request failed (the position stays where it was).
            pub async fn next_page(&self) -> Result<Option<$page>> {
                self.0.next_page().await
            }

            /// Every remaining item across pages, as a `Stream` that ends after the last page
            /// or after yielding the first error.
            #[must_use]
            pub fn into_items(self) -> BoxStream<'static, Result<$item>> {
                Pager::item_stream(self.0)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }
    };
}

paginator!(
    /// The pages of a marketplace search (each with its `total` and facets).
    SearchPages,
    SearchResults,
    crate::model::Listing
);
paginator!(
    /// The pages of the caller's agents.
    AgentPages,
    Page<Agent>,
    Agent
);
paginator!(
    /// The pages of an agent's versions, newest first.
    VersionPages,
    Page<Agent>,
    Agent
);
paginator!(
    /// The pages of an agent's reviews, newest first.
    ReviewPages,
    Page<Review>,
    Review
);
paginator!(
    /// The pages of the caller's transactions, newest first.
    TransactionPages,
    Page<Transaction>,
    Transaction
);
paginator!(
    /// The pages of the sessions the caller hired, newest first.
    SessionPages,
    Page<Session>,
    Session
);

#[cfg(test)]
mod tests {
    use futures_util::StreamExt;

    use super::*;
    use crate::client::Error;

    fn five_in_pages_of_two() -> Fetch<Page<u32>> {
        Arc::new(|req: PageRequest| {
            Box::pin(async move {
                let start: u32 = req.cursor.as_deref().map_or(0, |c| c.parse().unwrap_or(0));
                let items: Vec<u32> = (start..(start + 2).min(5)).collect();
                let next = (start + 2 < 5).then(|| (start + 2).to_string());
                Ok(Page {
                    items,
                    next_cursor: next,
                })
            })
        })
    }

    #[tokio::test]
    async fn walks_every_page_then_stops() {
        let pager = Arc::new(Pager::new(
            PageRequest::new().limit(2),
            five_in_pages_of_two(),
        ));
        let all: Vec<u32> = pager.item_stream().map(|r| r.expect("ok")).collect().await;
        assert_eq!(all, vec![0, 1, 2, 3, 4]);
    }

    #[tokio::test]
    async fn next_page_returns_none_after_the_last() {
        let pager = Pager::new(PageRequest::new().limit(2), five_in_pages_of_two());
        let mut sizes = Vec::new();
        while let Some(page) = pager.next_page().await.expect("ok") {
            sizes.push(page.items.len());
        }
        assert_eq!(sizes, vec![2, 2, 1]);
        assert!(pager.next_page().await.expect("ok").is_none());
    }

    #[tokio::test]
    async fn a_failed_page_keeps_its_place_and_the_stream_ends_after_the_error() {
        let calls = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let seen = Arc::clone(&calls);
        let fetch: Fetch<Page<u32>> = Arc::new(move |req: PageRequest| {
            let n = seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Box::pin(async move {
                if n == 0 {
                    return Err(Error::Timeout {
                        message: "test".into(),
                    });
                }
                assert_eq!(req.cursor, None, "the failed page is asked for again");
                Ok(Page {
                    items: vec![7],
                    next_cursor: None,
                })
            })
        });
        let pager = Arc::new(Pager::new(PageRequest::new(), fetch));
        assert!(pager.next_page().await.is_err());
        assert_eq!(
            pager.next_page().await.expect("ok").map(|p| p.items),
            Some(vec![7])
        );
        let failing = Arc::new(Pager::new(
            PageRequest::new(),
            Arc::new(|_req: PageRequest| {
                Box::pin(async {
                    Err::<Page<u32>, _>(Error::Timeout {
                        message: "test".into(),
                    })
                }) as BoxFuture<'static, _>
            }),
        ));
        let all: Vec<_> = failing.item_stream().collect().await;
        assert_eq!(all.len(), 1);
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);
    }
}
