//! [`Catalog`]: the marketplace as served — the in-memory [`SearchIndex`] of published
//! listings, the listing views counted since the last flush, and the cache of finished
//! answers — with its background chore, which writes the views to storage and refreshes the
//! listings they changed.
//!
//! # The answer cache (contract v1.2, caching)
//! Public marketplace answers (search, listing, featured, categories) are cached as finished
//! bytes with their validator ([`Answer`]) in a `moka` cache, under the index's *generation*:
//! every change of the index — a listing refreshed, added or dropped — bumps it while holding
//! the index's write lock, and an answer is computed from the index and filed under the
//! generation it read, both under one read lock. So an answer computed before a change is filed
//! under a generation no later reader asks for: a write invalidates every answer it could
//! change at once, and no race between a reader and a writer can put a stale answer back. The
//! cache is bounded in bytes and by its TTL (`--listing-cache-ttl-secs`, 300 s); with a TTL of
//! 0 there is no cache and every answer is computed (the ETag is the same either way).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use parking_lot::{Mutex, RwLock, RwLockReadGuard};
use sha2::Digest;
use tokio_util::sync::CancellationToken;

use crate::db::{self, Db};
use crate::error::AppResult;
use crate::search::SearchIndex;

/// How often counted views are written to storage.
const FLUSH_EVERY: Duration = Duration::from_secs(2);

/// The most bytes of answers the cache holds.
const CACHE_BYTES: u64 = 64 * 1024 * 1024;

/// A finished public answer: its JSON bytes and their validator.
#[derive(Debug)]
pub struct Answer {
    /// The weak validator `W/"<hash of the body>"`. Weak, because the compression layer may
    /// send the same JSON gzip-encoded: the validator names the content, not its encoding.
    pub etag: String,
    /// The JSON body.
    pub body: Bytes,
}

impl Answer {
    /// The answer with `body`, its validator derived from the bytes (so equal bytes always
    /// have equal validators, whatever the cache did, and different bytes different ones).
    #[must_use]
    pub fn new(body: Vec<u8>) -> Answer {
        let hash = sha2::Sha256::digest(&body);
        Answer {
            etag: format!("W/\"{}\"", hex::encode(&hash[..16])),
            body: Bytes::from(body),
        }
    }
}

/// The index with the generation of its content.
pub struct Indexed {
    /// The search index (a cache of storage; rebuilt at start).
    pub index: SearchIndex,
    /// Bumped by every change of `index`.
    pub generation: u64,
}

/// The marketplace's listings, views and answers.
pub struct Catalog {
    db: Db,
    index: RwLock<Indexed>,
    /// Views not yet written, per listing (only listings of the index are counted, so the
    /// map is bounded by the catalogue).
    views: Mutex<HashMap<String, i64>>,
    /// Finished answers by (generation, request); `None` when the cache is off.
    answers: Option<moka::sync::Cache<(u64, String), Arc<Answer>>>,
}

impl Catalog {
    /// An empty catalogue over `db`, caching answers for `ttl` (zero: no cache).
    #[must_use]
    pub fn new(db: Db, ttl: Duration) -> Self {
        let answers = (!ttl.is_zero()).then(|| {
            moka::sync::Cache::builder()
                .max_capacity(CACHE_BYTES)
                .weigher(|k: &(u64, String), v: &Arc<Answer>| {
                    u32::try_from(k.1.len() + v.body.len() + v.etag.len()).unwrap_or(u32::MAX)
                })
                .time_to_live(ttl)
                .build()
        });
        Catalog {
            db,
            index: RwLock::new(Indexed {
                index: SearchIndex::new(),
                generation: 0,
            }),
            views: Mutex::new(HashMap::new()),
            answers,
        }
    }

