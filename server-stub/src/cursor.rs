//! Keyset cursors for the list endpoints: an opaque base64url token holding the last row's
//! key. Rows are listed newest first by their integer primary key, which never changes, so a
//! walk over every page sees each row that existed at its start exactly once.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiga::model::limits::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use serde::Deserialize;

use crate::error::{AppError, AppResult};

/// The `limit` and `cursor` query parameters of a list endpoint.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct PageParams {
    /// 1..=100, default 20.
    pub limit: Option<String>,
    /// From the previous page's `nextCursor`.
    pub cursor: Option<String>,
}

/// A validated page request: the page size and the key to continue below.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageReq {
    /// Rows to return.
    pub limit: u32,
    /// Only rows with a smaller key (newest-first order); `i64::MAX` for the first page.
    pub before: i64,
}

impl PageParams {
    /// Validates the parameters.
    ///
    /// # Errors
    /// `invalid_argument` naming `limit` or `cursor`.
    pub fn parse(&self) -> AppResult<PageReq> {
        Ok(PageReq {
            limit: parse_limit(self.limit.as_deref())?,
            before: match &self.cursor {
                None => i64::MAX,
                Some(c) => decode(c)?,
            },
        })
    }
}

/// Parses `limit`: default 20, 1..=100.
///
/// # Errors
/// `invalid_argument` quoting the bad value.
pub fn parse_limit(raw: Option<&str>) -> AppResult<u32> {
    let Some(raw) = raw else {
        return Ok(DEFAULT_PAGE_SIZE);
    };
    match raw.parse::<u32>() {
        Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(n),
        _ => Err(AppError::invalid(
            "limit",
            format!("field 'limit': must be an integer between 1 and {MAX_PAGE_SIZE}, got '{raw}'"),
        )),
    }
}

/// The cursor that continues after a row with key `pk`.
#[must_use]
pub fn encode(pk: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("k:{pk}"))
}

fn decode(cursor: &str) -> AppResult<i64> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("k:").and_then(|n| n.parse::<i64>().ok()))
        .ok_or_else(|| {
            AppError::invalid(
                "cursor",
                format!("field 'cursor': '{cursor}' is not a cursor from this list"),
            )
        })
}

/// Builds a page from `limit + 1` rows fetched in key order: the extra row only says whether
/// another page follows.
pub fn page_from<T>(mut rows: Vec<(i64, T)>, limit: u32) -> jiga::model::Page<T> {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(|(pk, _)| encode(*pk))
    } else {
        None
    };
    jiga::model::Page {
        items: rows.into_iter().map(|(_, t)| t).collect(),
        next_cursor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_cursors() {
        assert_eq!(parse_limit(None).ok(), Some(20));
        assert!(parse_limit(Some("0")).is_err());
        assert!(parse_limit(Some("101")).is_err());
        assert!(parse_limit(Some("x")).is_err());
        assert_eq!(decode(&encode(42)).ok(), Some(42));
        assert!(decode("garbage!").is_err());
    }
}
