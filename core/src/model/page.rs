use serde::{Deserialize, Serialize};

/// One page of a list endpoint: `{items, nextCursor}`.
///
/// `next_cursor` is `None` on the last page; pass it back as `cursor` to get the next one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    /// The rows of this page.
    pub items: Vec<T>,
    /// The cursor of the next page, or `None` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// True when there is no page after this one.
    #[must_use]
    pub fn is_last(&self) -> bool {
        self.next_cursor.is_none()
    }
}

/// The contract's page-size bounds: `limit` defaults to 20 and must lie in `1..=100`.
pub mod limits {
    /// `limit` when the request gives none.
    pub const DEFAULT_PAGE_SIZE: u32 = 20;
    /// The largest `limit` a list endpoint accepts.
    pub const MAX_PAGE_SIZE: u32 = 100;
}
