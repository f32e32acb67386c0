//! [`Catalog`]: the marketplace as served — the in-memory [`SearchIndex`] of published
//! listings and the listing views counted since the last flush — with its background chore,
//! which writes the views to storage and refreshes the listings they changed.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Mutex, RwLock};
use tokio_util::sync::CancellationToken;

use crate::db::{self, Db};
use crate::error::AppResult;
use crate::search::SearchIndex;

/// How often counted views are written to storage.
const FLUSH_EVERY: Duration = Duration::from_secs(2);

/// The marketplace's listings and views.
pub struct Catalog {
    db: Db,
    /// The search index (a cache of storage; rebuilt at start).
    pub index: RwLock<SearchIndex>,
    /// Views not yet written, per listing (only listings of the index are counted, so the
    /// map is bounded by the catalogue).
    views: Mutex<HashMap<String, i64>>,
}

impl Catalog {
    /// An empty catalogue over `db`.
    #[must_use]
    pub fn new(db: Db) -> Self {
        Catalog {
            db,
            index: RwLock::new(SearchIndex::new()),
            views: Mutex::new(HashMap::new()),
        }
    }

    /// Loads every published listing from storage.
    ///
    /// # Errors
    /// A database failure.
    pub async fn load(&self) -> AppResult<()> {
        let listings = self.db.read(db::agents::all_listings).await?;
        let mut index = self.index.write();
        for l in listings {
            index.upsert(l);
        }
        Ok(())
    }

    /// Re-reads a listing from storage into the index (or drops it if unpublished).
    pub async fn refresh(&self, agent_id: &str) {
        let id = agent_id.to_owned();
        match self.db.read(move |c| db::agents::listing(c, &id)).await {
            Ok(Some(l)) => self.index.write().upsert(l),
            Ok(None) => self.index.write().remove(agent_id),
            Err(e) => tracing::warn!(error = %e, agent_id, "could not refresh a listing"),
        }
    }

    /// [`Catalog::refresh`] in the background.
    pub fn refresh_later(self: &Arc<Self>, agent_id: &str) {
        let (catalog, id) = (self.clone(), agent_id.to_owned());
        tokio::spawn(async move { catalog.refresh(&id).await });
    }

    /// The listing of a published agent, counting a view.
    #[must_use]
    pub fn view(&self, agent_id: &str) -> Option<jiga::model::Listing> {
        let listing = self.index.read().get(agent_id).cloned()?;
        *self.views.lock().entry(agent_id.to_owned()).or_default() += 1;
        Some(listing)
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
                for (id, n) in &views {
                    db::agents::bump(tx, id, db::agents::Stat::Views(*n))?;
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
