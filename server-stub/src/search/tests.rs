//! Tests of text matching, filters and facets. Sorts, pages and timing: `tests_sort`.

use jiga::Dof;
use jiga::Timestamp;
use jiga::model::{Agent, AgentStatus, AgentType, Listing, OwnerSummary, Pricing, Rank};

use super::{SearchIndex, SearchQuery};

/// A plain listing: bronze coach by "openai" playing Chess, price 10, rating 3.0.
pub(super) fn listing(id: &str, name: &str) -> Listing {
    let t = Timestamp::from_unix_millis(1_767_225_600_000).expect("valid time");
    Listing {
        agent: Agent {
            id: id.to_owned(),
            owner_id: "usr_1".to_owned(),
            name: name.to_owned(),
            description: String::new(),
            tags: vec![],
            specializations: vec![],
            games: vec!["Chess".to_owned()],
            rank: Rank::Bronze,
            agent_type: AgentType::Coach,
            provider: "openai".to_owned(),
            has_voice_chat: false,
            has_commentator: false,
            pricing: Pricing {
                per_minute: Dof::new(10),
                per_action: Dof::new(0),
            },
            actions_per_second: 2,
            image_url: None,
            nationality: None,
            status: AgentStatus::Published,
            version: 1,
            created_at: t,
            updated_at: t,
        },
        owner: OwnerSummary {
            id: "usr_1".to_owned(),
            display_name: "Owner".to_owned(),
        },
        rating: 3.0,
        review_count: 0,
        total_hires: 0,
        popularity: 0.0,
        success_rate: 1.0,
    }
}

pub(super) fn index(listings: impl IntoIterator<Item = Listing>) -> SearchIndex {
    let mut idx = SearchIndex::new();
    for l in listings {
        idx.upsert(l);
    }
    idx
}

/// Ids of the whole result (one big page), in order.
pub(super) fn ids(idx: &SearchIndex, q: &SearchQuery) -> Vec<String> {
    let q = SearchQuery {
        limit: 100,
        ..q.clone()
    };
    let res = idx.search(&q).expect("search");
    res.items.into_iter().map(|l| l.agent.id).collect()
}

fn text(q: &str) -> SearchQuery {
    SearchQuery {
        q: Some(q.to_owned()),
        ..SearchQuery::default()
    }
}

/// Ids matching `q`, sorted, so a test states the set and not the order.
fn matching(idx: &SearchIndex, q: &str) -> Vec<String> {
    let mut v = ids(idx, &text(q));
    v.sort();
    v
}

fn words_index() -> SearchIndex {
    let mut a = listing("a", "Sniper Elite coach");
    a.agent.description = "Patient teacher of positioning.".to_owned();
    let mut b = listing("b", "Rook");
    b.agent.tags = vec!["endgame".to_owned()];
    b.agent.specializations = vec!["Opening theory".to_owned()];
    b.agent.games = vec!["StarCraft II".to_owned()];
    let c = listing("c", "Snipe bot");
    let mut d = listing("d", "Aimy");
    d.agent.description = "Calm aim trainer".to_owned();
    index([a, b, c, d])
}

#[test]
fn prefix_matches_every_field_case_insensitively() {
    let idx = words_index();
    assert_eq!(matching(&idx, "snip"), ["a", "c"]);
    assert_eq!(matching(&idx, "ELITE"), ["a"]);
    // "sniper" also reaches "snipe" with one typo (a deletion).
    assert_eq!(matching(&idx, "SNIPER"), ["a", "c"]);
    assert_eq!(matching(&idx, "posit"), ["a"]); // description
    assert_eq!(matching(&idx, "endg"), ["b"]); // tag
    assert_eq!(matching(&idx, "theory"), ["b"]); // specialization
    assert_eq!(matching(&idx, "starcr"), ["b"]); // game
    assert_eq!(matching(&idx, "aim"), ["d"]);
    assert!(matching(&idx, "iper").is_empty()); // infix is not a prefix
}

