//! Filters and disjunctive facet counts.
//!
//! Each listing's filterable values are reduced at indexing time to small integers (enum
//! positions, interned string ids), so a query tests and counts a listing without touching a
//! string. One pass over the candidates computes the whole answer: a listing failing no
//! filter matches and counts in every facet; a listing failing exactly one facet's filter
//! counts in that facet only (the facet ignores its own filter); any other listing counts
//! nowhere.

use std::collections::{BTreeMap, HashMap};

use jiga::model::{AgentType, Facets, Listing, Rank};

use super::SearchQuery;

/// Interned strings: provider and game names, both as listed and lowercased.
///
/// Each id counts the listings holding it; an id no listing holds any more is dropped and
/// reused, so the table (and the facet counters every query sizes by it) holds the values of
/// the listings indexed now, not every value ever indexed: an owner renaming games over and
/// over cannot grow it.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    ids: HashMap<String, u32>,
    names: Vec<String>,
    refs: Vec<u32>,
    free: Vec<u32>,
}

impl Interner {
    /// The id of `s`, adding it when new; counts one more holder.
    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            if let Some(r) = self.refs.get_mut(id as usize) {
                *r += 1;
            }
            return id;
        }
        let id = match self.free.pop() {
            Some(id) => id,
            None => {
                self.names.push(String::new());
                self.refs.push(0);
                // More than u32::MAX distinct strings cannot be indexed in memory anyway.
                u32::try_from(self.names.len() - 1).unwrap_or(u32::MAX)
            }
        };
        if let (Some(name), Some(r)) = (
            self.names.get_mut(id as usize),
            self.refs.get_mut(id as usize),
        ) {
            s.clone_into(name);
            *r = 1;
        }
        self.ids.insert(s.to_owned(), id);
        id
    }

    /// One holder of `id` is gone; the string is dropped with its last holder.
    pub(crate) fn release(&mut self, id: u32) {
        let i = id as usize;
        let Some(r) = self.refs.get_mut(i) else {
            return;
        };
        *r = r.saturating_sub(1);
        if *r == 0
            && let Some(name) = self.names.get_mut(i)
        {
            self.ids.remove(name.as_str());
            name.clear();
            self.free.push(id);
        }
    }

    /// The id of `s` if a listing holds it.
    fn lookup(&self, s: &str) -> Option<u32> {
        self.ids.get(s).copied()
    }

    pub(crate) fn name(&self, id: usize) -> &str {
        self.names.get(id).map_or("", String::as_str)
    }

    fn len(&self) -> usize {
        self.names.len()
    }

    /// Distinct strings held by listings now.
    pub(crate) fn live(&self) -> usize {
        self.ids.len()
    }
}

/// The position of `v` in `all` (an enum's `ALL`, a handful of values).
fn position<T: PartialEq>(all: &[T], v: &T) -> u8 {
    all.iter()
        .position(|x| x == v)
        .and_then(|i| u8::try_from(i).ok())
        .unwrap_or(0)
}

/// A short list of interned ids stored inline, spilling to the heap past `INLINE` ids.
///
/// Every query reads every candidate's games; kept inline they stream through the cache with
/// the rest of the slot instead of costing a cache miss per listing behind a pointer.
#[derive(Debug)]
struct Ids {
    inline: [u32; Ids::INLINE],
    len: u8,
    spill: Box<[u32]>,
}

impl Ids {
    const INLINE: usize = 3;

    fn new(ids: &[u32]) -> Self {
        let (head, tail) = ids.split_at(ids.len().min(Ids::INLINE));
        let mut inline = [0; Ids::INLINE];
        inline
            .iter_mut()
            .zip(head)
            .for_each(|(slot, id)| *slot = *id);
        Ids {
            inline,
            len: u8::try_from(head.len()).unwrap_or(0),
            spill: tail.into(),
        }
    }

    fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        let head = self.inline.get(..usize::from(self.len)).unwrap_or_default();
        head.iter().chain(self.spill.iter()).copied()
    }
}

