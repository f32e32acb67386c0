//! Marketplace caching (contract v1.2), two figures from one run:
//!
//! 1. Search and listing latency over loopback with the server's in-process answer cache on
//!    (`--listing-cache-ttl-secs 300`) next to off (`0`): two embedded servers with the same
//!    10 000 published listings, the same requests in the same order, sent without validators
//!    (each answer is a full 200), p50/p99 at the client.
//! 2. The share of requests a demo-bot workload gets answered 304: bots built on the real
//!    `jiga::Client` (which keeps answers with their `ETag` and revalidates them) browse the
//!    cached server — featured, categories, a few popular searches, listings of what they saw,
//!    sometimes with reviews — while an owner keeps editing an agent and every listing view
//!    feeds popularity (flushed every 2 s), so answers really change under them.
//!
//! Run with: `cargo bench -p jiga-core --bench marketplace_cache`
//! (`JIGA_BENCH_LISTINGS`, default 10 000; `JIGA_BENCH_ROUNDS`, bot rounds, default 150).

// A benchmark reports its figures on stdout.
#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use jiga::Client;
use jiga::client::transport::{
    BoxFuture, HttpRequest, HttpResponse, HttpTransport, TransportError,
};
use jiga::client::{MemoryTokenStore, ReqwestTransport, SearchParams};
use jiga::model::{CreateAgentRequest, SearchSort, UpdateAgentRequest};
use jiga_server::{Config, RunningServer};

const SEARCHES: &[&str] = &[
    "q=strategy&type=coach&type=analyst&hasVoiceChat=true",
    "q=aim%20train&rank=gold&rank=platinum&priceMax=40",
    "q=stratgey&game=Valorant&sort=rating",
    "q=macro&provider=openai&provider=anthropic&ratingMin=3",
    "sort=popularity&limit=50",
];
const SAMPLES: usize = 2_000;
const BOTS: usize = 8;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// A server with `n` published listings (created through storage, indexed as at start).
async fn server(dir: &tempfile::TempDir, name: &str, n: usize, cache: bool) -> RunningServer {
    let mut config = Config::for_tests(format!(
        "sqlite://{}",
        dir.path().join(format!("{name}.db")).display()
    ));
    if !cache {
        config.listing_cache_ttl_secs = 0;
        config.profile_cache_ttl_secs = 0;
    }
    let server = jiga_server::start(config).await.expect("server");
    let synth = jiga_server::search::synthetic_listings(n);
    server
        .state()
        .db
        .write(move |tx| {
            tx.execute(
                "INSERT INTO users (id, display_name, created_at) VALUES ('usr_bench', 'Bench', 0)",
                [],
            )?;
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
                    "usr_bench",
                    req,
                    1_700_000_000_000 + i as i64,
                )?;
                jiga_server::db::agents::set_published(
                    tx,
                    &created.id,
                    "usr_bench",
                    true,
                    1_700_000_000_000,
                    &mut Vec::new(),
                )?;
            }
            Ok::<(), jiga_server::db::DbError>(())
        })
        .await
        .expect("catalogue");
    server.state().catalog.load().await.expect("index");
    server
}

/// p50/p99 in ms of `paths` sent in turn, `SAMPLES` times after a warm-up, no validators.
async fn latency(http: &reqwest::Client, url: &str, paths: &[String]) -> (f64, f64) {
    let mut lat = Vec::with_capacity(SAMPLES);
    for i in 0..SAMPLES + 200 {
        let t = Instant::now();
        let res = http
            .get(format!("{url}{}", paths[i % paths.len()]))
            .send()
            .await
            .expect("send");
        assert!(res.status().is_success(), "{}", res.status());
        std::hint::black_box(res.bytes().await.expect("body"));
        if i >= 200 {
            lat.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    lat.sort_by(f64::total_cmp);
    (pct(&lat, 0.5), pct(&lat, 0.99))
}

/// Counts the statuses the client's requests got.
struct Counting {
    inner: ReqwestTransport,
    total: Arc<AtomicU64>,
    not_modified: Arc<AtomicU64>,
}

impl HttpTransport for Counting {
    fn send(
        &self,
        req: HttpRequest,
    ) -> BoxFuture<'_, std::result::Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let res = self.inner.send(req).await?;
            self.total.fetch_add(1, Ordering::Relaxed);
            if res.status == 304 {
                self.not_modified.fetch_add(1, Ordering::Relaxed);
            }
            Ok(res)
        })
    }
}

