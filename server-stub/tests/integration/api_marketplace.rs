//! Tests: api_marketplace. Search (text: prefix, typo, AND; filters; sorts; disjunctive
//! facets; totals; keyset pages), featured, categories and single listings, over small
//! catalogues of made-up words in a fresh store.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

/// The catalogue: name → agent id.
struct Catalogue {
    ids: BTreeMap<&'static str, String>,
}

impl Catalogue {
    /// The names of the listed agents, in the answer's order.
    fn names(&self, items: &Value) -> Vec<&'static str> {
        items
            .as_array()
            .expect("items")
            .iter()
            .map(|l| {
                let id = l["id"].as_str().expect("id");
                *self
                    .ids
                    .iter()
                    .find(|(_, v)| v.as_str() == id)
                    .unwrap_or_else(|| panic!("unknown listing {id}"))
                    .0
            })
            .collect()
    }
}

/// Five published agents with distinctive words:
///
/// | name | rank | type | provider | games | perMinute | voice |
/// |---|---|---|---|---|---|---|
/// | Zorblax Tactician | gold | coach | openai | quibbleball | 5 | yes |
/// | Zorblax Sentinel | silver | teammate | anthropic | quibbleball, chess | 10 | no |
/// | Glimmerfen Oracle | gold | analyst | openai | chess | 20 | no |
/// | Krundle Bash | diamond | opponent | mistral | snorkelwar | 30 | yes |
/// | Plinth Vexor | gold | teammate | anthropic | snorkelwar | 15 | no |
async fn catalogue(ts: &TestServer) -> Catalogue {
    let specs: [(&'static str, Value); 5] = [
        (
            "tactician",
            json!({"name": "Zorblax Tactician", "rank": "gold", "type": "coach", "provider": "openai",
            "games": ["quibbleball"], "tags": ["flummox"], "pricing": {"perMinute": 5, "perAction": 0}, "hasVoiceChat": true}),
        ),
        (
            "sentinel",
            json!({"name": "Zorblax Sentinel", "rank": "silver", "type": "teammate", "provider": "anthropic",
            "games": ["quibbleball", "chess"], "pricing": {"perMinute": 10, "perAction": 0}}),
        ),
        (
            "oracle",
            json!({"name": "Glimmerfen Oracle", "rank": "gold", "type": "analyst", "provider": "openai",
            "games": ["chess"], "description": "A wobbly, thoughtful reader of boards.", "specializations": ["gambits"],
            "pricing": {"perMinute": 20, "perAction": 0}}),
        ),
        (
            "bash",
            json!({"name": "Krundle Bash", "rank": "diamond", "type": "opponent", "provider": "mistral",
            "games": ["snorkelwar"], "pricing": {"perMinute": 30, "perAction": 0}, "hasVoiceChat": true, "hasCommentator": true}),
        ),
        (
            "vexor",
            json!({"name": "Plinth Vexor", "rank": "gold", "type": "teammate", "provider": "anthropic",
            "games": ["snorkelwar"], "pricing": {"perMinute": 15, "perAction": 0}}),
        ),
    ];
    let mut ids = BTreeMap::new();
    for (key, extra) in specs {
        let (_, id) = ts.published_agent(extra).await;
        ids.insert(key, id);
    }
    Catalogue { ids }
}

async fn search(ts: &TestServer, query: &str) -> Resp {
    let r = ts
        .get(&format!("/v1/marketplace/search?{query}"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.body);
    r
}

/// The names matched by `query`, sorted (for tests about the set, not the order).
async fn matched(ts: &TestServer, cat: &Catalogue, query: &str) -> Vec<&'static str> {
    let r = search(ts, query).await;
    let mut names = cat.names(&r.body["items"]);
    assert_eq!(
        r.body["total"].as_u64(),
        Some(names.len() as u64),
        "{query}: total counts every match: {}",
        r.body
    );
    names.sort_unstable();
    names
}

/// A facet without its zero counts.
fn facet(body: &Value, name: &str) -> BTreeMap<String, u64> {
    body["facets"][name]
        .as_object()
        .unwrap_or_else(|| panic!("facet {name}: {body}"))
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().expect("count")))
        .filter(|(_, n)| *n > 0)
        .collect()
}

fn counts(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect()
}

