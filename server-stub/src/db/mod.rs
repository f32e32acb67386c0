//! Storage: SQLite in WAL mode, one writer thread with group commit, a pool of readers.
//!
//! - [`Db::write`] sends a closure to the single writer thread. The writer drains every job
//!   waiting in its queue, runs them in one transaction, commits once (one `fsync` with
//!   `synchronous=FULL`) and only then answers each job (group commit: under load hundreds of
//!   operations share one disk flush, and no operation is acknowledged before it is durable).
//!   See `writer.rs` for what a failing job does to its batch.
//! - [`Db::read`] runs a closure on a reader connection in `spawn_blocking`. WAL lets readers
//!   see the last committed state while the writer works.
//!
//! Queries live beside the domain they serve (`users.rs`, `agents.rs`, `ledger.rs`, …) as
//! functions over a `rusqlite::Connection`, so the same function runs in a read or inside a
//! write job. They fail with [`DbError`]; a closure given to `read` or `write` may fail with
//! any error that a `DbError` converts into (the handlers' `AppError`), so one job can mix
//! storage calls with the rules of the request.

pub mod achievements;
pub mod agents;
pub mod deliveries;
mod error;
pub mod idempotency;
pub mod ledger;
pub mod migrate;
pub mod outbox;
pub mod sessions;
pub mod users;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

use jiga::model::TransactionType;

use parking_lot::Mutex;
use rusqlite::{Connection, OpenFlags};
use tokio::sync::Semaphore;

pub use error::{DbError, DbResult};
pub use writer::WriteStats;

/// The ledger's running totals (transactions per type, DOF consumed, the platform's balance):
/// read from storage once at start, then advanced by the writer as each transaction commits,
/// so `/metrics` never scans the ledger.
#[derive(Debug, Default)]
pub struct LedgerTotals {
    by_type: [AtomicU64; TransactionType::ALL.len()],
    consumed: AtomicI64,
    platform_revenue: AtomicI64,
}

impl LedgerTotals {
    fn add(&self, t: &ledger::Tally) {
        for (slot, n) in self.by_type.iter().zip(t.by_type) {
            slot.fetch_add(n, Ordering::Relaxed);
        }
        self.consumed.fetch_add(t.consumed, Ordering::Relaxed);
        self.platform_revenue
            .fetch_add(t.platform_revenue, Ordering::Relaxed);
    }

    /// Committed transactions per type.
    #[must_use]
    pub fn by_type(&self) -> Vec<(TransactionType, u64)> {
        TransactionType::ALL
            .iter()
            .zip(&self.by_type)
            .map(|(k, n)| (*k, n.load(Ordering::Relaxed)))
            .collect()
    }

    /// DOF consumed by all sessions.
    #[must_use]
    pub fn consumed(&self) -> i64 {
        self.consumed.load(Ordering::Relaxed)
    }

    /// The balance of `platform:revenue`, the platform's share of every settlement.
    #[must_use]
    pub fn platform_revenue(&self) -> i64 {
        self.platform_revenue.load(Ordering::Relaxed)
    }
}

/// Number of reader connections.
const READERS: usize = 4;

/// Where the database lives.
#[derive(Debug)]
enum Location {
    File(PathBuf),
    /// `sqlite::memory:` is a private file in a temporary directory (RAM-backed `/dev/shm`
    /// where there is one), removed at exit. A real in-memory SQLite database cannot be shared
    /// between the writer and the readers without shared-cache locking, which fails instead of
    /// waiting; a throwaway file behaves the same with none of that.
    Temp(tempfile::TempDir),
}

impl Location {
    fn path(&self) -> PathBuf {
        match self {
            Location::File(p) => p.clone(),
            Location::Temp(dir) => dir.path().join("jiga.db"),
        }
    }
}

/// A handle on the database; cheap to clone.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    writer: writer::WriterHandle,
    readers: Mutex<Vec<Connection>>,
    reader_permits: Arc<Semaphore>,
    totals: Arc<LedgerTotals>,
    /// Stops the checkpointer when the last handle goes.
    stop_checkpoints: Arc<AtomicBool>,
    _location: Location,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.stop_checkpoints.store(true, Ordering::Relaxed);
    }
}

/// How often the WAL is checkpointed.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

/// WAL frames past which a checkpoint waits for the writer, so the log restarts from its
/// beginning: under sustained writes a passive checkpoint never catches up with the writer
/// and the WAL would otherwise grow without bound.
const WAL_RESTART_FRAMES: i64 = 16_384;

/// Copies committed WAL frames back into the database every [`CHECKPOINT_EVERY`], passively
/// (never waiting for, nor blocking, the writer or a reader), until `stop`; past
/// [`WAL_RESTART_FRAMES`] it restarts the log instead.
fn spawn_checkpointer(conn: Connection, stop: Arc<AtomicBool>) -> DbResult<()> {
    std::thread::Builder::new()
        .name("jiga-db-checkpoint".into())
        .spawn(move || {
            let mut mode = "PASSIVE";
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(CHECKPOINT_EVERY);
                let sql = format!("PRAGMA wal_checkpoint({mode})");
                match conn.query_row(&sql, [], |r| r.get::<_, i64>(1)) {
                    Ok(frames) if frames > WAL_RESTART_FRAMES => mode = "RESTART",
                    Ok(_) => mode = "PASSIVE",
                    Err(e) => tracing::debug!(error = %e, "checkpoint skipped"),
                }
            }
        })
        .map(|_| ())
        .map_err(|e| DbError::internal(format!("cannot start the checkpoint thread: {e}")))
}

