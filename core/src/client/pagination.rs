//! Pagination: [`PageRequest`] for one page, [`paginate`] for a `Stream` of every item across
//! pages (the contract's keyset paging returns each row that existed at the start exactly once).

use std::future::Future;

use futures_util::Stream;
use futures_util::stream;

use super::error::Result;
use super::http::Req;
use crate::model::Page;

/// Which page to fetch: `limit` (1..=100, server default 20) and the `cursor` of the
/// previous page's `nextCursor`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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
        req.query_opt("limit", self.limit)
            .query_opt("cursor", self.cursor.as_deref())
    }
}

struct State<T, F> {
    fetch: F,
    next: Option<PageRequest>,
    items: std::vec::IntoIter<T>,
}

/// Every item of every page, fetching the next page when the current one is used up.
///
/// `fetch` gets each page's request (the first is `first`). The stream ends after the last
/// page, or after yielding the first error.
pub fn paginate<T, F, Fut>(first: PageRequest, fetch: F) -> impl Stream<Item = Result<T>> + Send
where
    T: Send + 'static,
    F: FnMut(PageRequest) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T>>> + Send,
{
    let state = State {
        fetch,
        next: Some(first),
        items: Vec::new().into_iter(),
    };
    stream::unfold(state, |mut st| async move {
        loop {
            if let Some(item) = st.items.next() {
                return Some((Ok(item), st));
            }
            let req = st.next.take()?;
            match (st.fetch)(req.clone()).await {
                Ok(page) => {
                    st.next = page.next_cursor.map(|c| PageRequest {
                        limit: req.limit,
                        cursor: Some(c),
                    });
                    st.items = page.items.into_iter();
                }
                Err(e) => return Some((Err(e), st)),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt;

    use super::*;
    use crate::client::Error;

    #[tokio::test]
    async fn walks_every_page_then_stops() {
        let pages = paginate(PageRequest::new().limit(2), |req: PageRequest| async move {
            let start: u32 = req.cursor.as_deref().map_or(0, |c| c.parse().unwrap_or(0));
            let items: Vec<u32> = (start..(start + 2).min(5)).collect();
            let next = (start + 2 < 5).then(|| (start + 2).to_string());
            Ok(Page {
                items,
                next_cursor: next,
            })
        });
        let all: Vec<u32> = pages.map(|r| r.expect("ok")).collect().await;
        assert_eq!(all, vec![0, 1, 2, 3, 4]);
    }

    #[tokio::test]
    async fn ends_after_the_first_error() {
        let pages = paginate(PageRequest::new(), |_req| async {
            Err::<Page<u32>, _>(Error::Timeout {
                message: "test".into(),
            })
        });
        let all: Vec<_> = pages.collect().await;
        assert_eq!(all.len(), 1);
    }
}
