//! Marketplace search latency over loopback with 10 000 published listings (or
//! `JIGA_BENCH_LISTINGS`: the catalogue's size is the parameter that matters).
//!
//! Run with: `cargo bench -p jiga-server --bench search` (`JIGA_BENCH_LISTINGS=100000 …`)
//!
//! The listings are real agents in storage (created and published through the server's
//! storage layer), indexed at start as in production. Queries go over HTTP to the embedded
//! server, one at a time, rotating through faceted text queries; latency is measured at the
//! client, request sent to body read (target: p99 under 5 ms).

// A benchmark reports its figures on stdout.
#![allow(clippy::print_stdout)]

mod common;

use std::time::Instant;

use jiga::model::CreateAgentRequest;

const LISTINGS: usize = 10_000;
const QUERIES: usize = 3_000;

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let listings_n = std::env::var("JIGA_BENCH_LISTINGS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(LISTINGS);
    rt.block_on(async {
        // The answer cache off: five queries in rotation would otherwise be answered from it
        // after their first run, and this measures the engine.
        let b = common::start_with(|c| c.listing_cache_ttl_secs = 0).await;
        let owner = b.user("search-owner").await;
        let claims = b.server.state().tokens.verify(&owner).expect("claims");
        let synth = jiga_server::search::synthetic_listings(listings_n);
        let uid = claims.sub.clone();
        b.server
            .state()
            .db
            .write(move |tx| {
                for (i, l) in synth.into_iter().enumerate() {
                    let a = l.agent;
                    let req = CreateAgentRequest {
                        name: a.name,
                        description: a.description,
                        tags: a.tags,
                        specializations: a.specializations,
                        games: a.games,
                        rank: a.rank,
                        agent_type: a.agent_type,
                        provider: a.provider,
                        has_voice_chat: a.has_voice_chat,
                        has_commentator: a.has_commentator,
                        pricing: a.pricing,
                        actions_per_second: a.actions_per_second,
                        image_url: a.image_url,
                        nationality: a.nationality,
                    };
                    let created = jiga_server::db::agents::create(
                        tx,
                        &uid,
                        req,
                        1_700_000_000_000 + i as i64,
                    )?;
                    jiga_server::db::agents::set_published(
                        tx,
                        &created.id,
                        &uid,
                        true,
                        1_700_000_000_000,
                        &mut Vec::new(),
                    )?;
                }
                Ok::<(), jiga_server::db::DbError>(())
            })
            .await
            .expect("catalogue");
        let listings = b
            .server
            .state()
            .db
            .read(jiga_server::db::agents::all_listings)
            .await
            .expect("listings");
        b.server.state().catalog.upsert_all(listings);
        let queries = [
            "q=strategy&type=coach&type=analyst&hasVoiceChat=true",
            "q=aim%20train&rank=gold&rank=platinum&priceMax=40",
            "q=stratgey&game=Valorant&sort=rating",
            "q=macro&provider=openai&provider=anthropic&ratingMin=3",
            "q=coach&sort=priceAsc&limit=50",
        ];
        let mut lat = Vec::with_capacity(QUERIES);
        for i in 0..QUERIES + 200 {
            let url = format!(
                "{}/v1/marketplace/search?{}",
                b.url,
                queries[i % queries.len()]
            );
            let t = Instant::now();
            let res = b.http.get(&url).send().await.expect("send");
            assert!(res.status().is_success());
            let body = res.bytes().await.expect("body");
            std::hint::black_box(body);
            if i >= 200 {
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
        lat.sort_by(f64::total_cmp);
        // The engine alone, same queries: what the index costs of the latency above.
        let parsed: Vec<jiga_server::search::SearchQuery> = queries
            .iter()
            .map(|q| {
                jiga_server::search::SearchQuery::from_pairs(form_urlencoded::parse(q.as_bytes()))
                    .expect("query")
            })
            .collect();
        let mut engine = Vec::with_capacity(QUERIES);
        {
            let index = b.server.state().catalog.index();
            for i in 0..QUERIES + 200 {
                let t = Instant::now();
                let r = index.index.search(&parsed[i % parsed.len()]).expect("search");
                std::hint::black_box(r);
                if i >= 200 {
                    engine.push(t.elapsed().as_secs_f64() * 1000.0);
                }
            }
        }
        engine.sort_by(f64::total_cmp);
        println!(
            "marketplace search over HTTP, {listings_n} published listings, {QUERIES} faceted queries, answer cache off"
        );
        println!(
            "engine alone (SearchIndex::search): p50 {:.2} ms, p99 {:.2} ms",
            common::pct(&engine, 0.5),
            common::pct(&engine, 0.99)
        );
        println!(
            "p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms (target: p99 under 5 ms)",
            common::pct(&lat, 0.5),
            common::pct(&lat, 0.95),
            common::pct(&lat, 0.99),
            lat[lat.len() - 1]
        );
    });
}