/// Walks every page of `query` with `limit`; returns the ids in order and the page count.
async fn walk(ts: &TestServer, query: &str, limit: u32) -> (Vec<String>, usize) {
    let mut ids = Vec::new();
    let mut pages = 0;
    let mut cursor: Option<String> = None;
    loop {
        let mut q = format!("{query}&limit={limit}");
        if let Some(c) = &cursor {
            q.push_str(&format!("&cursor={c}"));
        }
        let r = search(ts, &q).await;
        let items = r.body["items"].as_array().expect("items");
        assert!(items.len() <= limit as usize);
        ids.extend(
            items
                .iter()
                .map(|l| l["id"].as_str().expect("id").to_owned()),
        );
        pages += 1;
        assert!(pages <= 100, "the walk ends");
        match r.body["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    (ids, pages)
}

/// A funded hirer hires `agent`, ends the session and reviews it with `rating`.
async fn reviewed(ts: &TestServer, agent: &str, rating: u8) {
    let (hirer, _) = ts.funded_user(1000).await;
    let session = ts.hire(&hirer, agent, 100).await;
    let r = ts
        .post_idem(
            &format!("/v1/sessions/{session}/end"),
            &hirer,
            None,
            &unique("end"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = ts
        .post(
            &format!("/v1/agents/{agent}/reviews"),
            Some(&hirer),
            json!({"sessionId": session, "rating": rating, "text": ""}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

#[tokio::test]
async fn q_matches_word_prefixes_case_insensitively_in_every_text_field() {
    let ts = TestServer::start().await;
    let cat = catalogue(&ts).await;
    assert_eq!(
        matched(&ts, &cat, "q=zorb").await,
        ["sentinel", "tactician"]
    );
    assert_eq!(
        matched(&ts, &cat, "q=ZORBLAX").await,
        ["sentinel", "tactician"]
    );
    assert_eq!(
        matched(&ts, &cat, "q=zorblax").await,
        ["sentinel", "tactician"]
    );
    // Description, tags, specializations and games are searched too.
    assert_eq!(matched(&ts, &cat, "q=wobbl").await, ["oracle"]);
    assert_eq!(matched(&ts, &cat, "q=flummox").await, ["tactician"]);
    assert_eq!(matched(&ts, &cat, "q=gambit").await, ["oracle"]);
    assert_eq!(matched(&ts, &cat, "q=snorkel").await, ["bash", "vexor"]);
    // A prefix is of a word, not of any substring.
    assert!(matched(&ts, &cat, "q=blax").await.is_empty());
    // Words are split at every non-alphanumeric character, in the text and in q.
    assert_eq!(
        matched(&ts, &cat, "q=thoughtful%2Creader").await,
        ["oracle"]
    );
}

#[tokio::test]
async fn q_words_of_five_letters_or_more_match_with_one_typo() {
    let ts = TestServer::start().await;
    let cat = catalogue(&ts).await;
    // zorblax: substitution, transposition, deletion, insertion.
    for typo in ["zorblux", "zobrlax", "zorblx", "zorbllax"] {
        assert_eq!(
            matched(&ts, &cat, &format!("q={typo}")).await,
            ["sentinel", "tactician"],
            "q={typo}"
        );
    }
    // plinth (6 letters): one substitution.
    assert_eq!(matched(&ts, &cat, "q=plinch").await, ["vexor"]);
    // Two typos are too many.
    assert!(matched(&ts, &cat, "q=zurblux").await.is_empty());
    // bash (4 letters) matches exactly but not with a typo.
    assert_eq!(matched(&ts, &cat, "q=bash").await, ["bash"]);
    assert!(matched(&ts, &cat, "q=bosh").await.is_empty());
    assert!(matched(&ts, &cat, "q=bahs").await.is_empty());
}

#[tokio::test]
async fn every_word_of_q_must_match() {
    let ts = TestServer::start().await;
    let cat = catalogue(&ts).await;
    assert_eq!(matched(&ts, &cat, "q=zorblax+sentinel").await, ["sentinel"]);
    assert_eq!(
        matched(&ts, &cat, "q=zorblax+quibbleball").await,
        ["sentinel", "tactician"]
    );
    assert_eq!(matched(&ts, &cat, "q=zorblax+chess").await, ["sentinel"]);
    assert!(matched(&ts, &cat, "q=zorblax+oracle").await.is_empty());
    let r = search(&ts, "q=zorblax+oracle").await;
    assert_eq!(r.body["total"], 0);
    assert!(r.body["nextCursor"].is_null());
}

#[tokio::test]
async fn filters_or_within_a_parameter_and_across_parameters() {
    let ts = TestServer::start().await;
    let cat = catalogue(&ts).await;
    assert_eq!(
        matched(&ts, &cat, "rank=gold").await,
        ["oracle", "tactician", "vexor"]
    );
    assert_eq!(
        matched(&ts, &cat, "rank=gold&rank=diamond").await,
        ["bash", "oracle", "tactician", "vexor"]
    );
    assert_eq!(
        matched(&ts, &cat, "rank=gold&type=teammate").await,
        ["vexor"]
    );
    assert_eq!(
        matched(&ts, &cat, "type=teammate&type=coach").await,
        ["sentinel", "tactician", "vexor"]
    );
    assert_eq!(
        matched(&ts, &cat, "type=teammate&type=coach&provider=anthropic").await,
        ["sentinel", "vexor"]
    );
    assert_eq!(
        matched(&ts, &cat, "provider=openai").await,
        ["oracle", "tactician"]
    );
    assert_eq!(
        matched(&ts, &cat, "provider=openai&provider=mistral").await,
        ["bash", "oracle", "tactician"]
    );
    assert_eq!(
        matched(&ts, &cat, "game=chess").await,
        ["oracle", "sentinel"]
    );
    assert_eq!(
        matched(&ts, &cat, "game=chess&game=snorkelwar").await,
        ["bash", "oracle", "sentinel", "vexor"]
    );
    assert_eq!(
        matched(&ts, &cat, "game=chess&game=snorkelwar&rank=gold").await,
        ["oracle", "vexor"]
    );
    assert_eq!(
        matched(&ts, &cat, "hasVoiceChat=true").await,
        ["bash", "tactician"]
    );
    assert_eq!(
        matched(&ts, &cat, "hasVoiceChat=false").await,
        ["oracle", "sentinel", "vexor"]
    );
    assert_eq!(matched(&ts, &cat, "hasCommentator=true").await, ["bash"]);
    assert_eq!(
        matched(&ts, &cat, "q=zorblax&hasVoiceChat=false").await,
        ["sentinel"]
    );
    assert!(matched(&ts, &cat, "rank=master").await.is_empty());
}

#[tokio::test]
async fn price_bounds_are_inclusive_on_per_minute() {
    let ts = TestServer::start().await;
    let cat = catalogue(&ts).await;
    assert_eq!(
        matched(&ts, &cat, "priceMin=10&priceMax=20").await,
        ["oracle", "sentinel", "vexor"]
    );
    assert_eq!(matched(&ts, &cat, "priceMin=30").await, ["bash"]);
    assert_eq!(matched(&ts, &cat, "priceMax=5").await, ["tactician"]);
    assert_eq!(
        matched(&ts, &cat, "priceMin=15&priceMax=15").await,
        ["vexor"]
    );
    assert!(matched(&ts, &cat, "priceMin=31").await.is_empty());
    assert!(
        matched(&ts, &cat, "priceMin=11&priceMax=14")
            .await
            .is_empty()
    );
    for bad in [
        "priceMin=1.5",
        "priceMax=-1",
        "priceMin=abc",
        "priceMin=20&priceMax=10",
    ] {
        ts.get(&format!("/v1/marketplace/search?{bad}"), None)
            .await
            .assert_error(400, "invalid_argument");
    }
}

#[tokio::test]
async fn rating_min_keeps_listings_rated_at_least_that() {
    let ts = TestServer::start().await;
    let (_, five) = ts
        .published_agent(json!({"name": "Fivestar Quaddle"}))
        .await;
    let (_, three) = ts
        .published_agent(json!({"name": "Threestar Quaddle"}))
        .await;
    let (_, unrated) = ts.published_agent(json!({"name": "Unrated Quaddle"})).await;
    reviewed(&ts, &five, 5).await;
    reviewed(&ts, &three, 3).await;
    let ids = |r: &Resp| -> BTreeSet<String> {
        r.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|l| l["id"].as_str().expect("id").to_owned())
            .collect()
    };
    let r = search(&ts, "ratingMin=4").await;
    assert_eq!(ids(&r), BTreeSet::from([five.clone()]), "{}", r.body);
    let r = search(&ts, "ratingMin=3").await;
    assert_eq!(
        ids(&r),
        BTreeSet::from([five.clone(), three.clone()]),
        "{}",
        r.body
    );
    let r = search(&ts, "ratingMin=5").await;
    assert_eq!(ids(&r), BTreeSet::from([five.clone()]), "{}", r.body);
    let r = search(&ts, "ratingMin=0").await;
    assert_eq!(
        ids(&r),
        BTreeSet::from([five.clone(), three.clone(), unrated]),
        "{}",
        r.body
    );
    // sort=rating puts the best first.
    let r = search(&ts, "sort=rating").await;
    let order: Vec<&str> = r.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|l| l["id"].as_str().expect("id"))
        .collect();
    assert_eq!(&order[..2], [five.as_str(), three.as_str()]);
    for bad in ["ratingMin=5.1", "ratingMin=-1", "ratingMin=high"] {
        ts.get(&format!("/v1/marketplace/search?{bad}"), None)
            .await
            .assert_error(400, "invalid_argument");
    }
}

#[tokio::test]
async fn sorts_by_price_and_newest() {
    let ts = TestServer::start().await;
    let cat = catalogue(&ts).await;
    let r = search(&ts, "sort=priceAsc").await;
    assert_eq!(
        cat.names(&r.body["items"]),
        ["tactician", "sentinel", "vexor", "oracle", "bash"]
    );
    let r = search(&ts, "sort=priceDesc").await;
    assert_eq!(
        cat.names(&r.body["items"]),
        ["bash", "oracle", "vexor", "sentinel", "tactician"]
    );
    let r = search(&ts, "sort=newest").await;
    assert_eq!(
        cat.names(&r.body["items"]),
        ["vexor", "bash", "oracle", "sentinel", "tactician"]
    );
    // Sorts combine with filters.
    let r = search(&ts, "sort=priceDesc&rank=gold").await;
    assert_eq!(
        cat.names(&r.body["items"]),
        ["oracle", "vexor", "tactician"]
    );
    for sort in ["relevance", "popularity", "rating"] {
        assert_eq!(
            search(&ts, &format!("sort={sort}")).await.body["total"],
            5,
            "sort={sort}"
        );
    }
    ts.get("/v1/marketplace/search?sort=cheapest", None)
        .await
        .assert_error(400, "invalid_argument");
}

#[tokio::test]
async fn facets_count_alternatives_with_every_other_filter_applied() {
    let ts = TestServer::start().await;
    let _cat = catalogue(&ts).await;

    let r = search(&ts, "").await;
    assert_eq!(r.body["total"], 5);
    assert_eq!(
        facet(&r.body, "rank"),
        counts(&[("gold", 3), ("silver", 1), ("diamond", 1)])
    );
    assert_eq!(
        facet(&r.body, "type"),
        counts(&[
            ("coach", 1),
            ("teammate", 2),
            ("analyst", 1),
            ("opponent", 1)
        ])
    );
    assert_eq!(
        facet(&r.body, "provider"),
        counts(&[("openai", 2), ("anthropic", 2), ("mistral", 1)])
    );
    assert_eq!(
        facet(&r.body, "game"),
        counts(&[("quibbleball", 2), ("chess", 2), ("snorkelwar", 2)])
    );
    assert_eq!(
        facet(&r.body, "hasVoiceChat"),
        counts(&[("true", 2), ("false", 3)])
    );
    assert_eq!(
        facet(&r.body, "hasCommentator"),
        counts(&[("true", 1), ("false", 4)])
    );

    // rank=gold: the rank facet ignores its own filter, the others respect it.
    let r = search(&ts, "rank=gold").await;
    assert_eq!(r.body["total"], 3);
    assert_eq!(
        facet(&r.body, "rank"),
        counts(&[("gold", 3), ("silver", 1), ("diamond", 1)])
    );
    assert_eq!(
        facet(&r.body, "type"),
        counts(&[("coach", 1), ("analyst", 1), ("teammate", 1)])
    );
    assert_eq!(
        facet(&r.body, "provider"),
        counts(&[("openai", 2), ("anthropic", 1)])
    );
    assert_eq!(
        facet(&r.body, "game"),
        counts(&[("quibbleball", 1), ("chess", 1), ("snorkelwar", 1)])
    );
    assert_eq!(
        facet(&r.body, "hasVoiceChat"),
        counts(&[("true", 1), ("false", 2)])
    );

    // rank=gold&type=teammate: each of the two facets sees the other's filter only.
    let r = search(&ts, "rank=gold&type=teammate").await;
    assert_eq!(r.body["total"], 1);
    assert_eq!(
        facet(&r.body, "rank"),
        counts(&[("gold", 1), ("silver", 1)])
    );
    assert_eq!(
        facet(&r.body, "type"),
        counts(&[("coach", 1), ("analyst", 1), ("teammate", 1)])
    );
    assert_eq!(facet(&r.body, "provider"), counts(&[("anthropic", 1)]));

    // The same holds for every facet: game, provider, hasVoiceChat.
    let r = search(&ts, "game=chess").await;
    assert_eq!(r.body["total"], 2);
    assert_eq!(
        facet(&r.body, "game"),
        counts(&[("quibbleball", 2), ("chess", 2), ("snorkelwar", 2)])
    );
    assert_eq!(
        facet(&r.body, "rank"),
        counts(&[("gold", 1), ("silver", 1)])
    );
    let r = search(&ts, "provider=openai&hasVoiceChat=true").await;
    assert_eq!(r.body["total"], 1);
    assert_eq!(
        facet(&r.body, "provider"),
        counts(&[("openai", 1), ("mistral", 1)])
    );
    assert_eq!(
        facet(&r.body, "hasVoiceChat"),
        counts(&[("true", 1), ("false", 1)])
    );
    assert_eq!(facet(&r.body, "type"), counts(&[("coach", 1)]));

    // The text constraint applies to every facet.
    let r = search(&ts, "q=zorblax&rank=gold").await;
    assert_eq!(r.body["total"], 1);
    assert_eq!(
        facet(&r.body, "rank"),
        counts(&[("gold", 1), ("silver", 1)])
    );
    assert_eq!(facet(&r.body, "type"), counts(&[("coach", 1)]));
}

#[tokio::test]
async fn pages_walk_every_listing_exactly_once() {
    let ts = TestServer::start().await;
    let cat = catalogue(&ts).await;
    let mut extra = Vec::new();
    for i in 0..6 {
        let (_, id) = ts.published_agent(json!({"name": format!("Filler Wumpet {i}"), "pricing": {"perMinute": i % 3, "perAction": 0}})).await;
        extra.push(id);
    }
    let all: BTreeSet<String> = cat
        .ids
        .values()
        .cloned()
        .chain(extra.iter().cloned())
        .collect();
    for query in [
        "sort=popularity",
        "sort=priceAsc",
        "sort=priceDesc",
        "sort=newest",
        "sort=rating",
        "q=wumpet",
        "rank=gold",
    ] {
        let (ids, pages) = walk(&ts, query, 3).await;
        let set: BTreeSet<String> = ids.iter().cloned().collect();
        assert_eq!(set.len(), ids.len(), "{query}: no duplicate: {ids:?}");
        let total = search(&ts, query).await.body["total"]
            .as_u64()
            .expect("total");
        assert_eq!(ids.len() as u64, total, "{query}");
        assert_eq!(pages, ids.len().div_ceil(3).max(1), "{query}");
        if query.starts_with("sort=") {
            assert_eq!(set, all, "{query}");
        }
    }
    let (ids, _) = walk(&ts, "q=wumpet", 4).await;
    assert_eq!(
        ids.iter().cloned().collect::<BTreeSet<_>>(),
        extra.iter().cloned().collect::<BTreeSet<_>>()
    );
    // The first page of a walk is the first page of the plain query.
    let first = search(&ts, "sort=priceAsc&limit=3").await;
    let plain = search(&ts, "sort=priceAsc").await;
    assert_eq!(
        first.body["items"].as_array().expect("items")[..],
        plain.body["items"].as_array().expect("items")[..3]
    );
    assert_eq!(first.body["total"], 11);
}

#[tokio::test]
async fn bad_paging_and_parameters_are_refused() {
    let ts = TestServer::start().await;
    ts.published_agent(json!({})).await;
    for bad in [
        "limit=0",
        "limit=101",
        "limit=ten",
        "cursor=not-a-cursor!",
        "sort=bogus",
        "rank=legend",
        "type=healer",
        "hasVoiceChat=yes",
    ] {
        let r = ts.get(&format!("/v1/marketplace/search?{bad}"), None).await;
        r.assert_error(400, "invalid_argument");
        let field = bad.split('=').next().expect("field");
        assert!(
            r.body["error"]["message"]
                .as_str()
                .expect("message")
                .contains(field),
            "{bad}: {}",
            r.body
        );
    }
    assert_eq!(search(&ts, "limit=100").await.body["total"], 1);
    assert_eq!(
        search(&ts, "limit=1").await.body["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

#[tokio::test]
async fn featured_lists_the_ten_most_popular() {
    let ts = TestServer::start().await;
    let mut agents = Vec::new();
    for i in 0..12 {
        agents.push(
            ts.published_agent(json!({"name": format!("Featured Candidate {i}")}))
                .await,
        );
    }
    // Hires make popularity: agent 7 three times, agent 2 twice, agent 9 once.
    let (hirer, _) = ts.funded_user(10_000).await;
    for (idx, times) in [(7usize, 3), (2, 2), (9, 1)] {
        for _ in 0..times {
            ts.hire(&hirer, &agents[idx].1, 100).await;
        }
    }
    // The hire refreshes listings in the background; an owner's change refreshes its listing
    // before answering, from the same stored stats.
    for idx in [7usize, 2, 9] {
        let (owner, id) = &agents[idx];
        let r = ts
            .call(
                reqwest::Method::PATCH,
                &format!("/v1/agents/{id}"),
                Some(owner),
                Some(json!({"description": "popular"})),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let r = ts.get("/v1/marketplace/featured", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let items = r.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 10);
    let top: Vec<&str> = items[..3]
        .iter()
        .map(|l| l["id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        top,
        [
            agents[7].1.as_str(),
            agents[2].1.as_str(),
            agents[9].1.as_str()
        ]
    );
    assert_eq!(items[0]["totalHires"], 3);
    let pops: Vec<f64> = items
        .iter()
        .map(|l| l["popularity"].as_f64().expect("popularity"))
        .collect();
    assert!(
        pops.windows(2).all(|w| w[0] >= w[1]),
        "most popular first: {pops:?}"
    );
    let unique: BTreeSet<&str> = items
        .iter()
        .map(|l| l["id"].as_str().expect("id"))
        .collect();
    assert_eq!(unique.len(), 10);
    // Listings carry the card's fields.
    assert!(
        items[0]["owner"]["id"].is_string() && items[0]["owner"]["displayName"].is_string(),
        "{}",
        items[0]
    );
}

#[tokio::test]
async fn featured_has_fewer_only_when_fewer_are_published() {
    let ts = TestServer::start().await;
    assert_eq!(
        ts.get("/v1/marketplace/featured", None).await.body,
        json!({"items": []})
    );
    for _ in 0..3 {
        ts.published_agent(json!({})).await;
    }
    let (owner, _) = ts.user().await;
    let r = ts.post("/v1/agents", Some(&owner), json!({"name": "Draft", "rank": "gold", "type": "coach", "provider": "x", "pricing": {"perMinute": 1, "perAction": 1}})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(
        ts.get("/v1/marketplace/featured", None).await.body["items"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
}

#[tokio::test]
async fn categories_count_published_games_and_types() {
    let ts = TestServer::start().await;
    let _cat = catalogue(&ts).await;
    // A draft and an unpublished agent do not count.
    let (owner, _) = ts.user().await;
    let r = ts
        .post(
            "/v1/agents",
            Some(&owner),
            json!({"name": "Draft", "rank": "gold", "type": "commentator", "provider": "x",
        "games": ["draftonlygame"], "pricing": {"perMinute": 1, "perAction": 1}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let (owner2, gone) = ts
        .published_agent(json!({"type": "commentator", "games": ["gonegame"]}))
        .await;
    assert_eq!(
        ts.post(
            &format!("/v1/agents/{gone}/unpublish"),
            Some(&owner2),
            json!({})
        )
        .await
        .status,
        StatusCode::OK
    );

    let r = ts.get("/v1/marketplace/categories", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let obj = r.body.as_object().expect("object");
    assert_eq!(
        obj.keys().collect::<BTreeSet<_>>(),
        BTreeSet::from([&"games".to_owned(), &"types".to_owned()])
    );
    let games: BTreeMap<String, u64> = r.body["games"]
        .as_array()
        .expect("games")
        .iter()
        .map(|g| {
            (
                g["game"].as_str().expect("game").to_owned(),
                g["count"].as_u64().expect("count"),
            )
        })
        .collect();
    assert_eq!(
        games,
        counts(&[("quibbleball", 2), ("chess", 2), ("snorkelwar", 2)])
    );
    let types: BTreeMap<String, u64> = r.body["types"]
        .as_array()
        .expect("types")
        .iter()
        .map(|t| {
            (
                t["type"].as_str().expect("type").to_owned(),
                t["count"].as_u64().expect("count"),
            )
        })
        .collect();
    assert_eq!(
        types,
        counts(&[
            ("coach", 1),
            ("teammate", 2),
            ("analyst", 1),
            ("opponent", 1)
        ])
    );
}

#[tokio::test]
async fn a_listing_is_the_published_agent_with_owner_and_stats() {
    let ts = TestServer::start().await;
    let (owner, id) = ts
        .published_agent(json!({"name": "Listed Quimby", "tags": ["calm"]}))
        .await;
    let me = ts.get("/v1/users/me", Some(&owner)).await;
    let r = ts
        .get(&format!("/v1/marketplace/listings/{id}"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let l = &r.body;
    assert_eq!(l["id"], id.as_str());
    assert_eq!(l["name"], "Listed Quimby");
    assert_eq!(l["status"], "published");
    assert_eq!(l["tags"], json!(["calm"]));
    assert_eq!(l["pricing"], json!({"perMinute": 10, "perAction": 1}));
    assert_eq!(l["owner"]["id"], me.body["id"]);
    assert_eq!(l["owner"]["displayName"], me.body["displayName"]);
    assert_eq!(l["ownerId"], me.body["id"]);
    assert_eq!(l["rating"], 0.0);
    assert_eq!(l["reviewCount"], 0);
    assert_eq!(l["totalHires"], 0);
    assert_eq!(l["successRate"], 1.0);
    assert!(l["popularity"].is_number(), "{l}");

    // A draft is not listed, nor an unknown id.
    let r = ts.post("/v1/agents", Some(&owner), json!({"name": "Hidden Draft", "rank": "gold", "type": "coach", "provider": "x", "pricing": {"perMinute": 1, "perAction": 1}})).await;
    let draft = r.body["id"].as_str().expect("id").to_owned();
    ts.get(&format!("/v1/marketplace/listings/{draft}"), None)
        .await
        .assert_error(404, "not_found");
    ts.get(&format!("/v1/marketplace/listings/{draft}"), Some(&owner))
        .await
        .assert_error(404, "not_found");
    ts.get("/v1/marketplace/listings/agt_unknown", None)
        .await
        .assert_error(404, "not_found");
    assert_eq!(search(&ts, "q=hidden").await.body["total"], 0);
}

#[tokio::test]
async fn ties_break_by_popularity() {
    let ts = TestServer::start().await;
    // Three agents at the same price; hires make their popularity 0, 10 and 20.
    let mut agents = Vec::new();
    for name in ["Tiebreak Alpha", "Tiebreak Bravo", "Tiebreak Charlie"] {
        agents.push(
            ts.published_agent(json!({"name": name, "pricing": {"perMinute": 4, "perAction": 0}}))
                .await,
        );
    }
    let (hirer, _) = ts.funded_user(1000).await;
    for (idx, times) in [(0usize, 1), (2, 2)] {
        for _ in 0..times {
            ts.hire(&hirer, &agents[idx].1, 10).await;
        }
        // Refresh the listing from storage before answering (the hire does it in the background).
        let (owner, id) = &agents[idx];
        let r = ts
            .call(
                reqwest::Method::PATCH,
                &format!("/v1/agents/{id}"),
                Some(owner),
                Some(json!({"description": "hired"})),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let want = [
        agents[2].1.clone(),
        agents[0].1.clone(),
        agents[1].1.clone(),
    ];
    for sort in ["priceAsc", "priceDesc", "popularity"] {
        let r = search(&ts, &format!("sort={sort}")).await;
        let got: Vec<String> = r.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|l| l["id"].as_str().expect("id").to_owned())
            .collect();
        assert_eq!(got, want, "sort={sort}: {}", r.body);
    }
}

#[tokio::test]
async fn walking_pages_while_agents_are_published_sees_every_old_listing_once() {
    let ts = TestServer::start().await;
    let mut old = BTreeSet::new();
    for i in 0..7 {
        let (_, id) = ts.published_agent(json!({"name": format!("Steady Walker {i}"), "pricing": {"perMinute": i * 3, "perAction": 0}})).await;
        old.insert(id);
    }
    for sort in ["newest", "priceAsc", "priceDesc", "popularity"] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut n = 0;
        loop {
            let mut q = format!("sort={sort}&limit=2");
            if let Some(c) = &cursor {
                q.push_str(&format!("&cursor={c}"));
            }
            let r = search(&ts, &q).await;
            seen.extend(
                r.body["items"]
                    .as_array()
                    .expect("items")
                    .iter()
                    .map(|l| l["id"].as_str().expect("id").to_owned()),
            );
            // Publish one more between pages, at a price in the middle of the walk.
            n += 1;
            ts.published_agent(json!({"name": format!("Newcomer {sort} {n}"), "pricing": {"perMinute": 7 + n, "perAction": 0}})).await;
            match r.body["nextCursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
            assert!(n < 100, "the walk ends");
        }
        for id in &old {
            assert_eq!(
                seen.iter().filter(|s| *s == id).count(),
                1,
                "sort={sort}: {id} once in {seen:?}"
            );
        }
        let distinct: BTreeSet<&String> = seen.iter().collect();
        assert_eq!(distinct.len(), seen.len(), "sort={sort}: no duplicate");
    }
}

#[tokio::test]
async fn changes_to_an_agent_and_its_owner_reach_the_listing() {
    let ts = TestServer::start().await;
    let (owner, id) = ts
        .published_agent(json!({"name": "Original Pangolid", "rank": "gold"}))
        .await;
    let r = ts
        .call(
            reqwest::Method::PATCH,
            &format!("/v1/agents/{id}"),
            Some(&owner),
            Some(json!({"name": "Renamed Quokkaroo", "rank": "master"})),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(search(&ts, "q=pangolid").await.body["total"], 0);
    assert_eq!(search(&ts, "q=quokkaroo").await.body["total"], 1);
    assert_eq!(search(&ts, "rank=master").await.body["total"], 1);
    assert_eq!(search(&ts, "rank=gold").await.body["total"], 0);
    let l = ts
        .get(&format!("/v1/marketplace/listings/{id}"), None)
        .await;
    assert_eq!(
        (l.body["name"].as_str(), l.body["version"].as_i64()),
        (Some("Renamed Quokkaroo"), Some(2))
    );

    let r = ts
        .call(
            reqwest::Method::PATCH,
            "/v1/users/me",
            Some(&owner),
            Some(json!({"displayName": "Owner Renamed"})),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let l = ts
        .get(&format!("/v1/marketplace/listings/{id}"), None)
        .await;
    assert_eq!(l.body["owner"]["displayName"], "Owner Renamed");
    assert_eq!(
        search(&ts, "q=quokkaroo").await.body["items"][0]["owner"]["displayName"],
        "Owner Renamed"
    );
}

#[tokio::test]
async fn the_default_page_holds_20_listings() {
    let ts = TestServer::start().await;
    for i in 0..21 {
        ts.published_agent(json!({"name": format!("Paged Agent {i}")}))
            .await;
    }
    let r = search(&ts, "").await;
    assert_eq!(r.body["items"].as_array().map(Vec::len), Some(20));
    assert_eq!(r.body["total"], 21);
    let cursor = r.body["nextCursor"].as_str().expect("a second page");
    let r = search(&ts, &format!("cursor={cursor}")).await;
    assert_eq!(r.body["items"].as_array().map(Vec::len), Some(1));
    assert!(r.body["nextCursor"].is_null());
    assert_eq!(
        search(&ts, "limit=100").await.body["items"]
            .as_array()
            .map(Vec::len),
        Some(21)
    );
}
