//! Sort keys and keyset cursors.
//!
//! Every sort is reduced to one shape of key, `[u64; 4]` then the listing id, compared in
//! ascending order: each number is an order-preserving encoding of one sort value, inverted
//! for descending values. Sorting, tie-breaking and "strictly after the cursor" then all use
//! the same plain tuple comparison, and a cursor is just that tuple, so it is exact (floats
//! travel as their bits, never as decimal text that could round).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiga::model::{FieldError, Listing, SearchSort};
use serde::{Deserialize, Serialize};

/// A listing's position in one sort order: smaller comes first.
pub(crate) type SortKey = [u64; 4];

/// Order-preserving encoding of an `f64` (IEEE total order) as a `u64`.
fn f64_asc(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// Order-preserving encoding of an `i64` as a `u64`.
fn i64_asc(x: i64) -> u64 {
    // Flipping the sign bit maps i64::MIN..=i64::MAX onto 0..=u64::MAX in order.
    x.cast_unsigned() ^ (1 << 63)
}

/// The sort values of one listing that never change with the query; the relevance score,
/// the only query-dependent value, is added by [`sort_key`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct StaticKeys {
    /// Popularity, descending.
    popularity: u64,
    /// Rating, descending.
    rating: u64,
    /// Total hires, descending.
    hires: u64,
    /// `pricing.perMinute`, ascending.
    price: u64,
    /// `createdAt`, descending.
    newest: u64,
}

impl StaticKeys {
    /// Encodes a listing's sort values once, at indexing time.
    pub(crate) fn of(listing: &Listing) -> Self {
        StaticKeys {
            popularity: !f64_asc(listing.popularity),
            rating: !f64_asc(listing.rating),
            hires: !listing.total_hires,
            price: i64_asc(listing.agent.pricing.per_minute.get()),
            newest: !i64_asc(listing.agent.created_at.unix_millis()),
        }
    }
}

/// The key of a listing in `sort`: the sort's own value, then the contract's tie-breaks
/// (popularity desc, rating desc, total hires desc; the id comes last, outside the array).
pub(crate) fn sort_key(sort: SearchSort, keys: &StaticKeys, relevance: u32) -> SortKey {
    let primary = match sort {
        SearchSort::Relevance => !u64::from(relevance),
        // The first tie-break repeats the primary value, which is harmless.
        SearchSort::Popularity => keys.popularity,
        SearchSort::Rating => keys.rating,
        SearchSort::PriceAsc => keys.price,
        SearchSort::PriceDesc => !keys.price,
        SearchSort::Newest => keys.newest,
    };
    [primary, keys.popularity, keys.rating, keys.hires]
}

/// What a cursor holds: the sort it belongs to and the last returned listing's key.
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
struct CursorBody {
    /// The sort's wire name.
    s: String,
    /// The last listing's sort key.
    k: SortKey,
    /// The last listing's id.
    id: String,
}

/// Encodes the cursor that resumes `sort` right after the listing with `key` and `id`.
pub(crate) fn encode(sort: SearchSort, key: &SortKey, id: &str) -> String {
    let body = CursorBody {
        s: sort.as_str().to_owned(),
        k: *key,
        id: id.to_owned(),
    };
    // Serializing a struct of strings and integers cannot fail; an empty cursor would only
    // restart the walk, never skip rows.
    let json = serde_json::to_vec(&body).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

/// Decodes a cursor for `sort` into the key and id to resume after.
///
/// # Errors
/// A [`FieldError`] on `cursor` when it is not one of ours or belongs to another sort.
pub(crate) fn decode(cursor: &str, sort: SearchSort) -> Result<(SortKey, String), FieldError> {
    // Quote the input like every other parameter error, but not a whole pasted page.
    let shown: String = cursor.chars().take(64).collect();
    let invalid = || FieldError::new("cursor", format!("not a valid cursor: '{shown}'"));
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let body: CursorBody = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if body.s != sort.as_str() {
        return Err(FieldError::new(
            "cursor",
            format!(
                "cursor belongs to sort '{}', not '{}'; restart without a cursor",
                body.s,
                sort.as_str()
            ),
        ));
    }
    Ok((body.k, body.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_and_int_encodings_preserve_order() {
        let fs = [
            f64::NEG_INFINITY,
            -2.5,
            -0.0,
            0.0,
            0.1,
            4.9,
            5.0,
            f64::INFINITY,
        ];
        for w in fs.windows(2) {
            assert!(f64_asc(w[0]) < f64_asc(w[1]), "{} < {}", w[0], w[1]);
        }
        let is = [i64::MIN, -1, 0, 1, i64::MAX];
        for w in is.windows(2) {
            assert!(i64_asc(w[0]) < i64_asc(w[1]));
        }
    }

    #[test]
    fn cursor_round_trips_and_checks_the_sort() {
        let key = [1, u64::MAX, 3, 0];
        let c = encode(SearchSort::Rating, &key, "agt_1");
        assert!(!c.contains('=') && !c.contains('+') && !c.contains('/'));
        assert_eq!(
            decode(&c, SearchSort::Rating),
            Ok((key, "agt_1".to_owned()))
        );
        let err = decode(&c, SearchSort::Newest).expect_err("other sort");
        assert_eq!(err.field, "cursor");
        assert_eq!(
            decode("not a cursor!", SearchSort::Rating).map_err(|e| e.field),
            Err("cursor".to_owned())
        );
        let junk = URL_SAFE_NO_PAD.encode(b"{\"s\":1}");
        assert!(decode(&junk, SearchSort::Rating).is_err());
    }
}