#[test]
fn typo_matches_whole_words_for_queries_of_five_or_more_chars() {
    let idx = words_index();
    assert_eq!(matching(&idx, "snoper"), ["a"]); // substitution
    assert_eq!(matching(&idx, "snipper"), ["a"]); // insertion
    assert_eq!(matching(&idx, "sniepr"), ["a"]); // transposition
    assert_eq!(matching(&idx, "endgme"), ["b"]); // deletion
    assert_eq!(matching(&idx, "teachr"), ["a"]); // deletion, in the description
    assert!(matching(&idx, "snopir").is_empty()); // two edits
    // Against the whole word, not a prefix of it: "positoning" is one edit from the word.
    assert_eq!(matching(&idx, "positoning"), ["a"]);
    assert!(matching(&idx, "posiu").is_empty());
}

#[test]
fn four_letter_words_do_not_match_with_a_typo() {
    let idx = words_index();
    assert_eq!(matching(&idx, "rook"), ["b"]);
    assert!(matching(&idx, "rouk").is_empty()); // substitution
    assert!(matching(&idx, "roo").len() == 1); // prefix still works
    assert!(matching(&idx, "orok").is_empty()); // transposition
    assert!(matching(&idx, "calk").is_empty());
}

#[test]
fn every_query_word_must_match() {
    let idx = words_index();
    assert_eq!(matching(&idx, "snip coach"), ["a"]);
    assert_eq!(matching(&idx, "snip, BOT!"), ["c"]);
    assert!(matching(&idx, "snip rook").is_empty());
    // Blank or punctuation-only text constrains nothing.
    assert_eq!(matching(&idx, "  "), ["a", "b", "c", "d"]);
    assert_eq!(matching(&idx, "?!"), ["a", "b", "c", "d"]);
}

#[test]
fn upsert_replaces_and_remove_forgets() {
    let mut idx = words_index();
    assert_eq!(idx.len(), 4);
    idx.upsert(listing("a", "Wizard"));
    assert_eq!(idx.len(), 4);
    assert!(matching(&idx, "elite").is_empty());
    assert_eq!(matching(&idx, "wizard"), ["a"]);
    idx.remove("a");
    idx.remove("nope");
    assert_eq!(idx.len(), 3);
    assert!(idx.get("a").is_none());
    assert!(matching(&idx, "wizard").is_empty());
    idx.upsert(listing("e", "Wizard two"));
    assert_eq!(matching(&idx, "wiz"), ["e"]);
    assert_eq!(
        idx.get("e").map(|l| l.agent.name.as_str()),
        Some("Wizard two")
    );
}

#[test]
fn upsert_with_the_same_text_still_refreshes_filters_and_sorts() {
    let mut idx = index([listing("a", "Rook"), listing("b", "Rook")]);
    let mut b = listing("b", "Rook");
    b.agent.rank = Rank::Gold;
    b.popularity = 7.0;
    idx.upsert(b);
    let gold = SearchQuery {
        rank: vec![Rank::Gold],
        ..SearchQuery::default()
    };
    assert_eq!(ids(&idx, &gold), ["b"]);
    assert_eq!(ids(&idx, &text("rook")), ["b", "a"]);
    // The same word moved to another field is a text change: its weight follows.
    let mut a = listing("a", "Agent");
    a.agent.description = "rook".to_owned();
    idx.upsert(a);
    let mut c = listing("c", "Rook");
    c.popularity = 1.0;
    idx.upsert(c);
    assert_eq!(ids(&idx, &text("rook")), ["b", "c", "a"]);
}

fn filter_index() -> SearchIndex {
    let mut v = Vec::new();
    for (i, rank) in [Rank::Bronze, Rank::Gold, Rank::Master]
        .into_iter()
        .enumerate()
    {
        for (j, ty) in [AgentType::Coach, AgentType::Opponent]
            .into_iter()
            .enumerate()
        {
            let mut l = listing(&format!("{i}{j}"), "Agent");
            l.agent.rank = rank;
            l.agent.agent_type = ty;
            l.agent.provider = ["OpenAI", "anthropic", "openai"][i].to_owned();
            l.agent.games = match j {
                0 => vec!["Chess".to_owned(), "Go".to_owned()],
                _ => vec!["Valorant".to_owned(), "chess".to_owned()],
            };
            l.agent.has_voice_chat = i == 0;
            l.agent.has_commentator = j == 1;
            l.agent.pricing.per_minute = Dof::new(i64::try_from(i * 10 + j).expect("small"));
            l.rating = 2.0 + f64::from(u8::try_from(i).expect("small"));
            v.push(l);
        }
    }
    index(v)
}

