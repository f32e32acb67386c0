//! The in-memory marketplace search engine behind `GET /v1/marketplace/search`, `.../featured`
//! and `.../categories` (contract: `shared/spec/store-api.md`, "Marketplace" and
//! "Pagination").
//!
//! Map of the module:
//! - this file: [`SearchIndex`], which owns the listings and answers the three routes;
//! - `query`: [`SearchQuery`], the search parameters, and their parsing from the URL;
//! - `text`: the tokenizer, the one-typo test and the vocabulary: word → listings in a
//!   `BTreeMap` (a prefix is a range scan) plus a deletion-neighbourhood index (a typo lookup
//!   is a few hash probes), so text matching never scans documents;
//! - `facets`: filters and disjunctive facet counts, over values precomputed per listing;
//! - `cursor`: sort keys (every order reduced to one comparable tuple) and keyset cursors;
//! - `synth`: synthetic listings for tests and benchmarks;
//! - `tests`, `tests_sort`: unit tests (text, filters, facets; sorts, pages, timing).
//!
//! A search is one pass: score the text per query word over the vocabulary, then walk the
//! listings that matched every word (or all listings without text), testing the filters and
//! counting facets as it goes; finally pick the page after the cursor with a partial
//! selection instead of a full sort. Only the returned page is cloned.
//!
//! Choices where the contract leaves room:
//! - relevance: each query word scores its best match in the listing, weight = match kind
//!   (exact 3, prefix 2, typo 1) × field (name 3; tags, specializations, games 2;
//!   description 1); the words' scores add up;
//! - "5+ letters" counts characters (letters or digits); a `q` with no word at all (blank or
//!   punctuation only) is no text constraint, and the default sort is then popularity;
//! - facet and category keys for providers and games are the strings as listed (two
//!   spellings are two keys), while the `provider` and `game` filters ignore case;
//! - a cursor records its sort, not the rest of the query: reusing it with another `q` or
//!   other filters continues after the same key in the new result.

mod cursor;
mod facets;
mod query;
mod synth;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_sort;
mod text;

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use jiga::model::limits::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use jiga::model::{
    AgentType, Categories, FieldError, GameCount, Listing, SearchResults, SearchSort, TypeCount,
};

pub use query::SearchQuery;
#[doc(hidden)]
pub use synth::synthetic_listings;

use cursor::{SortKey, StaticKeys};
use facets::{DocFields, FacetCounter, Filter, Interner, fail};

/// One indexed listing with everything a query needs, computed when it is indexed.
#[derive(Debug)]
struct Doc {
    /// Boxed so the slots stay small: a query walks every slot, and only the page's
    /// listings are ever read.
    listing: Box<Listing>,
    /// Its distinct words with their field masks, sorted: kept to take them out of the
    /// vocabulary again, and to tell whether an update changed the text.
    words: Vec<(String, u8)>,
    keys: StaticKeys,
    fields: DocFields,
    /// The agent id's first 16 bytes, order-preserving: the sorts' last tie-breaker, held
    /// here so that ranking a listing does not follow the pointer to it (at 100,000
    /// listings that cache miss per listing was most of a search).
    id_prefix: u128,
}

/// The first 16 bytes of `id` as a big-endian number, zero-padded: two ids compare as their
/// prefixes do unless the prefixes are equal, and only then as the whole strings.
fn id_prefix(id: &str) -> u128 {
    let mut b = [0u8; 16];
    for (d, s) in b.iter_mut().zip(id.bytes()) {
        *d = s;
    }
    u128::from_be_bytes(b)
}

/// The marketplace's listings, indexed for text search, filters, facets and sorts.
///
/// The index holds whatever it is given: the caller upserts published listings and removes
/// unpublished ones. Listings live in slots (reused after removal) that the vocabulary's
/// postings point at.
#[derive(Debug, Default)]
pub struct SearchIndex {
    slots: Vec<Option<Doc>>,
    free: Vec<u32>,
    by_id: HashMap<String, u32>,
    vocab: text::Vocabulary,
    strings: Interner,
}

/// Per-thread working memory of text matching, kept between queries: at 100,000 listings a
/// query's three counters are 1.2 MB, which fresh allocations would page-fault in and zero
/// every time. Left all zero (and the lists empty) after each use.
#[derive(Default)]
struct Scratch {
    total: Vec<u32>,
    hits: Vec<u32>,
    best: Vec<u32>,
    touched: Vec<u32>,
    first: Vec<u32>,
}

