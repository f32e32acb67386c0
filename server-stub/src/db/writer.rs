//! The writer thread: one connection, group commit, no savepoint per job.
//!
//! Jobs of a batch run one after the other in one transaction. A savepoint per job cost a
//! fifth of the writer's throughput, and jobs are written to fail before they write (the
//! ledger checks every balance before its first row; idempotent operations roll their own
//! refusals back, see `idempotency::run_stored`), so a job runs bare and the writer watches
//! `total_changes`:
//! - a job that succeeds, or fails having changed nothing, leaves the batch as it was;
//! - a job that fails after changing rows (a bug, or storage failing mid-job) cannot be undone
//!   alone: the whole transaction rolls back, that job gets its error, the jobs before it are
//!   answered `unavailable` (nothing was applied, retry), and the jobs after it run in the next
//!   transaction. No partial effect ever commits.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::{Connection, Transaction};
use tokio::sync::{mpsc, oneshot};

use super::DbError;
use super::LedgerTotals;
use super::ledger;

/// The most jobs one transaction takes; bounds the latency of the jobs at its front.
const MAX_BATCH: usize = 2048;
/// Jobs waiting for the writer, at most; past this, callers wait for room (backpressure)
/// instead of the queue growing without bound.
const QUEUE: usize = 4 * MAX_BATCH;

/// How a job's run went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ran {
    /// Succeeded, or failed having changed nothing: the batch goes on.
    Clean,
    /// Failed after changing rows: the transaction must roll back.
    Dirty,
}

trait Job: Send {
    /// Runs inside the open transaction.
    fn run(&mut self, tx: &Transaction<'_>) -> Ran;
    /// Answers the caller once the transaction's fate is known.
    fn finish(self: Box<Self>, committed: bool);
}

struct TypedJob<T, E, F> {
    f: Option<F>,
    out: Option<Result<T, E>>,
    reply: oneshot::Sender<Result<T, E>>,
}

impl<T, E, F> Job for TypedJob<T, E, F>
where
    T: Send + 'static,
    E: From<DbError> + Send + std::fmt::Display + 'static,
    F: FnOnce(&Transaction<'_>) -> Result<T, E> + Send + 'static,
{
    fn run(&mut self, tx: &Transaction<'_>) -> Ran {
        let Some(f) = self.f.take() else {
            return Ran::Clean;
        };
        let changes = tx.total_changes();
        let tally = ledger::tally();
        let mark = ledger::mark();
        // A panicking job must not take the writer thread (and every later write) down.
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(tx)))
            .unwrap_or_else(|_| Err(DbError::internal("a write job panicked").into()));
        let ran = match &out {
            Ok(_) => Ran::Clean,
            Err(_) if tx.total_changes() == changes => {
                ledger::restore_tally(tally);
                ledger::rollback_to(mark);
                Ran::Clean
            }
            Err(e) => {
                tracing::error!(error = %e, "a write job failed after writing; its batch rolls back");
                Ran::Dirty
            }
        };
        self.out = Some(out);
        ran
    }

    fn finish(self: Box<Self>, committed: bool) {
        let out = match self.out {
            // A failed job changed nothing that commits, so its answer stands.
            Some(Err(e)) => Err(e),
            Some(Ok(v)) if committed => Ok(v),
            Some(Ok(_)) | None => Err(DbError::Unavailable(
                "storage could not commit; nothing was applied, retry",
            )
            .into()),
        };
        let _ = self.reply.send(out);
    }
}

/// Counters of the writer thread.
#[derive(Clone, Copy, Debug, Default)]
pub struct WriteStats {
    /// Transactions committed.
    pub commits: u64,
    /// Jobs run.
    pub jobs: u64,
}

#[derive(Default)]
struct Counters {
    commits: AtomicU64,
    jobs: AtomicU64,
}

pub(super) struct WriterHandle {
    tx: mpsc::Sender<Box<dyn Job>>,
    counters: Arc<Counters>,
}

impl WriterHandle {
    pub(super) async fn submit<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&Transaction<'_>) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + std::fmt::Display + 'static,
    {
        let (reply, rx) = oneshot::channel();
        let job = Box::new(TypedJob {
            f: Some(f),
            out: None,
            reply,
        });
        self.tx
            .send(job)
            .await
            .map_err(|_| DbError::Unavailable("storage writer has stopped"))?;
        rx.await
            .map_err(|_| DbError::Unavailable("storage writer has stopped"))?
    }

    pub(super) fn stats(&self) -> WriteStats {
        WriteStats {
            commits: self.counters.commits.load(Ordering::Relaxed),
            jobs: self.counters.jobs.load(Ordering::Relaxed),
        }
    }
}