fn filtered(idx: &SearchIndex, q: SearchQuery) -> Vec<String> {
    let mut v = ids(idx, &q);
    v.sort();
    v
}

#[test]
fn each_filter_and_or_within_a_filter() {
    let idx = filter_index();
    let d = SearchQuery::default;
    let rank = |r: Vec<Rank>| SearchQuery { rank: r, ..d() };
    assert_eq!(filtered(&idx, rank(vec![Rank::Gold])), ["10", "11"]);
    assert_eq!(
        filtered(&idx, rank(vec![Rank::Gold, Rank::Master])),
        ["10", "11", "20", "21"]
    );
    let ty = SearchQuery {
        agent_type: vec![AgentType::Opponent],
        ..d()
    };
    assert_eq!(filtered(&idx, ty), ["01", "11", "21"]);
    let prov = SearchQuery {
        provider: vec!["OPENAI".to_owned()],
        ..d()
    };
    assert_eq!(filtered(&idx, prov), ["00", "01", "20", "21"]);
    let prov = SearchQuery {
        provider: vec!["open".to_owned()],
        ..d()
    };
    assert!(filtered(&idx, prov).is_empty()); // exact value, not a prefix
    let game = SearchQuery {
        game: vec!["go".to_owned()],
        ..d()
    };
    assert_eq!(filtered(&idx, game), ["00", "10", "20"]);
    let game = SearchQuery {
        game: vec!["Go".to_owned(), "VALORANT".to_owned()],
        ..d()
    };
    assert_eq!(filtered(&idx, game).len(), 6);
    let voice = SearchQuery {
        has_voice_chat: Some(true),
        ..d()
    };
    assert_eq!(filtered(&idx, voice), ["00", "01"]);
    let comm = SearchQuery {
        has_commentator: Some(false),
        ..d()
    };
    assert_eq!(filtered(&idx, comm), ["00", "10", "20"]);
    let price = SearchQuery {
        price_min: Some(10),
        price_max: Some(20),
        ..d()
    };
    assert_eq!(filtered(&idx, price), ["10", "11", "20"]);
    let rating = SearchQuery {
        rating_min: Some(3.0),
        ..d()
    };
    assert_eq!(filtered(&idx, rating), ["10", "11", "20", "21"]);
    // AND across parameters.
    let both = SearchQuery {
        rank: vec![Rank::Gold, Rank::Master],
        agent_type: vec![AgentType::Coach],
        has_commentator: Some(false),
        ..d()
    };
    assert_eq!(filtered(&idx, both), ["10", "20"]);
}

#[test]
fn facets_ignore_their_own_filter() {
    let idx = filter_index();
    let q = SearchQuery {
        rank: vec![Rank::Gold],
        has_voice_chat: Some(false),
        ..SearchQuery::default()
    };
    let res = idx.search(&q).expect("search");
    assert_eq!(res.total, 2);
    let f = &res.facets;
    // Rank facet: voice filter applied, rank filter not.
    assert_eq!(f.rank.get("gold"), Some(&2));
    assert_eq!(f.rank.get("master"), Some(&2));
    assert_eq!(f.rank.get("bronze"), None); // bronze listings all have voice chat
    // Voice facet: rank filter applied, voice filter not.
    assert_eq!(f.has_voice_chat.get("false"), Some(&2));
    assert_eq!(f.has_voice_chat.get("true"), None);
    // Other facets: every filter applied.
    assert_eq!(f.agent_type.get("coach"), Some(&1));
    assert_eq!(f.agent_type.get("opponent"), Some(&1));
    assert_eq!(f.provider.get("anthropic"), Some(&2));
    assert_eq!(f.provider.len(), 1);
    // Games: one count per listing per distinct game, keys as listed.
    assert_eq!(f.game.get("Chess"), Some(&1));
    assert_eq!(f.game.get("chess"), Some(&1));
    assert_eq!(f.game.get("Go"), Some(&1));
    assert_eq!(f.has_commentator.get("true"), Some(&1));
    assert_eq!(f.has_commentator.get("false"), Some(&1));

    // A provider filter leaves the provider facet showing the alternatives.
    let q = SearchQuery {
        provider: vec!["anthropic".to_owned()],
        ..SearchQuery::default()
    };
    let res = idx.search(&q).expect("search");
    assert_eq!(res.total, 2);
    assert_eq!(res.facets.provider.get("OpenAI"), Some(&2));
    assert_eq!(res.facets.provider.get("openai"), Some(&2));
    assert_eq!(res.facets.rank.get("gold"), Some(&2));
    assert_eq!(res.facets.rank.len(), 1);
    // Facets follow the text too.
    let res = idx.search(&text("nothing-like-this")).expect("search");
    assert_eq!(res.total, 0);
    assert!(res.facets.rank.is_empty() && res.facets.game.is_empty());
}

