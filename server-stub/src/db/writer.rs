//! The writer thread: one connection, group commit, a savepoint per job.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::{Connection, Transaction};
use tokio::sync::{mpsc, oneshot};

use super::LedgerTotals;
use super::ledger;
use crate::error::{AppError, AppResult};

/// The most jobs one transaction takes; bounds the latency of the jobs at its front.
const MAX_BATCH: usize = 2048;
/// Jobs waiting for the writer, at most; past this, callers wait for room (backpressure)
/// instead of the queue growing without bound.
const QUEUE: usize = 4 * MAX_BATCH;

trait Job: Send {
    /// Runs inside the open transaction (within the job's own savepoint).
    fn run(&mut self, tx: &Transaction<'_>);
    /// Answers the caller once the transaction's fate is known.
    fn finish(self: Box<Self>, committed: bool);
}

struct TypedJob<T, F> {
    f: Option<F>,
    out: Option<AppResult<T>>,
    reply: oneshot::Sender<AppResult<T>>,
}

impl<T, F> Job for TypedJob<T, F>
where
    T: Send + 'static,
    F: FnOnce(&Transaction<'_>) -> AppResult<T> + Send + 'static,
{
    fn run(&mut self, tx: &Transaction<'_>) {
        let Some(f) = self.f.take() else { return };
        // Savepoint statements are prepared once and cached: a busy writer runs thousands a second.
        let sql = |s: &str| {
            tx.prepare_cached(s)
                .and_then(|mut st| st.execute([]))
                .map(|_| ())
        };
        let out = match sql("SAVEPOINT job") {
            Err(e) => Err(AppError::from(e)),
            Ok(()) => {
                let tally = ledger::tally();
                // A panicking job must not take the writer thread (and every later write) down.
                let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(tx)))
                    .unwrap_or_else(|_| Err(AppError::internal("a write job panicked")));
                let end = if out.is_ok() {
                    sql("RELEASE job")
                } else {
                    ledger::restore_tally(tally);
                    sql("ROLLBACK TO job").and_then(|()| sql("RELEASE job"))
                };
                match end {
                    Ok(()) => out,
                    Err(e) => Err(AppError::from(e)),
                }
            }
        };
        self.out = Some(out);
    }

    fn finish(self: Box<Self>, committed: bool) {
        let out = match self.out {
            // A failed job changed nothing, so its answer stands whatever became of the batch.
            Some(Err(e)) => Err(e),
            Some(Ok(v)) if committed => Ok(v),
            Some(Ok(_)) | None => Err(AppError::Unavailable(
                "storage could not commit; nothing was applied, retry".into(),
            )),
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
    pub(super) async fn submit<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&Transaction<'_>) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
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
            .map_err(|_| AppError::Unavailable("storage writer has stopped".into()))?;
        rx.await
            .map_err(|_| AppError::Unavailable("storage writer has stopped".into()))?
    }

    pub(super) fn stats(&self) -> WriteStats {
        WriteStats {
            commits: self.counters.commits.load(Ordering::Relaxed),
            jobs: self.counters.jobs.load(Ordering::Relaxed),
        }
    }
}

pub(super) fn spawn(mut conn: Connection, totals: Arc<LedgerTotals>) -> AppResult<WriterHandle> {
    let (tx, mut rx) = mpsc::channel::<Box<dyn Job>>(QUEUE);
    let counters = Arc::new(Counters::default());
    let c = counters.clone();
    std::thread::Builder::new()
        .name("jiga-db-writer".into())
        .spawn(move || {
            let mut batch: Vec<Box<dyn Job>> = Vec::with_capacity(MAX_BATCH);
            // The loop ends when every sender is gone (the server shut down).
            while let Some(first) = rx.blocking_recv() {
                batch.push(first);
                while batch.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
                let committed = run_batch(&mut conn, &mut batch);
                let tally = ledger::take_tally();
                if committed {
                    totals.add(&tally);
                }
                c.commits.fetch_add(u64::from(committed), Ordering::Relaxed);
                c.jobs.fetch_add(batch.len() as u64, Ordering::Relaxed);
                for job in batch.drain(..) {
                    job.finish(committed);
                }
            }
        })
        .map_err(|e| AppError::internal(format!("cannot start the writer thread: {e}")))?;
    Ok(WriterHandle { tx, counters })
}

fn run_batch(conn: &mut Connection, batch: &mut [Box<dyn Job>]) -> bool {
    let tx = match conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => {
            tracing::error!(error = %e, "cannot begin a write transaction");
            return false;
        }
    };
    for job in batch.iter_mut() {
        job.run(&tx);
    }
    match tx.commit() {
        Ok(()) => true,
        Err(e) => {
            tracing::error!(error = %e, jobs = batch.len(), "group commit failed; every job in it is refused");
            false
        }
    }
}