impl Scratch {
    /// Room for `n` slots (all zero).
    fn fit(&mut self, n: usize) {
        for v in [&mut self.total, &mut self.hits, &mut self.best] {
            if v.len() < n {
                v.resize(n, 0);
            }
        }
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

/// A listing of a page being chosen: its key in the sort, its id's prefix, its slot. Ranked
/// by key, then id (the prefix, and the whole id only when the prefixes are equal).
type Ranked = (SortKey, u128, u32);

impl SearchIndex {
    /// An empty index.
    #[must_use]
    pub fn new() -> Self {
        SearchIndex::default()
    }

    /// Indexes `listing`, replacing the listing with the same agent id if there is one.
    pub fn upsert(&mut self, listing: Listing) {
        let mut words: BTreeMap<String, u8> = BTreeMap::new();
        let mut add = |s: &str, field: u8| {
            for w in text::words(s) {
                *words.entry(w).or_default() |= field;
            }
        };
        let a = &listing.agent;
        add(&a.name, text::FIELD_NAME);
        for label in a.tags.iter().chain(&a.specializations).chain(&a.games) {
            add(label, text::FIELD_LABEL);
        }
        add(&a.description, text::FIELD_DESCRIPTION);
        let words: Vec<(String, u8)> = words.into_iter().collect();
        // The common update refreshes stats (views, hires, reviews) and leaves the text as
        // it was: the postings are still right, so skip rebuilding them.
        if let Some(&slot) = self.by_id.get(&listing.agent.id)
            && let Some(Some(doc)) = self.slots.get_mut(slot as usize)
            && doc.words == words
        {
            doc.keys = StaticKeys::of(&listing);
            let old =
                std::mem::replace(&mut doc.fields, DocFields::of(&listing, &mut self.strings));
            old.release(&mut self.strings);
            *doc.listing = listing;
            return;
        }
        self.remove(&listing.agent.id);
        let slot = match self.free.pop() {
            Some(slot) => slot,
            // Slots are u32 to keep postings small; 4 billion listings will not fit in
            // memory first.
            None => {
                self.slots.push(None);
                u32::try_from(self.slots.len() - 1).unwrap_or(u32::MAX)
            }
        };
        self.vocab.add(slot, &words);
        let doc = Doc {
            id_prefix: id_prefix(&listing.agent.id),
            words,
            keys: StaticKeys::of(&listing),
            fields: DocFields::of(&listing, &mut self.strings),
            listing: Box::new(listing),
        };
        self.by_id.insert(doc.listing.agent.id.clone(), slot);
        if let Some(cell) = self.slots.get_mut(slot as usize) {
            *cell = Some(doc);
        }
    }

    /// Takes the listing of `agent_id` out of the index; nothing happens if it is absent.
    pub fn remove(&mut self, agent_id: &str) {
        let Some(slot) = self.by_id.remove(agent_id) else {
            return;
        };
        if let Some(doc) = self.slots.get_mut(slot as usize).and_then(Option::take) {
            self.vocab.remove(slot, doc.words.iter().map(|(w, _)| w));
            doc.fields.release(&mut self.strings);
            self.free.push(slot);
        }
    }

    /// The listing of `agent_id`, if indexed.
    #[must_use]
    pub fn get(&self, agent_id: &str) -> Option<&Listing> {
        let slot = *self.by_id.get(agent_id)?;
        self.doc(slot).map(|d| &*d.listing)
    }

    /// Number of indexed listings.
    #[must_use]
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// True when no listing is indexed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The order of two ranked listings: by key, then by agent id.
    fn cmp_ranked(&self, a: &Ranked, b: &Ranked) -> Ordering {
        (a.0, a.1)
            .cmp(&(b.0, b.1))
            .then_with(|| self.id_of(a.2).cmp(self.id_of(b.2)))
    }

    fn id_of(&self, slot: u32) -> &str {
        self.doc(slot).map_or("", |d| d.listing.agent.id.as_str())
    }

    /// Keeps the `n` first of `items` in order, sorted; partial selection first so a page of
    /// 21 out of 10,000 costs a linear pass, not a full sort.
    fn first_n(&self, items: &mut Vec<Ranked>, n: usize) {
        if n == 0 {
            items.clear();
            return;
        }
        if items.len() > n {
            items.select_nth_unstable_by(n - 1, |a, b| self.cmp_ranked(a, b));
            items.truncate(n);
        }
        items.sort_unstable_by(|a, b| self.cmp_ranked(a, b));
    }

    fn doc(&self, slot: u32) -> Option<&Doc> {
        self.slots.get(slot as usize)?.as_ref()
    }

    fn docs(&self) -> impl Iterator<Item = (u32, &Doc)> {
        (0u32..)
            .zip(&self.slots)
            .filter_map(|(slot, d)| Some((slot, d.as_ref()?)))
    }

    /// The listings that match every query word, as `(slot, relevance)` in slot order:
    /// relevance is the sum over the words of each word's best match weight. Only the
    /// listings the words touched are visited, never the whole catalogue.
    fn text_matches(&self, words: &[String]) -> Vec<(u32, u32)> {
        SCRATCH.with_borrow_mut(|scratch| self.text_matches_in(words, scratch))
    }

    fn text_matches_in(&self, words: &[String], scratch: &mut Scratch) -> Vec<(u32, u32)> {
        let n = self.slots.len();
        scratch.fit(n);
        let Scratch {
            total,
            hits,
            best,
            touched,
            first,
        } = scratch;
        let mut matches = Vec::new();
        let last = u32::try_from(words.len())
            .unwrap_or(u32::MAX)
            .saturating_sub(1);
        for (i, word) in (0u32..).zip(words) {
            self.vocab.score_word(word, best, touched);
            let mut alive = false;
            for &slot in touched.iter() {
                let s = slot as usize;
                if let (Some(h), Some(t), Some(b)) =
                    (hits.get_mut(s), total.get_mut(s), best.get_mut(s))
                {
                    if *h == i {
                        *h += 1;
                        *t += *b;
                        alive = true;
                        // Only a listing the last word touched can have matched them all.
                        if i == last {
                            matches.push((slot, *t));
                        }
                    }
                    *b = 0;
                }
            }
            if i == 0 {
                // Only the first word's listings can hold a count: the ones to reset.
                std::mem::swap(first, touched);
            }
            touched.clear();
            if !alive {
                // No listing matched every word so far; later words cannot change that (and
                // nothing was pushed: only the last word pushes).
                break;
            }
        }
        for &slot in first.iter() {
            if let (Some(h), Some(t)) = (hits.get_mut(slot as usize), total.get_mut(slot as usize))
            {
                *h = 0;
                *t = 0;
            }
        }
        first.clear();
        matches.sort_unstable_by_key(|&(slot, _)| slot);
        matches
    }

    /// Answers `GET /v1/marketplace/search`.
    ///
    /// A `limit` of 0 (a hand-built [`SearchQuery`]) means the default of 20; over 100 is
    /// capped at 100 ([`SearchQuery::from_pairs`] refuses both before they get here).
    ///
    /// # Errors
    /// A [`FieldError`] on `cursor` when the cursor is not one of ours or was made for
    /// another sort order.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults, FieldError> {
        let words: Vec<String> =
            q.q.as_deref()
                .map(text::words)
                .into_iter()
                .flatten()
                .collect();
        // A q without any word (blank, or only punctuation) constrains nothing.
        let has_text = !words.is_empty();
        let sort = match q.sort {
            Some(SearchSort::Relevance) | None if has_text => SearchSort::Relevance,
            Some(SearchSort::Relevance) | None => SearchSort::Popularity,
            Some(other) => other,
        };
        let after = q
            .cursor
            .as_deref()
            .map(|c| cursor::decode(c, sort))
            .transpose()?
            .map(|(key, id)| (key, id_prefix(&id), id));
        let limit = match q.limit {
            0 => DEFAULT_PAGE_SIZE,
            n => n.min(MAX_PAGE_SIZE),
        } as usize;

        let filter = Filter::new(q, &self.strings);
        let mut counter = FacetCounter::new(&self.strings);
        let mut total = 0u64;
        // The page is chosen as the listings stream by: candidates gather in a small buffer;
        // when it fills, it is cut back to the best `keep`, and the worst of those becomes a
        // bound that turns most later candidates away with one comparison. A common word at
        // 100,000 listings no longer writes tens of thousands of candidates to select from.
        let keep = limit + 1;
        let cap = (keep * 4).max(512);
        let mut page: Vec<Ranked> = Vec::with_capacity(cap);
        let mut bound: Option<(SortKey, u128)> = None;
        let mut consider = |slot: u32, doc: &Doc, score: u32| {
            let failures = filter.failures(&doc.fields);
            if failures & fail::UNFACETED != 0 || failures.count_ones() > 1 {
                return;
            }
            counter.count(&doc.fields, failures);
            if failures != 0 {
                return;
            }
            total += 1;
            let key = cursor::sort_key(sort, &doc.keys, score);
            if let Some((ck, cprefix, cid)) = &after {
                let at_or_before = match (key, doc.id_prefix).cmp(&(*ck, *cprefix)) {
                    Ordering::Less => true,
                    Ordering::Greater => false,
                    Ordering::Equal => doc.listing.agent.id.as_str() <= cid.as_str(),
                };
                if at_or_before {
                    return;
                }
            }
            // Past the bound (strictly: an equal prefix may still win on the whole id).
            if bound.is_some_and(|b| (key, doc.id_prefix) > b) {
                return;
            }
            page.push((key, doc.id_prefix, slot));
            if page.len() == cap {
                self.first_n(&mut page, keep);
                bound = page.last().map(|r| (r.0, r.1));
            }
        };
        if has_text {
            for (slot, score) in self.text_matches(&words) {
                if let Some(doc) = self.doc(slot) {
                    consider(slot, doc, score);
                }
            }
        } else {
            for (slot, doc) in self.docs() {
                consider(slot, doc, 0);
            }
        }

        // One more than the page tells whether a next page exists.
        self.first_n(&mut page, keep);
        let next_cursor = if page.len() > limit {
            page.truncate(limit);
            page.last()
                .map(|(key, _, slot)| cursor::encode(sort, key, self.id_of(*slot)))
        } else {
            None
        };
        let items = page
            .iter()
            .filter_map(|&(_, _, slot)| self.doc(slot).map(|d| Listing::clone(&d.listing)))
            .collect();
        Ok(SearchResults {
            items,
            next_cursor,
            total,
            facets: counter.finish(&self.strings),
        })
    }

    /// The `n` most popular listings, ties broken as in every sort (rating, total hires,
    /// then id), for `GET /v1/marketplace/featured`.
    #[must_use]
    pub fn featured(&self, n: usize) -> Vec<Listing> {
        let mut ranked: Vec<Ranked> = self
            .docs()
            .map(|(slot, d)| {
                let key = cursor::sort_key(SearchSort::Popularity, &d.keys, 0);
                (key, d.id_prefix, slot)
            })
            .collect();
        self.first_n(&mut ranked, n);
        ranked
            .iter()
            .filter_map(|&(_, _, slot)| self.doc(slot).map(|d| Listing::clone(&d.listing)))
            .collect()
    }

    /// Games and agent types with their listing counts, most first then by name, for
    /// `GET /v1/marketplace/categories`. A listing counts once per distinct game it lists.
    #[must_use]
    pub fn categories(&self) -> Categories {
        let mut games: HashMap<u32, u64> = HashMap::new();
        let mut types = [0u64; AgentType::ALL.len()];
        for (_, d) in self.docs() {
            for g in d.fields.games() {
                *games.entry(g).or_default() += 1;
            }
            if let Some(c) = types.get_mut(d.fields.agent_type()) {
                *c += 1;
            }
        }
        let mut games: Vec<GameCount> = games
            .into_iter()
            .map(|(id, count)| GameCount {
                game: self.strings.name(id as usize).to_owned(),
                count,
            })
            .collect();
        games.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.game.cmp(&b.game)));
        let mut types: Vec<TypeCount> = AgentType::ALL
            .iter()
            .zip(types)
            .filter(|(_, count)| *count > 0)
            .map(|(&agent_type, count)| TypeCount { agent_type, count })
            .collect();
        types.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.agent_type.as_str().cmp(b.agent_type.as_str()))
        });
        Categories { games, types }
    }

    /// Number of distinct provider and game strings held (for diagnostics and tests).
    #[doc(hidden)]
    #[must_use]
    pub fn interned_len(&self) -> usize {
        self.strings.live()
    }

    /// Number of distinct words indexed (for diagnostics and tests).
    #[doc(hidden)]
    #[must_use]
    pub fn vocabulary_len(&self) -> usize {
        self.vocab.len()
    }
}
