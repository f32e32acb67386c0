//! Tests of sorts, tie-breaks, relevance, pages and cursors, plus a timing report.

use std::collections::HashSet;
use std::time::Instant;

use jiga::Dof;
use jiga::Timestamp;
use jiga::model::{Listing, Rank, SearchSort};

use super::tests::{ids, index, listing};
use super::{SearchIndex, SearchQuery, synthetic_listings};

fn sorted(sort: SearchSort) -> SearchQuery {
    SearchQuery {
        sort: Some(sort),
        ..SearchQuery::default()
    }
}

/// Five listings where each sort's primary value differs from the tie-breaks' order.
fn sort_index() -> SearchIndex {
    let mk = |id: &str, pop: f64, rating: f64, hires: u64, price: i64, day: i64| {
        let mut l = listing(id, "Agent");
        l.popularity = pop;
        l.rating = rating;
        l.total_hires = hires;
        l.agent.pricing.per_minute = Dof::new(price);
        l.agent.created_at =
            Timestamp::from_unix_millis(1_767_225_600_000 + day * 86_400_000).expect("time");
        l
    };
    index([
        mk("e", 5.0, 4.0, 10, 30, 1),
        mk("d", 5.0, 4.0, 10, 10, 3), // ties with e up to the id
        mk("c", 5.0, 4.0, 20, 10, 2), // beats d and e on hires
        mk("b", 5.0, 4.5, 0, 20, 3),  // beats c, d, e on rating
        mk("a", 9.0, 1.0, 0, 40, 0),  // most popular
    ])
}

#[test]
fn every_sort_with_its_tie_breaks() {
    let idx = sort_index();
    let s = |sort| ids(&idx, &sorted(sort));
    // Popularity desc, then rating desc, hires desc, id asc.
    assert_eq!(s(SearchSort::Popularity), ["a", "b", "c", "d", "e"]);
    assert_eq!(
        ids(&idx, &SearchQuery::default()),
        s(SearchSort::Popularity)
    );
    // Relevance without text is popularity.
    assert_eq!(s(SearchSort::Relevance), s(SearchSort::Popularity));
    assert_eq!(s(SearchSort::Rating), ["b", "c", "d", "e", "a"]);
    // Equal prices (c, d at 10) fall back to the tie-breaks.
    assert_eq!(s(SearchSort::PriceAsc), ["c", "d", "b", "e", "a"]);
    assert_eq!(s(SearchSort::PriceDesc), ["a", "e", "b", "c", "d"]);
    // Equal days (b, d) fall back to the tie-breaks.
    assert_eq!(s(SearchSort::Newest), ["b", "d", "c", "e", "a"]);
}

#[test]
fn relevance_prefers_exact_then_prefix_then_typo_and_name_then_labels_then_description() {
    let mut name_exact = listing("ne", "Sniper");
    name_exact.popularity = 0.0;
    let mut name_prefix = listing("np", "Snipers club");
    name_prefix.popularity = 1.0;
    let mut name_typo = listing("nt", "Snyper");
    name_typo.popularity = 2.0;
    let mut tag_exact = listing("te", "Agent");
    tag_exact.agent.tags = vec!["sniper".to_owned()];
    tag_exact.popularity = 3.0;
    let mut desc_exact = listing("de", "Agent");
    desc_exact.agent.description = "a sniper".to_owned();
    desc_exact.popularity = 4.0;
    let mut desc_typo = listing("dt", "Agent");
    desc_typo.agent.description = "a snipr".to_owned();
    desc_typo.popularity = 5.0;
    let idx = index([
        name_exact,
        name_prefix,
        name_typo,
        tag_exact,
        desc_exact,
        desc_typo,
    ]);
    let q = SearchQuery {
        q: Some("sniper".to_owned()),
        ..SearchQuery::default()
    };
    // Weights (kind × field): ne 9, np 6, te 6, nt 3, de 3, dt 1; ties by popularity.
    assert_eq!(ids(&idx, &q), ["ne", "te", "np", "de", "nt", "dt"]);
    // Scores add up over the query words.
    let q2 = SearchQuery {
        q: Some("agent sniper".to_owned()),
        ..SearchQuery::default()
    };
    assert_eq!(ids(&idx, &q2), ["te", "de", "dt"]);
    // An explicit other sort overrides relevance.
    let q3 = SearchQuery {
        sort: Some(SearchSort::Popularity),
        ..q
    };
    assert_eq!(ids(&idx, &q3), ["dt", "de", "te", "nt", "np", "ne"]);
}