    /// Reads the index.
    pub fn index(&self) -> RwLockReadGuard<'_, Indexed> {
        self.index.read()
    }

    /// Changes the index and bumps its generation in the same critical section, which drops
    /// every cached answer.
    fn change(&self, f: impl FnOnce(&mut SearchIndex)) {
        let mut w = self.index.write();
        f(&mut w.index);
        w.generation += 1;
        drop(w);
        if let Some(c) = &self.answers {
            c.invalidate_all();
        }
    }

    /// Puts `listings` into the index (at start, and for benchmarks that build a catalogue
    /// behind the server's back).
    pub fn upsert_all(&self, listings: Vec<jiga::model::Listing>) {
        self.change(|index| {
            for l in listings {
                index.upsert(l);
            }
        });
    }

    /// Loads every published listing from storage.
    ///
    /// # Errors
    /// A database failure.
    pub async fn load(&self) -> AppResult<()> {
        let listings = self.db.read(db::agents::all_listings).await?;
        self.upsert_all(listings);
        Ok(())
    }

    /// Re-reads a listing from storage into the index (or drops it if unpublished).
    pub async fn refresh(&self, agent_id: &str) {
        let id = agent_id.to_owned();
        match self.db.read(move |c| db::agents::listing(c, &id)).await {
            Ok(Some(l)) => self.change(|index| index.upsert(l)),
            Ok(None) => self.change(|index| index.remove(agent_id)),
            Err(e) => tracing::warn!(error = %e, agent_id, "could not refresh a listing"),
        }
    }

    /// [`Catalog::refresh`] in the background.
    pub fn refresh_later(self: &Arc<Self>, agent_id: &str) {
        let (catalog, id) = (self.clone(), agent_id.to_owned());
        tokio::spawn(async move { catalog.refresh(&id).await });
    }

    /// The cached answer to `request` at the index's current generation, if any, with that
    /// generation.
    #[must_use]
    pub fn cached(&self, request: &str) -> (u64, Option<Arc<Answer>>) {
        let generation = self.index.read().generation;
        let hit = self
            .answers
            .as_ref()
            .and_then(|c| c.get(&(generation, request.to_owned())));
        (generation, hit)
    }

    /// Files `answer` for `request` under `generation`, the one its data was read at.
    pub fn keep(&self, generation: u64, request: String, answer: Arc<Answer>) {
        if let Some(c) = &self.answers {
            c.insert((generation, request), answer);
        }
    }

    /// The answer to `request`: cached, or computed from the index by `make` under one read
    /// lock and filed under the generation it read. `make` answering `None` (nothing to show)
    /// is not cached.
    ///
    /// # Errors
    /// Whatever `make` fails with (never cached).
    pub fn answer(
        &self,
        request: &str,
        make: impl FnOnce(&SearchIndex) -> AppResult<Option<Vec<u8>>>,
    ) -> AppResult<Option<Arc<Answer>>> {
        let read = self.index.read();
        let key = (read.generation, request.to_owned());
        if let Some(hit) = self.answers.as_ref().and_then(|c| c.get(&key)) {
            return Ok(Some(hit));
        }
        let Some(body) = make(&read.index)? else {
            return Ok(None);
        };
        drop(read);
        let answer = Arc::new(Answer::new(body));
        if let Some(c) = &self.answers {
            c.insert(key, answer.clone());
        }
        Ok(Some(answer))
    }

    /// Counts a view of a published listing; false when it is not in the marketplace.
    pub fn count_view(&self, agent_id: &str) -> bool {
        if self.index.read().index.get(agent_id).is_none() {
            return false;
        }
        *self.views.lock().entry(agent_id.to_owned()).or_default() += 1;
        true
    }

    /// Writes counted views to storage and refreshes the listings' popularity.
    pub async fn flush_views(&self) {
        let views: Vec<(String, i64)> = self.views.lock().drain().collect();
        if views.is_empty() {
            return;
        }
        let ids: Vec<String> = views.iter().map(|(id, _)| id.clone()).collect();
        let res = self
            .db
            .write(move |tx| {
                let now = crate::ids::now_millis();
                for (id, n) in &views {
                    db::agents::bump(tx, id, db::agents::Stat::Views(*n))?;
                    // One bus event per listing and flush, carrying the count: a view is a
                    // read, and an event per read would make every read a write.
                    db::outbox::record(
                        tx,
                        "listing.viewed",
                        serde_json::json!({"agentId": id, "views": n}),
                        &[],
                        now,
                    )?;
                }
                Ok::<(), db::DbError>(())
            })
            .await;
        if let Err(e) = res {
            tracing::warn!(error = %e, "could not store listing views");
            return;
        }
        for id in ids {
            self.refresh(&id).await;
        }
    }

    /// The catalogue's chore: flushes views every two seconds, and once more at shutdown.
    pub fn spawn_chores(self: &Arc<Self>, shutdown: CancellationToken) {
        let catalog = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(FLUSH_EVERY);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    () = shutdown.cancelled() => break,
                }
                catalog.flush_views().await;
            }
            catalog.flush_views().await;
        });
    }
}
