//! Text matching: the contract's tokenizer, the one-typo test and the vocabulary (an inverted
//! index from word to the listings holding it).
//!
//! The vocabulary is a `BTreeMap` so a prefix is a range scan, and the typo test runs over the
//! vocabulary's distinct words, never over the documents: its cost grows with the number of
//! distinct words, not with the number of listings.

use std::collections::{BTreeMap, HashMap};
use std::hash::{DefaultHasher, Hasher};
use std::ops::Bound;

/// Bit of a posting's field mask: the word is in the name.
pub(crate) const FIELD_NAME: u8 = 1;
/// Bit of a posting's field mask: the word is in a tag, specialization or game.
pub(crate) const FIELD_LABEL: u8 = 2;
/// Bit of a posting's field mask: the word is in the description.
pub(crate) const FIELD_DESCRIPTION: u8 = 4;

/// Query words this long (in characters) or longer also match with one typo.
pub(crate) const TYPO_MIN_CHARS: usize = 5;

/// Query words longer than this (in characters) match as prefixes only: the typo test's
/// deletion neighbourhood costs the square of the word's length.
pub(crate) const TYPO_MAX_CHARS: usize = 32;

/// How well a query word matched a document word; the weights order exact > prefix > typo.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MatchKind {
    Exact,
    Prefix,
    Typo,
}

impl MatchKind {
    fn weight(self) -> u32 {
        match self {
            MatchKind::Exact => 3,
            MatchKind::Prefix => 2,
            MatchKind::Typo => 1,
        }
    }
}

/// The weight of the best field a word appears in: name > labels > description.
fn field_weight(mask: u8) -> u32 {
    if mask & FIELD_NAME != 0 {
        3
    } else if mask & FIELD_LABEL != 0 {
        2
    } else {
        1
    }
}

/// Splits `text` into lowercase words at every character that is not a letter or digit.
///
/// Words are split first and lowercased second, so a character whose lowercase form is not
/// alphanumeric (`İ` lowercases to `i` plus a combining dot) cannot split a word in two; the
/// query goes through the same function, so both sides always agree.
pub(crate) fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// True when `a` and `b` are within optimal-string-alignment distance 1: equal, or one
/// insertion, deletion, substitution or transposition of adjacent characters apart.
pub(crate) fn within_one_edit(a: &[char], b: &[char]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let Some(i) = short.iter().zip(long).position(|(x, y)| x != y) else {
        // One is a prefix of the other: equal, or a single trailing insertion.
        return long.len() - short.len() <= 1;
    };
    match long.len() - short.len() {
        0 => {
            let substitution = short[i + 1..] == long[i + 1..];
            let transposition = i + 1 < short.len()
                && short[i] == long[i + 1]
                && short[i + 1] == long[i]
                && short[i + 2..] == long[i + 2..];
            substitution || transposition
        }
        1 => short[i..] == long[i + 1..],
        _ => false,
    }
}

/// One listing's entry in a word's posting list.
#[derive(Clone, Copy, Debug)]
struct Posting {
    /// The listing's slot in the index.
    slot: u32,
    /// Which fields hold the word (`FIELD_*` bits).
    fields: u8,
}

/// A distinct word of the vocabulary.
#[derive(Debug)]
struct Term {
    /// The word as characters, kept so the typo test does not decode UTF-8 on every query.
    chars: Box<[char]>,
    /// Listings holding the word; unordered.
    postings: Vec<Posting>,
}

/// Hash of `chars` without the character at `skip` (the whole word when `skip` is past the
/// end).
fn deletion_key(chars: &[char], skip: usize) -> u64 {
    let mut h = DefaultHasher::new();
    for (i, c) in chars.iter().enumerate() {
        if i != skip {
            h.write_u32(u32::from(*c));
        }
    }
    h.finish()
}