pub(super) fn spawn(
    mut conn: Connection,
    totals: Arc<LedgerTotals>,
) -> super::DbResult<WriterHandle> {
    // Answering a batch wakes hundreds of tasks; from this thread each wake may unpark a
    // runtime worker (a syscall), and the writer measured 40 % of its time doing that. So a
    // committed batch is handed to the runtime in one piece and answered there, while this
    // thread starts on the next batch.
    let runtime = tokio::runtime::Handle::try_current().ok();
    let (tx, mut rx) = mpsc::channel::<Box<dyn Job>>(QUEUE);
    let counters = Arc::new(Counters::default());
    let c = counters.clone();
    std::thread::Builder::new()
        .name("jiga-db-writer".into())
        .spawn(move || {
            let mut batch: Vec<Box<dyn Job>> = Vec::with_capacity(MAX_BATCH);
            loop {
                // Jobs left over from a rolled-back batch go first; otherwise wait for one.
                // The loop ends when every sender is gone (the server shut down).
                if batch.is_empty() {
                    match rx.blocking_recv() {
                        Some(first) => batch.push(first),
                        None => break,
                    }
                }
                let (committed, ran) = run_batch(&mut conn, &mut batch, &mut rx);
                let tally = ledger::take_tally();
                if committed {
                    totals.add(&tally);
                }
                c.commits.fetch_add(u64::from(committed), Ordering::Relaxed);
                c.jobs.fetch_add(ran as u64, Ordering::Relaxed);
                let done: Vec<Box<dyn Job>> = batch.drain(..ran).collect();
                match &runtime {
                    Some(rt) => {
                        rt.spawn(async move {
                            for job in done {
                                job.finish(committed);
                            }
                        });
                    }
                    None => {
                        for job in done {
                            job.finish(committed);
                        }
                    }
                }
            }
        })
        .map_err(|e| DbError::internal(format!("cannot start the writer thread: {e}")))?;
    Ok(WriterHandle { tx, counters })
}

/// Runs the batch in one transaction and commits it. Returns whether it committed and how
/// many jobs ran: all of them, or up to and including a job that failed after writing (the
/// rest wait for the next transaction).
///
/// Jobs that arrive while the batch runs join it (up to [`MAX_BATCH`]) before it commits: the
/// callers answered by the previous commit resubmit while this one runs, and taking them in
/// halves the number of `fsync`s under load instead of committing half-empty batches.
fn run_batch(
    conn: &mut Connection,
    batch: &mut Vec<Box<dyn Job>>,
    rx: &mut mpsc::Receiver<Box<dyn Job>>,
) -> (bool, usize) {
    let tx = match conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => {
            tracing::error!(error = %e, "cannot begin a write transaction");
            return (false, batch.len());
        }
    };
    ledger::begin_batch();
    let mut ran = 0;
    let mut dirty = false;
    'batch: loop {
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if ran == batch.len() {
            break;
        }
        for job in &mut batch[ran..] {
            ran += 1;
            if job.run(&tx) == Ran::Dirty {
                dirty = true;
                break 'batch;
            }
        }
    }
    let flushed = if dirty {
        Ok(())
    } else {
        ledger::flush_batch(&tx)
    };
    ledger::end_batch();
    if dirty {
        // Dropping the transaction rolls it back.
        return (false, ran);
    }
    if let Err(e) = flushed {
        tracing::error!(error = %e, jobs = ran, "cannot write the batch's balances; every job in it is refused");
        return (false, ran);
    }
    match tx.commit() {
        Ok(()) => (true, ran),
        Err(e) => {
            tracing::error!(error = %e, jobs = ran, "group commit failed; every job in it is refused");
            (false, ran)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Db;
    use super::super::DbError;

    fn count(c: &rusqlite::Connection) -> i64 {
        c.query_row("SELECT COUNT(*) FROM webhook_events", [], |r| r.get(0))
            .unwrap_or(-1)
    }

    async fn insert(db: &Db, id: &'static str, then_fail: bool) -> Result<(), DbError> {
        db.write(move |tx| {
            tx.execute(
                "INSERT INTO webhook_events (id, received_at) VALUES (?1, 0)",
                [id],
            )?;
            if then_fail {
                return Err(DbError::internal("refused after writing"));
            }
            Ok(())
        })
        .await
    }

    #[tokio::test]
    async fn a_job_failing_before_writing_leaves_its_batch_alone() {
        let db = Db::open("sqlite::memory:").expect("open");
        let (a, b, c) = tokio::join!(
            insert(&db, "a", false),
            db.write(|_| Err::<(), _>(DbError::internal("refused first"))),
            insert(&db, "c", false),
        );
        assert!(a.is_ok() && c.is_ok());
        assert!(matches!(b, Err(DbError::Internal(_))));
        assert_eq!(
            db.read(|c| Ok::<_, DbError>(count(c))).await.expect("read"),
            2
        );
    }

    #[tokio::test]
    async fn a_job_failing_after_writing_commits_nothing_of_itself() {
        let db = Db::open("sqlite::memory:").expect("open");
        let (a, b, c) = tokio::join!(
            insert(&db, "a", false),
            insert(&db, "b", true),
            insert(&db, "c", false),
        );
        // The failed job keeps its own error; nothing of it is stored.
        assert!(matches!(b, Err(DbError::Internal(_))));
        // A job batched before it may be refused as unavailable (never applied); one after
        // it runs in the next transaction.
        for r in [&a, &c] {
            assert!(matches!(r, Ok(()) | Err(DbError::Unavailable(_))), "{r:?}");
        }
        let stored = db
            .read(|c| -> Result<Vec<String>, DbError> {
                Ok(c.prepare("SELECT id FROM webhook_events ORDER BY id")?
                    .query_map([], |r| r.get::<_, String>(0))?
                    .collect::<Result<Vec<_>, _>>()?)
            })
            .await
            .expect("read");
        assert!(!stored.contains(&"b".to_owned()), "{stored:?}");
        let want: Vec<String> = [("a", &a), ("c", &c)]
            .iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(id, _)| (*id).to_owned())
            .collect();
        assert_eq!(stored, want, "exactly the acknowledged jobs are stored");
    }
}