/// Walks every page of `q` with page size `limit`; returns the ids in order.
fn walk(idx: &SearchIndex, q: &SearchQuery, limit: u32) -> Vec<String> {
    let mut q = SearchQuery { limit, ..q.clone() };
    let mut out = Vec::new();
    for _ in 0..10_000 {
        let page = idx.search(&q).expect("page");
        assert!(page.items.len() <= limit as usize);
        out.extend(page.items.into_iter().map(|l| l.agent.id));
        match page.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => return out,
        }
    }
    panic!("the walk never ended");
}

#[test]
fn cursor_walk_returns_every_match_once_in_every_sort() {
    let idx = index(synthetic_listings(600));
    let base = [
        SearchQuery::default(),
        SearchQuery {
            q: Some("coach".to_owned()),
            ..SearchQuery::default()
        },
        SearchQuery {
            rank: vec![Rank::Gold, Rank::Diamond],
            price_max: Some(30),
            ..SearchQuery::default()
        },
    ];
    for q in base {
        for &sort in SearchSort::ALL {
            let q = SearchQuery {
                sort: Some(sort),
                ..q.clone()
            };
            let total = idx.search(&q).expect("search").total;
            let ids = walk(&idx, &q, 7);
            assert_eq!(ids.len() as u64, total, "{sort:?}");
            assert_eq!(
                ids.iter().collect::<HashSet<_>>().len(),
                ids.len(),
                "{sort:?}"
            );
            // The same order as one big page walk.
            assert_eq!(ids, walk(&idx, &q, 100), "{sort:?}");
        }
    }
}

#[test]
fn last_page_has_no_cursor_and_exact_fit_too() {
    let idx = sort_index();
    let page = |limit| {
        idx.search(&SearchQuery {
            limit,
            ..SearchQuery::default()
        })
    };
    assert!(page(5).expect("page").next_cursor.is_none());
    assert!(page(6).expect("page").next_cursor.is_none());
    assert!(page(4).expect("page").next_cursor.is_some());
    assert_eq!(page(0).expect("page").items.len(), 5); // 0 = default 20
}

#[test]
fn walking_while_rows_are_added_returns_each_original_row_once() {
    let mut idx = index(synthetic_listings(50));
    let originals: HashSet<String> = (0..50).map(|i| format!("agt_{i:05}")).collect();
    let mut q = SearchQuery {
        sort: Some(SearchSort::Newest),
        limit: 6,
        ..SearchQuery::default()
    };
    let mut seen = Vec::new();
    for n in 0.. {
        let page = idx.search(&q).expect("page");
        seen.extend(page.items.into_iter().map(|l| l.agent.id));
        let mut extra: Listing = listing(&format!("new_{n}"), "Newcomer");
        extra.agent.created_at = Timestamp::from_unix_millis(1_000).expect("time");
        idx.upsert(extra);
        match page.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => break,
        }
    }
    let originals_seen: Vec<&String> = seen.iter().filter(|id| originals.contains(*id)).collect();
    assert_eq!(originals_seen.len(), 50);
    assert_eq!(originals_seen.iter().collect::<HashSet<_>>().len(), 50);
}

#[test]
fn bad_cursors_are_field_errors() {
    let idx = sort_index();
    let bad = |cursor: &str, sort| {
        let q = SearchQuery {
            cursor: Some(cursor.to_owned()),
            sort,
            ..SearchQuery::default()
        };
        idx.search(&q).expect_err(cursor).field
    };
    assert_eq!(bad("%%%", None), "cursor");
    assert_eq!(bad("eyJ4IjoxfQ", None), "cursor"); // {"x":1}
    let first = idx
        .search(&SearchQuery {
            limit: 2,
            ..sorted(SearchSort::Rating)
        })
        .expect("page");
    let c = first.next_cursor.expect("more pages");
    assert_eq!(bad(&c, Some(SearchSort::Newest)), "cursor");
    assert_eq!(bad(&c, None), "cursor"); // default sort is popularity
    // A popularity cursor is valid for relevance without text (the same order).
    let pop = idx
        .search(&SearchQuery {
            limit: 2,
            ..SearchQuery::default()
        })
        .expect("page")
        .next_cursor
        .expect("more pages");
    let q = SearchQuery {
        cursor: Some(pop),
        ..sorted(SearchSort::Relevance)
    };
    assert_eq!(ids(&idx, &q), ["c", "d", "e"]);
}

