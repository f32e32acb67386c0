//! The client's validator cache (contract v1.2, caching): public marketplace answers are kept
//! with their `ETag`; the next request for the same URL sends `If-None-Match`, and a 304 is
//! answered from what was kept.
//!
//! Small and portable: a `std` mutex over at most [`MAX_ENTRIES`] answers of at most
//! [`MAX_BODY`] bytes each (no runtime, no cache crate: the `client` feature builds for
//! wasm32). The least recently used entry goes first. A 304 is served from the copy read when
//! the request was sent — the one whose validator the request carried — so an eviction in
//! between cannot leave a 304 without a body.

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;

/// Answers kept at most.
pub const MAX_ENTRIES: usize = 64;
/// The largest answer kept, in bytes.
pub const MAX_BODY: usize = 1024 * 1024;

/// A kept answer: its validator and its bytes.
#[derive(Clone, Debug)]
pub(crate) struct Kept {
    pub(crate) etag: String,
    pub(crate) body: Bytes,
}

#[derive(Debug, Default)]
struct Entries {
    map: HashMap<String, (Kept, u64)>,
    clock: u64,
}

/// The cache, keyed by the request's URL with its query.
#[derive(Debug, Default)]
pub(crate) struct Validators {
    entries: Mutex<Entries>,
}

impl Validators {
    /// What is kept for `url`, if anything (marking it used).
    pub(crate) fn get(&self, url: &str) -> Option<Kept> {
        let mut e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        e.clock += 1;
        let now = e.clock;
        let (kept, used) = e.map.get_mut(url)?;
        *used = now;
        Some(kept.clone())
    }

    /// Keeps `body` for `url` under `etag`, evicting the least recently used entry when full.
    pub(crate) fn keep(&self, url: &str, etag: &str, body: &Bytes) {
        if body.len() > MAX_BODY || etag.is_empty() {
            return;
        }
        let mut e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        e.clock += 1;
        let now = e.clock;
        if !e.map.contains_key(url) && e.map.len() >= MAX_ENTRIES {
            let oldest = e
                .map
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                e.map.remove(&k);
            }
        }
        let kept = Kept {
            etag: etag.to_owned(),
            body: body.clone(),
        };
        e.map.insert(url.to_owned(), (kept, now));
    }

    /// Answers kept now.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .map
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_at_most_max_entries_dropping_the_least_recently_used() {
        let v = Validators::default();
        for i in 0..MAX_ENTRIES {
            v.keep(&format!("/u{i}"), "W/\"a\"", &Bytes::from_static(b"{}"));
        }
        // Touch the first, so the second is the least recently used.
        assert!(v.get("/u0").is_some());
        v.keep("/new", "W/\"b\"", &Bytes::from_static(b"{}"));
        assert_eq!(v.len(), MAX_ENTRIES);
        assert!(v.get("/u0").is_some());
        assert!(v.get("/u1").is_none());
        assert_eq!(v.get("/new").map(|k| k.etag), Some("W/\"b\"".to_owned()));
    }

    #[test]
    fn does_not_keep_oversized_or_untagged_answers() {
        let v = Validators::default();
        v.keep("/big", "W/\"a\"", &Bytes::from(vec![b' '; MAX_BODY + 1]));
        v.keep("/untagged", "", &Bytes::from_static(b"{}"));
        assert_eq!(v.len(), 0);
    }
}