impl Db {
    /// Opens (creating if needed) the database named by a `JIGA_DB` URL and migrates it.
    ///
    /// # Errors
    /// An unsupported URL, or a database that cannot be opened or migrated.
    pub fn open(url: &str) -> DbResult<Db> {
        let (location, durable) = if url == "sqlite::memory:" {
            let base = Path::new("/dev/shm");
            let dir = if base.is_dir() {
                tempfile::tempdir_in(base)
            } else {
                tempfile::tempdir()
            }
            .map_err(|e| DbError::internal(format!("cannot create a temporary database: {e}")))?;
            (Location::Temp(dir), false)
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(DbError::BadUrl {
                    url: url.to_owned(),
                    why: "names no file",
                });
            }
            (Location::File(PathBuf::from(path)), true)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Err(DbError::BadUrl {
                url: url.to_owned(),
                why: "is PostgreSQL, which this build does not support yet; use sqlite://PATH or sqlite::memory:",
            });
        } else {
            return Err(DbError::BadUrl {
                url: url.to_owned(),
                why: "is not sqlite://PATH or sqlite::memory:",
            });
        };
        let path = location.path();
        let mut conn = open_conn(&path, durable)?;
        migrate::run(&mut conn)?;
        // Checkpoints run on a thread of their own (below), not inside the writer's commits,
        // where copying the WAL back into the database and its fsync stalled every caller.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        // Savepoint journals in memory: every job has one.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        // A batch's dirty pages stay in memory until its commit instead of spilling into the
        // WAL mid-transaction (64 MiB).
        conn.pragma_update(None, "cache_size", -65_536)?;
        let stop = Arc::new(AtomicBool::new(false));
        spawn_checkpointer(open_conn(&path, durable)?, stop.clone())?;
        let totals = Arc::new(LedgerTotals::default());
        totals.add(&ledger::totals(&conn)?);
        let writer = writer::spawn(conn, totals.clone())?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let c = open_conn(&path, durable)?;
            c.pragma_update(None, "query_only", true)?;
            readers.push(c);
        }
        Ok(Db {
            inner: Arc::new(Inner {
                writer,
                readers: Mutex::new(readers),
                reader_permits: Arc::new(Semaphore::new(READERS)),
                totals,
                stop_checkpoints: stop,
                _location: location,
            }),
        })
    }

    /// Runs `f` on a reader connection.
    ///
    /// # Errors
    /// Whatever `f` returns, or `Unavailable` when the pool is closed.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let permit = self
            .inner
            .reader_permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| DbError::Unavailable("storage is shutting down"))?;
        let inner = self.inner.clone();
        // The permit moves into the blocking task: a caller that gives up (its request was
        // dropped) must not hand its permit on while its connection is still in use, or the
        // next reader finds the pool empty.
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let conn = inner.readers.lock().pop();
            let Some(conn) = conn else {
                return Err(DbError::internal("reader pool empty despite a permit").into());
            };
            let out = f(&conn);
            inner.readers.lock().push(conn);
            out
        })
        .await
        .map_err(|e| DbError::internal(format!("reader task: {e}")))?
    }

    /// Runs `f` inside the writer's next group-committed transaction and returns once it is
    /// durable. If `f` fails, its changes are rolled back and nothing else is affected.
    ///
    /// # Errors
    /// Whatever `f` returns, or `Unavailable` if the commit failed (then nothing was applied).
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + std::fmt::Display + 'static,
    {
        self.inner.writer.submit(f).await
    }

    /// The ledger's committed totals.
    #[must_use]
    pub fn ledger_totals(&self) -> &LedgerTotals {
        &self.inner.totals
    }

    /// Counters of the writer: commits and jobs so far.
    #[must_use]
    pub fn write_stats(&self) -> WriteStats {
        self.inner.writer.stats()
    }

    /// True when storage answers a trivial query.
    pub async fn ping(&self) -> bool {
        self.read(|c| -> DbResult<i64> { Ok(c.query_row("SELECT 1", [], |r| r.get(0))?) })
            .await
            .is_ok()
    }
}

fn open_conn(path: &Path, durable: bool) -> DbResult<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| {
        DbError::internal(format!("cannot open database '{}': {e}", path.display()))
    })?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: a commit is on disk when acknowledged. The throwaway in-memory database skips fsync.
    conn.pragma_update(None, "synchronous", if durable { "FULL" } else { "OFF" })?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn regression_cancelled_read_keeps_its_permit_until_its_connection_is_back() {
        let db = Db::open("sqlite::memory:").expect("open");
        for _ in 0..READERS {
            let slow = db.read(|_| {
                std::thread::sleep(std::time::Duration::from_millis(300));
                Ok::<(), DbError>(())
            });
            // Gives up long before the read is done.
            let _ = tokio::time::timeout(std::time::Duration::from_millis(20), slow).await;
        }
        let reads: Vec<_> = (0..READERS)
            .map(|_| {
                db.read(|c| -> DbResult<i64> { Ok(c.query_row("SELECT 1", [], |r| r.get(0))?) })
            })
            .collect();
        for r in futures_util::future::join_all(reads).await {
            assert_eq!(r.expect("a reader connection"), 1);
        }
    }
}