/// A listing's filterable values, precomputed.
#[derive(Debug)]
pub(crate) struct DocFields {
    /// Position of the rank in `Rank::ALL`.
    rank: u8,
    /// Position of the type in `AgentType::ALL`.
    agent_type: u8,
    /// The provider as listed (facet key).
    provider: u32,
    /// The provider lowercased (filter key).
    provider_lc: u32,
    /// Distinct games as listed (facet keys).
    games: Ids,
    /// Games lowercased (filter keys).
    games_lc: Ids,
    voice: bool,
    commentator: bool,
    price: i64,
    rating: f64,
}

impl DocFields {
    /// Reduces a listing's filterable values to integers.
    pub(crate) fn of(listing: &Listing, strings: &mut Interner) -> Self {
        let a = &listing.agent;
        // Distinct strings first, so each is interned (and counted) once per listing.
        let mut listed: Vec<&str> = a.games.iter().map(String::as_str).collect();
        listed.sort_unstable();
        listed.dedup();
        let mut games: Vec<u32> = listed.iter().map(|g| strings.intern(g)).collect();
        games.sort_unstable();
        let mut lower: Vec<String> = a.games.iter().map(|g| g.to_lowercase()).collect();
        lower.sort_unstable();
        lower.dedup();
        let mut games_lc: Vec<u32> = lower.iter().map(|g| strings.intern(g)).collect();
        games_lc.sort_unstable();
        DocFields {
            rank: position(Rank::ALL, &a.rank),
            agent_type: position(AgentType::ALL, &a.agent_type),
            provider: strings.intern(&a.provider),
            provider_lc: strings.intern(&a.provider.to_lowercase()),
            games: Ids::new(&games),
            games_lc: Ids::new(&games_lc),
            voice: a.has_voice_chat,
            commentator: a.has_commentator,
            price: a.pricing.per_minute.get(),
            rating: listing.rating,
        }
    }

    /// Releases the interned strings this listing held (it left the index or was replaced).
    pub(crate) fn release(&self, strings: &mut Interner) {
        strings.release(self.provider);
        strings.release(self.provider_lc);
        for id in self.games.iter().chain(self.games_lc.iter()) {
            strings.release(id);
        }
    }

    /// The distinct games as listed, as interned ids.
    pub(crate) fn games(&self) -> impl Iterator<Item = u32> + '_ {
        self.games.iter()
    }

    /// Position of the type in `AgentType::ALL`.
    pub(crate) fn agent_type(&self) -> usize {
        usize::from(self.agent_type)
    }
}

/// Failure bits of [`Filter::failures`]: one per faceted parameter, plus one for the filters
/// that have no facet (price and rating), which a listing must always pass.
pub(crate) mod fail {
    pub(crate) const RANK: u8 = 1;
    pub(crate) const TYPE: u8 = 2;
    pub(crate) const PROVIDER: u8 = 4;
    pub(crate) const GAME: u8 = 8;
    pub(crate) const VOICE: u8 = 16;
    pub(crate) const COMMENTATOR: u8 = 32;
    pub(crate) const UNFACETED: u8 = 64;
}

/// A query's filters, resolved against the interned strings.
#[derive(Debug)]
pub(crate) struct Filter {
    /// Bit `i` set: `Rank::ALL[i]` is allowed; `None`: no rank filter.
    ranks: Option<u32>,
    types: Option<u32>,
    /// Lowercased provider ids; a value never indexed resolves to nothing and so matches no
    /// listing, as it should.
    providers: Option<Vec<u32>>,
    games: Option<Vec<u32>>,
    voice: Option<bool>,
    commentator: Option<bool>,
    price_min: Option<i64>,
    price_max: Option<i64>,
    rating_min: Option<f64>,
}

fn bits<T: PartialEq>(wanted: &[T], all: &[T]) -> Option<u32> {
    (!wanted.is_empty()).then(|| {
        all.iter()
            .enumerate()
            .filter(|(_, v)| wanted.contains(v))
            .fold(0, |acc, (i, _)| acc | 1 << i)
    })
}

fn ids(wanted: &[String], strings: &Interner) -> Option<Vec<u32>> {
    (!wanted.is_empty()).then(|| {
        wanted
            .iter()
            .filter_map(|v| strings.lookup(&v.to_lowercase()))
            .collect()
    })
}

impl Filter {
    /// Resolves `q`'s filters.
    pub(crate) fn new(q: &SearchQuery, strings: &Interner) -> Self {
        Filter {
            ranks: bits(&q.rank, Rank::ALL),
            types: bits(&q.agent_type, AgentType::ALL),
            providers: ids(&q.provider, strings),
            games: ids(&q.game, strings),
            voice: q.has_voice_chat,
            commentator: q.has_commentator,
            price_min: q.price_min,
            price_max: q.price_max,
            rating_min: q.rating_min,
        }
    }