#[test]
fn featured_is_the_most_popular_with_tie_breaks() {
    let idx = sort_index();
    let f: Vec<String> = idx.featured(3).into_iter().map(|l| l.agent.id).collect();
    assert_eq!(f, ["a", "b", "c"]);
    assert_eq!(idx.featured(10).len(), 5);
    assert!(idx.featured(0).is_empty());
    assert!(SearchIndex::new().featured(10).is_empty());
}

#[test]
#[allow(clippy::print_stdout)] // the timing report is the point of this test
fn timing_of_a_faceted_text_query_over_10k_listings() {
    let start = Instant::now();
    let idx = index(synthetic_listings(10_000));
    let built = start.elapsed();
    let queries = [
        (
            "text+filters",
            "q=coach+aim&rank=gold&rank=master&provider=openai&hasVoiceChat=true",
        ),
        ("typo text", "q=stratgist+positoning"),
        ("prefix text", "q=s"),
        ("no text, facets", "game=Chess&priceMax=30&sort=rating"),
    ];
    println!(
        "index of {} listings, {} words, built in {built:?}",
        idx.len(),
        idx.vocabulary_len()
    );
    // Index updates hold the server's write lock, so they matter for search latency too.
    let mut idx = idx;
    let some: Vec<Listing> = (0..200)
        .filter_map(|i| idx.get(&format!("agt_{:05}", i * 50)).cloned())
        .collect();
    let t = Instant::now();
    for l in &some {
        let mut l = l.clone();
        l.popularity += 1.0;
        idx.upsert(l);
    }
    println!("upsert, same text: {:?} per listing", t.elapsed() / 200);
    let t = Instant::now();
    for l in &some {
        let mut l = l.clone();
        l.agent.description.push_str(" freshly edited");
        idx.upsert(l);
    }
    println!("upsert, new text: {:?} per listing", t.elapsed() / 200);
    for (label, raw) in queries {
        let q = SearchQuery::from_pairs(raw.split('&').map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.into(), v.replace('+', " ").into())
        }))
        .expect("valid query");
        let runs = 50u32;
        let mut total = 0;
        let t = Instant::now();
        for _ in 0..runs {
            total = idx.search(&q).expect("search").total;
        }
        println!(
            "{label:>16}: {:?} per query, {total} matches",
            t.elapsed() / runs
        );
    }
}

/// Ids that agree on their first 16 bytes (the index ranks by that prefix and reads the
/// whole id only on a tie) still sort, page and resume by the whole id.
#[test]
fn ids_with_one_long_prefix_sort_and_page_by_the_whole_id() {
    let stem = "agt_0123456789AB"; // 16 bytes
    let names = [
        format!("{stem}Z"),
        stem.to_owned(),
        format!("{stem}\u{0}"),
        format!("{stem}A"),
        format!("{stem}AA"),
        "agt_0".to_owned(),
    ];
    let idx = index(names.iter().map(|id| listing(id, "Agent")));
    let mut want: Vec<String> = names.to_vec();
    want.sort();
    assert_eq!(ids(&idx, &SearchQuery::default()), want);
    // Two at a time, each cursor pointing between ids that share the prefix.
    let mut q = SearchQuery {
        limit: 2,
        ..SearchQuery::default()
    };
    let mut seen = Vec::new();
    loop {
        let page = idx.search(&q).expect("page");
        seen.extend(page.items.into_iter().map(|l| l.agent.id));
        match page.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, want);
}

#[test]
fn pages_chosen_while_streaming_match_a_full_sort_with_ties_and_shared_prefixes() {
    // More candidates than the page buffer holds (it is cut back to the best as it fills),
    // with ties on every sort value and ids equal in their first 16 bytes, so the bound
    // must keep equal keys for the whole-id comparison.
    let mut all: Vec<Listing> = (0..3_000)
        .map(|i| {
            let mut l = listing(
                &format!("agt_0123456789AB{:04}", (i * 7919) % 3_000),
                "Agent",
            );
            l.popularity = f64::from(i % 5);
            l.rating = f64::from(i % 3);
            l
        })
        .collect();
    let idx = index(all.clone());
    all.sort_by(|a, b| {
        b.popularity
            .total_cmp(&a.popularity)
            .then(b.rating.total_cmp(&a.rating))
            .then(b.total_hires.cmp(&a.total_hires))
            .then(a.agent.id.cmp(&b.agent.id))
    });
    let want: Vec<String> = all.into_iter().map(|l| l.agent.id).collect();
    assert_eq!(walk(&idx, &SearchQuery::default(), 7), want);
    assert_eq!(walk(&idx, &SearchQuery::default(), 100), want);
}
