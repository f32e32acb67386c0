//! [`Profiles`]: the in-process cache of agent profiles (`GET /v1/agents/{id}` and the
//! visibility check of the routes under it), TTL `--profile-cache-ttl-secs` (600 s).
//!
//! Entries are filed under a generation that every write of an agent bumps (after its commit,
//! before its answer), the same scheme as the catalogue's answers: a read that raced a write
//! files what it read under a generation no later reader asks for, so once a write has been
//! answered, no read returns the agent as it was before it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use jiga::model::Agent;

use crate::db::{self, Db};
use crate::error::AppResult;

/// Profiles held at most.
const CAPACITY: u64 = 10_000;

/// Cached agents by (generation, id).
pub struct Profiles {
    db: Db,
    generation: AtomicU64,
    cache: Option<moka::sync::Cache<(u64, String), Arc<Agent>>>,
}

impl Profiles {
    /// A cache over `db` keeping profiles for `ttl` (zero: no cache).
    #[must_use]
    pub fn new(db: Db, ttl: Duration) -> Self {
        Profiles {
            db,
            generation: AtomicU64::new(0),
            cache: (!ttl.is_zero()).then(|| {
                moka::sync::Cache::builder()
                    .max_capacity(CAPACITY)
                    .time_to_live(ttl)
                    .build()
            }),
        }
    }

    /// The agent `id` (any status; the caller checks visibility), from the cache or storage.
    ///
    /// # Errors
    /// A database failure.
    pub async fn get(&self, id: &str) -> AppResult<Option<Arc<Agent>>> {
        let generation = self.generation.load(Ordering::Acquire);
        let key = (generation, id.to_owned());
        if let Some(hit) = self.cache.as_ref().and_then(|c| c.get(&key)) {
            return Ok(Some(hit));
        }
        let wanted = id.to_owned();
        let Some(agent) = self.db.read(move |c| db::agents::get(c, &wanted)).await? else {
            return Ok(None);
        };
        let agent = Arc::new(agent);
        if let Some(c) = &self.cache {
            c.insert(key, agent.clone());
        }
        Ok(Some(agent))
    }

    /// Forgets every profile: called after each committed write of an agent.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Some(c) = &self.cache {
            c.invalidate_all();
        }
    }
}