async fn bot(url: String, rounds: usize, seed: usize, total: Arc<AtomicU64>, nm: Arc<AtomicU64>) {
    let transport = Counting {
        inner: ReqwestTransport::new(Duration::from_secs(10), Duration::from_secs(5))
            .expect("transport"),
        total,
        not_modified: nm,
    };
    let c = Client::builder()
        .base_url(&url)
        .token_store(Arc::new(MemoryTokenStore::default()))
        .http_transport(Arc::new(transport))
        .build()
        .expect("client");
    c.sign_in_device(&format!("bench-bot-{seed}"))
        .await
        .expect("sign in");
    let searches = [
        SearchParams::new().q("strategy"),
        SearchParams::new().q("aim").sort(SearchSort::Rating),
        SearchParams::new().sort(SearchSort::Newest).limit(20),
    ];
    for r in 0..rounds {
        let featured = c.featured().await.expect("featured");
        c.categories().await.expect("categories");
        let page = c
            .search(&searches[(r + seed) % searches.len()])
            .await
            .expect("search");
        // Opens one of the featured cards and one search result, like a player browsing.
        if let Some(l) = featured.items.get((r + seed) % featured.items.len().max(1)) {
            if r % 5 == 0 {
                c.listing_with_reviews(&l.agent.id).await.expect("expanded");
            } else {
                c.listing(&l.agent.id).await.expect("listing");
            }
        }
        if let Some(l) = page.items.get(r % page.items.len().max(1)) {
            c.listing(&l.agent.id).await.expect("listing");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let n = env("JIGA_BENCH_LISTINGS", 10_000);
        let rounds = env("JIGA_BENCH_ROUNDS", 150);
        let dir = tempfile::tempdir_in(
            std::env::var("JIGA_BENCH_DIR").unwrap_or_else(|_| ".".into()),
        )
        .expect("tempdir");
        let on = server(&dir, "on", n, true).await;
        let off = server(&dir, "off", n, false).await;
        let searches: Vec<String> = SEARCHES
            .iter()
            .map(|q| format!("/v1/marketplace/search?{q}"))
            .collect();
        // The same 50 most popular listings on each server (ids differ between them).
        let listings = |s: &RunningServer| -> Vec<String> {
            s.state()
                .catalog
                .index()
                .index
                .featured(50)
                .into_iter()
                .map(|l| format!("/v1/marketplace/listings/{}", l.agent.id))
                .collect()
        };
        let paths = [
            ("search", [searches.clone(), searches.clone()]),
            ("listing", [listings(&off), listings(&on)]),
        ];
        let http = reqwest::Client::new();
        println!(
            "marketplace answers over HTTP, {n} published listings, {SAMPLES} requests each, no validators"
        );
        for (what, per_server) in &paths {
            // Alternating rounds, so neither server has the warmer machine.
            let mut best = [(f64::MAX, f64::MAX); 2];
            for _ in 0..2 {
                for (i, s) in [&off, &on].into_iter().enumerate() {
                    let (p50, p99) = latency(&http, &s.url(), &per_server[i]).await;
                    best[i] = (best[i].0.min(p50), best[i].1.min(p99));
                }
            }
            println!(
                "{what:8} cache off: p50 {:.3} ms, p99 {:.3} ms | cache on: p50 {:.3} ms, p99 {:.3} ms",
                best[0].0, best[0].1, best[1].0, best[1].1
            );
        }

        // The demo-bot workload on the cached server, with an owner editing meanwhile.
        let total = Arc::new(AtomicU64::new(0));
        let nm = Arc::new(AtomicU64::new(0));
        let url = on.url();
        let editor = {
            let url = url.clone();
            tokio::spawn(async move {
                let owner = Client::builder().base_url(&url).build().expect("client");
                owner.sign_in_device("bench-editor").await.expect("sign in");
                let mut req = jiga::model::CreateAgentRequest {
                    name: "Strategy Coach Live".into(),
                    ..serde_json::from_value(serde_json::json!({
                        "name": "x", "rank": "gold", "type": "coach", "provider": "openai",
                        "pricing": {"perMinute": 10, "perAction": 0}
                    }))
                    .expect("request")
                };
                req.description = "edited live".into();
                let agent = owner.create_agent(&req).await.expect("create");
                owner.publish_agent(&agent.id).await.expect("publish");
                for i in 0.. {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    let _ = owner
                        .update_agent(
                            &agent.id,
                            &UpdateAgentRequest {
                                description: Some(format!("edit {i}")),
                                ..UpdateAgentRequest::default()
                            },
                        )
                        .await;
                }
            })
        };
        let started = Instant::now();
        let bots: Vec<_> = (0..BOTS)
            .map(|i| tokio::spawn(bot(url.clone(), rounds, i, total.clone(), nm.clone())))
            .collect();
        for b in bots {
            b.await.expect("bot");
        }
        editor.abort();
        let (t, m) = (total.load(Ordering::Relaxed), nm.load(Ordering::Relaxed));
        println!(
            "demo-bot workload: {BOTS} bots x {rounds} rounds in {:.1} s, {t} requests, {m} answered 304 ({:.1} %)",
            started.elapsed().as_secs_f64(),
            100.0 * m as f64 / t.max(1) as f64
        );
        on.shutdown().await;
        off.shutdown().await;
    });
}