#[test]
fn categories_count_games_and_types() {
    let idx = filter_index();
    let c = idx.categories();
    let games: Vec<(&str, u64)> = c.games.iter().map(|g| (g.game.as_str(), g.count)).collect();
    assert_eq!(
        games,
        [("Chess", 3), ("Go", 3), ("Valorant", 3), ("chess", 3)]
    );
    let types: Vec<(AgentType, u64)> = c.types.iter().map(|t| (t.agent_type, t.count)).collect();
    assert_eq!(types, [(AgentType::Coach, 3), (AgentType::Opponent, 3)]);
    let mut idx = idx;
    idx.remove("01");
    let c = idx.categories();
    assert_eq!(
        c.types.first().map(|t| (t.agent_type, t.count)),
        Some((AgentType::Coach, 3))
    );
    assert_eq!(
        c.games.last().map(|g| (g.game.as_str(), g.count)),
        Some(("chess", 2))
    );
}

#[test]
fn regression_interner_forgets_strings_no_listing_holds() {
    let mut idx = SearchIndex::new();
    let mut l = listing("agt_x", "Renamer");
    for i in 0..1000 {
        l.agent.games = vec![
            format!("Game {i}"),
            format!("game {i}"),
            format!("Game {i}"),
        ];
        l.agent.provider = format!("Provider{i}");
        idx.upsert(l.clone());
    }
    // "Game i", "game i" (as listed and lowercased), "Provider i" and "provider i".
    assert_eq!(idx.interned_len(), 4);
    let facets = idx.search(&SearchQuery::default()).expect("search").facets;
    assert_eq!(facets.game.len(), 2);
    idx.remove(&l.agent.id);
    assert_eq!(idx.interned_len(), 0);
}

#[test]
fn text_matching_reuses_its_working_memory_cleanly_across_queries_and_indexes() {
    // The counters are kept per thread between queries (and between indexes of other
    // sizes): whatever one query leaves must not change the next one's answer.
    let big = index((0..300).map(|i| {
        let name = match i % 3 {
            0 => "aim trainer",
            1 => "aim coach",
            _ => "strategy coach",
        };
        listing(&format!("agt_{i:03}"), name)
    }));
    let small = index([
        listing("agt_a", "aim coach"),
        listing("agt_b", "macro coach"),
    ]);
    let fresh = |idx: &SearchIndex, q: &str| {
        std::thread::scope(|s| s.spawn(|| ids(idx, &text(q))).join().expect("thread"))
    };
    let queries = [
        "aim coach",
        "coach",
        "zzz coach",
        "aim zzz",
        "strategy",
        "aim",
    ];
    for q in queries {
        for other in queries {
            let _ = ids(&big, &text(other));
            assert_eq!(ids(&big, &text(q)), fresh(&big, q), "{q} after {other}");
            assert_eq!(ids(&small, &text(q)), fresh(&small, q), "{q} after {other}");
        }
    }
    assert_eq!(ids(&big, &text("aim coach")).len(), 100);
}