/// The word's deletion neighbourhood as hashes: the word itself and every one-character
/// deletion, deduplicated (a doubled letter gives the same deletion twice).
///
/// Two words within one edit (insertion, deletion, substitution or transposition) always
/// share a key: the shorter word is a deletion of the longer, a substitution or transposition
/// at `i` leaves equal words once `i` is deleted from both. The converse does not hold (and
/// hashes may collide), so candidates found this way are confirmed with [`within_one_edit`].
fn deletion_keys(chars: &[char]) -> Vec<u64> {
    let mut keys: Vec<u64> = (0..=chars.len()).map(|i| deletion_key(chars, i)).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// Words shorter than this cannot be one edit from a query word long enough to allow a typo,
/// so they stay out of the typo index.
const TYPO_INDEX_MIN_CHARS: usize = TYPO_MIN_CHARS - 1;

/// Whether a word of `len` characters goes in the typo index: only words within one edit of
/// a query word that may match with a typo. This also bounds the work of indexing a listing
/// (a word's neighbourhood costs the square of its length; descriptions hold 5,000
/// characters).
fn in_typo_index(len: usize) -> bool {
    (TYPO_INDEX_MIN_CHARS..=TYPO_MAX_CHARS + 1).contains(&len)
}

/// The inverted index: every distinct word of every indexed listing.
#[derive(Debug, Default)]
pub(crate) struct Vocabulary {
    /// Word to term id, ordered so that the words sharing a prefix are one range.
    ids: BTreeMap<String, u32>,
    /// Terms by id; ids of dropped words are reused.
    terms: Vec<Option<Term>>,
    free: Vec<u32>,
    /// Typo index: deletion-neighbourhood key to the ids of the words having it, so a typo
    /// lookup costs a few hash probes instead of a scan of the whole vocabulary.
    near: HashMap<u64, Vec<u32>>,
}

impl Vocabulary {
    /// Number of distinct words.
    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    fn term(&self, id: u32) -> Option<&Term> {
        self.terms.get(id as usize)?.as_ref()
    }

    /// Adds a listing's words: each distinct word with its field mask.
    pub(crate) fn add(&mut self, slot: u32, words: &[(String, u8)]) {
        for (word, fields) in words {
            let fields = *fields;
            let id = match self.ids.get(word) {
                Some(&id) => id,
                None => self.new_term(word),
            };
            if let Some(Some(term)) = self.terms.get_mut(id as usize) {
                term.postings.push(Posting { slot, fields });
            }
        }
    }

    fn new_term(&mut self, word: &str) -> u32 {
        let chars: Box<[char]> = word.chars().collect();
        let term = Some(Term {
            chars,
            postings: Vec::new(),
        });
        let id = match self.free.pop() {
            Some(id) => id,
            None => {
                self.terms.push(None);
                // More than u32::MAX distinct words cannot be held in memory anyway.
                u32::try_from(self.terms.len() - 1).unwrap_or(u32::MAX)
            }
        };
        if let Some(cell) = self.terms.get_mut(id as usize) {
            *cell = term;
        }
        self.ids.insert(word.to_owned(), id);
        let chars: Vec<char> = word.chars().collect();
        if in_typo_index(chars.len()) {
            for key in deletion_keys(&chars) {
                self.near.entry(key).or_default().push(id);
            }
        }
        id
    }

    /// Removes a listing's words, dropping words no other listing holds so lookups never
    /// meet dead words.
    pub(crate) fn remove<'w>(&mut self, slot: u32, words: impl IntoIterator<Item = &'w String>) {
        for word in words {
            let Some(&id) = self.ids.get(word) else {
                continue;
            };
            let Some(Some(term)) = self.terms.get_mut(id as usize) else {
                continue;
            };
            if let Some(pos) = term.postings.iter().position(|p| p.slot == slot) {
                term.postings.swap_remove(pos);
            }
            if !term.postings.is_empty() {
                continue;
            }
            if in_typo_index(term.chars.len()) {
                for key in deletion_keys(&term.chars) {
                    if let Some(bucket) = self.near.get_mut(&key) {
                        bucket.retain(|&t| t != id);
                        if bucket.is_empty() {
                            self.near.remove(&key);
                        }
                    }
                }
            }
            self.terms.get_mut(id as usize).map(Option::take);
            self.ids.remove(word);
            self.free.push(id);
        }
    }

    /// Ids of the words within one edit of `query` (given as characters).
    fn typo_terms(&self, query: &[char]) -> Vec<u32> {
        let mut ids: Vec<u32> = deletion_keys(query)
            .iter()
            .filter_map(|k| self.near.get(k))
            .flatten()
            .copied()
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.retain(|&id| {
            self.term(id)
                .is_some_and(|t| within_one_edit(query, &t.chars))
        });
        ids
    }

    /// Scores every listing against one query word: `best[slot]` is raised to the best
    /// weight (match kind × field) of any of its words the query word matches. Slots seen for
    /// the first time are pushed on `touched`, so the caller resets only those.
    pub(crate) fn score_word(&self, query: &str, best: &mut [u32], touched: &mut Vec<u32>) {
        let mut note = |term: &Term, kind: MatchKind| {
            for p in &term.postings {
                let Some(cell) = best.get_mut(p.slot as usize) else {
                    continue;
                };
                if *cell == 0 {
                    touched.push(p.slot);
                }
                *cell = (*cell).max(kind.weight() * field_weight(p.fields));
            }
        };
        // Prefix matches (exact ones included) are the contiguous run of words from `query`.
        let from = (Bound::Included(query), Bound::Unbounded);
        for (word, &id) in self.ids.range::<str, _>(from) {
            if !word.starts_with(query) {
                break;
            }
            let kind = if word == query {
                MatchKind::Exact
            } else {
                MatchKind::Prefix
            };
            if let Some(term) = self.term(id) {
                note(term, kind);
            }
        }
        let q: Vec<char> = query.chars().take(TYPO_MAX_CHARS + 1).collect();
        if !(TYPO_MIN_CHARS..=TYPO_MAX_CHARS).contains(&q.len()) {
            return;
        }
        // A word both prefix- and typo-matched keeps its better prefix weight (max above).
        for id in self.typo_terms(&q) {
            if let Some(term) = self.term(id) {
                note(term, MatchKind::Typo);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(a: &str, b: &str) -> bool {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        within_one_edit(&a, &b)
    }

    #[test]
    fn tokenizer_splits_on_non_alphanumerics_and_lowercases() {
        let w: Vec<String> = words("Hello, World! CS:GO  co-op 2v2 Éclair").collect();
        assert_eq!(
            w,
            ["hello", "world", "cs", "go", "co", "op", "2v2", "éclair"]
        );
        assert_eq!(words("  ,;  ").count(), 0);
    }

    #[test]
    fn one_edit_distance() {
        assert!(edit("sniper", "sniper"));
        assert!(edit("sniper", "snipor")); // substitution
        assert!(edit("sniper", "snipper")); // insertion
        assert!(edit("sniper", "snper")); // deletion
        assert!(edit("sniper", "snpier")); // transposition
        assert!(edit("sniper", "snipe")); // trailing deletion
        assert!(edit("sniper", "xsniper")); // leading insertion
        assert!(!edit("sniper", "snpiez")); // transposition plus substitution
        assert!(!edit("sniper", "snipperr"));
        assert!(!edit("sniper", "spiner"));
        assert!(!edit("abcd", "badc"));
    }

    /// A word over the typo bound matches as a prefix only, and costs no quadratic work.
    #[test]
    fn regression_long_query_words_are_prefix_only() {
        let long: String = "abcdefghij".repeat(4);
        let mut typo = long.clone();
        typo.replace_range(3..4, "x");
        let mut v = Vocabulary::default();
        v.add(0, &[(long.clone(), FIELD_NAME)]);
        let mut best = vec![0u32; 1];
        let mut touched = Vec::new();
        v.score_word(&typo, &mut best, &mut touched);
        assert_eq!(best[0], 0, "a 40-letter word must not match with a typo");
        v.score_word(&long[..35], &mut best, &mut touched);
        assert!(best[0] > 0, "it still matches as a prefix");
        let huge = "b".repeat(30_000);
        let started = std::time::Instant::now();
        v.score_word(&huge, &mut best, &mut touched);
        assert!(started.elapsed() < std::time::Duration::from_millis(50));
    }

    /// The typo index finds exactly what a scan of every word finds.
    #[test]
    fn typo_index_agrees_with_a_full_scan() {
        let mut v = Vocabulary::default();
        let mut all: BTreeMap<String, u8> = BTreeMap::new();
        let list = |m: &BTreeMap<String, u8>| -> Vec<(String, u8)> {
            m.iter().map(|(w, f)| (w.clone(), *f)).collect()
        };
        for l in super::super::synthetic_listings(300) {
            for w in words(&l.agent.description).chain(words(&l.agent.name)) {
                all.insert(w, FIELD_DESCRIPTION);
            }
        }
        for extra in [
            "aabbc", "ababa", "aaaa", "straße", "strase", "naïve", "naive",
        ] {
            all.insert(extra.to_owned(), FIELD_NAME);
        }
        v.add(0, &list(&all));
        // Drop some words so removal is covered too.
        let dropped: Vec<String> = all.keys().step_by(7).cloned().collect();
        v.remove(0, &dropped);
        let again: Vec<(String, u8)> = dropped
            .iter()
            .step_by(2)
            .map(|w| (w.clone(), FIELD_NAME))
            .collect();
        v.add(1, &again);
        let live: Vec<&String> = v.ids.keys().collect();
        let probes = live.iter().flat_map(|w| {
            let c: Vec<char> = w.chars().collect();
            let mut p = vec![c.clone()];
            if c.len() > 2 {
                let mut t = c.clone();
                t.swap(1, 2);
                p.push(t);
                p.push([&c[..1], &c[2..]].concat());
                p.push([&c[..2], &['x'], &c[2..]].concat());
                p.push([&c[..1], &['q'], &c[2..]].concat());
            }
            p
        });
        for q in probes.filter(|q| q.len() >= TYPO_MIN_CHARS) {
            let mut got: Vec<&str> = v
                .typo_terms(&q)
                .iter()
                .filter_map(|&id| {
                    v.ids
                        .iter()
                        .find(|(_, i)| **i == id)
                        .map(|(w, _)| w.as_str())
                })
                .collect();
            got.sort_unstable();
            let want: Vec<&str> = live
                .iter()
                .filter(|w| within_one_edit(&q, &w.chars().collect::<Vec<_>>()))
                .map(|w| w.as_str())
                .collect();
            assert_eq!(got, want, "{}", q.iter().collect::<String>());
        }
    }
}
