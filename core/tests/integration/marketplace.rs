//! `/v1/marketplace/*`: search filters, sorts, facets, listings, featured, categories, and a
//! search stream that walks every page.

use std::collections::HashSet;

use futures_util::TryStreamExt;
use jiga::client::SearchParams;
use jiga::model::{AgentType, Rank, SearchSort};
use jiga::{Dof, Error};

use crate::common::Harness;

#[tokio::test]
async fn search_filters_sorts_and_facets() {
    let h = Harness::start().await;
    let (_, cheap) = h
        .published_agent(|r| {
            r.name = "Cheap Chess Coach".into();
            r.agent_type = AgentType::Coach;
            r.rank = Rank::Silver;
            r.pricing.per_minute = Dof::new(5);
        })
        .await;
    let (_, dear) = h
        .published_agent(|r| {
            r.name = "Grandmaster Analyst".into();
            r.agent_type = AgentType::Analyst;
            r.rank = Rank::Master;
            r.has_commentator = true;
            r.games = vec!["chess".into(), "go".into()];
            r.pricing.per_minute = Dof::new(50);
        })
        .await;
    let c = h.client();

    let all = c.search(&SearchParams::new()).await.expect("search");
    assert_eq!(all.total, 2);
    assert_eq!(all.facets.rank.get("master"), Some(&1));

    let r = c.search(&SearchParams::new().q("coach")).await.expect("q");
    assert_eq!(
        r.items.iter().map(|l| &l.agent.id).collect::<Vec<_>>(),
        vec![&cheap.id]
    );

    let r = c
        .search(
            &SearchParams::new()
                .rank(Rank::Master)
                .rank(Rank::Silver)
                .sort(SearchSort::PriceDesc),
        )
        .await
        .expect("ranks");
    assert_eq!(r.items[0].agent.id, dear.id);
    let r = c
        .search(&SearchParams::new().sort(SearchSort::PriceAsc))
        .await
        .expect("price asc");
    assert_eq!(r.items[0].agent.id, cheap.id);

    let r = c
        .search(
            &SearchParams::new()
                .agent_type(AgentType::Analyst)
                .game("go")
                .has_commentator(true)
                .has_voice_chat(false)
                .provider("openai")
                .price_min(Dof::new(10))
                .price_max(Dof::new(50))
                .rating_min(0.0),
        )
        .await
        .expect("every filter");
    assert_eq!(
        r.items.iter().map(|l| &l.agent.id).collect::<Vec<_>>(),
        vec![&dear.id]
    );
    // A facet ignores its own filter, so the alternatives show.
    let r = c
        .search(&SearchParams::new().agent_type(AgentType::Coach))
        .await
        .expect("type");
    assert_eq!(r.total, 1);
    assert_eq!(r.facets.agent_type.get("analyst"), Some(&1));

    let e = c
        .search(&SearchParams::new().limit(101))
        .await
        .expect_err("limit");
    assert!(matches!(e, Error::InvalidArgument { .. }), "{e:?}");
}

#[tokio::test]
async fn listing_featured_and_categories() {
    let h = Harness::start().await;
    let (_, a) = h.published_agent(|_| {}).await;
    let c = h.client();
    let l = c.listing(&a.id).await.expect("listing");
    assert_eq!((l.agent.id.as_str(), l.review_count), (a.id.as_str(), 0));
    assert!(matches!(
        c.listing("agt_nope").await,
        Err(Error::NotFound { .. })
    ));
    let f = c.featured().await.expect("featured");
    assert_eq!(f.items.len(), 1);
    let cats = c.categories().await.expect("categories");
    assert_eq!(cats.games[0].game, "chess");
    assert_eq!(cats.types[0].count, 1);
}

#[tokio::test]
async fn search_stream_walks_every_listing_exactly_once() {
    let h = Harness::start().await;
    let owner = h.user().await;
    let mut ids = HashSet::new();
    for i in 0..23 {
        let a = owner
            .create_agent(&crate::common::agent_request(&format!("Bot {i}")))
            .await
            .expect("create");
        owner.publish_agent(&a.id).await.expect("publish");
        ids.insert(a.id);
    }
    let seen: Vec<String> = h
        .client()
        .search_stream(SearchParams::new().limit(5))
        .map_ok(|l| l.agent.id)
        .try_collect()
        .await
        .expect("stream");
    assert_eq!(seen.len(), 23, "no duplicate");
    assert_eq!(seen.into_iter().collect::<HashSet<_>>(), ids);
}