    /// The `fail` bits of every filter `d` does not pass; 0 when it passes them all.
    pub(crate) fn failures(&self, d: &DocFields) -> u8 {
        let mut f = 0;
        if self.ranks.is_some_and(|m| m & 1 << d.rank == 0) {
            f |= fail::RANK;
        }
        if self.types.is_some_and(|m| m & 1 << d.agent_type == 0) {
            f |= fail::TYPE;
        }
        if let Some(p) = &self.providers
            && !p.contains(&d.provider_lc)
        {
            f |= fail::PROVIDER;
        }
        if let Some(g) = &self.games
            && !d.games_lc.iter().any(|id| g.contains(&id))
        {
            f |= fail::GAME;
        }
        if self.voice.is_some_and(|v| v != d.voice) {
            f |= fail::VOICE;
        }
        if self.commentator.is_some_and(|v| v != d.commentator) {
            f |= fail::COMMENTATOR;
        }
        let price_out = self.price_min.is_some_and(|m| d.price < m)
            || self.price_max.is_some_and(|m| d.price > m);
        if price_out || self.rating_min.is_some_and(|m| d.rating < m) {
            f |= fail::UNFACETED;
        }
        f
    }
}

/// Facet counts under way, indexed by enum position or interned id.
#[derive(Debug)]
pub(crate) struct FacetCounter {
    rank: [u64; Rank::ALL.len()],
    types: [u64; AgentType::ALL.len()],
    provider: Vec<u64>,
    game: Vec<u64>,
    voice: [u64; 2],
    commentator: [u64; 2],
}

impl FacetCounter {
    /// Empty counts sized for every interned string.
    pub(crate) fn new(strings: &Interner) -> Self {
        FacetCounter {
            rank: [0; Rank::ALL.len()],
            types: [0; AgentType::ALL.len()],
            provider: vec![0; strings.len()],
            game: vec![0; strings.len()],
            voice: [0; 2],
            commentator: [0; 2],
        }
    }

    /// Counts `d` in the facets its `failures` allow: all of them when it failed nothing,
    /// the one facet whose own filter it failed when that is its only failure.
    pub(crate) fn count(&mut self, d: &DocFields, failures: u8) {
        let counts = |bit: u8| failures == 0 || failures == bit;
        let bump = |slot: Option<&mut u64>| {
            if let Some(c) = slot {
                *c += 1;
            }
        };
        if counts(fail::RANK) {
            bump(self.rank.get_mut(usize::from(d.rank)));
        }
        if counts(fail::TYPE) {
            bump(self.types.get_mut(usize::from(d.agent_type)));
        }
        if counts(fail::PROVIDER) {
            bump(self.provider.get_mut(d.provider as usize));
        }
        if counts(fail::GAME) {
            for g in d.games.iter() {
                bump(self.game.get_mut(g as usize));
            }
        }
        if counts(fail::VOICE) {
            bump(self.voice.get_mut(usize::from(d.voice)));
        }
        if counts(fail::COMMENTATOR) {
            bump(self.commentator.get_mut(usize::from(d.commentator)));
        }
    }

    /// The wire form: string keys, values with a zero count left out.
    pub(crate) fn finish(self, strings: &Interner) -> Facets {
        fn named<'a>(counts: &[u64], name: impl Fn(usize) -> &'a str) -> BTreeMap<String, u64> {
            counts
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(i, n)| (name(i).to_owned(), *n))
                .collect()
        }
        let flags = ["false", "true"];
        let flag = |i: usize| flags.get(i).copied().unwrap_or("");
        Facets {
            rank: named(&self.rank, |i| Rank::ALL.get(i).map_or("", |r| r.as_str())),
            agent_type: named(&self.types, |i| {
                AgentType::ALL.get(i).map_or("", |t| t.as_str())
            }),
            provider: named(&self.provider, |i| strings.name(i)),
            game: named(&self.game, |i| strings.name(i)),
            has_voice_chat: named(&self.voice, flag),
            has_commentator: named(&self.commentator, flag),
        }
    }
}
