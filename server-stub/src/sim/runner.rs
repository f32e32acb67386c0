//! The per-session task.
//!
//! Each tick it works out what is due — the next started minute, the actions the agent's pace
//! calls for since the last tick, a commentary line, acknowledgements of commands, expiry —
//! and applies all of it in one writer job, then publishes the committed frames. At 1000
//! actions per second a tick every 10 ms carries about ten actions, so a fast session costs one
//! small job per tick rather than one per action.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::future::BoxFuture;
use jiga::model::{CommandRequest, EndReason, EndSessionResponse, SessionStatus};
use parking_lot::Mutex;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::brain::{AgentBrain, BrainFactory};
use crate::catalog::Catalog;
use crate::db::idempotency::{IdemKey, StoredResponse, run_stored};
use crate::db::sessions::{self, Effects, Op, SessionRow};
use crate::db::{Db, DbError};
use crate::error::{AppError, AppResult};
use crate::ids::now_millis;
use crate::metrics::Metrics;
use crate::stream::deps::CommandSink;
use crate::stream::hub::Hub;
use crate::stream::notify::Notifier;

/// The most actions one tick applies; a runner that fell behind catches up over several ticks.
const MAX_ACTIONS_PER_TICK: u64 = 500;
/// Fast agents tick at most this often.
const MIN_TICK: Duration = Duration::from_millis(10);
/// The first commentary comes this long after start, then one every [`COMMENTARY_EVERY_MS`].
const FIRST_COMMENTARY_MS: i64 = 1_000;
const COMMENTARY_EVERY_MS: i64 = 4_000;
/// Consecutive failed ticks after which the session ends with `agent_error`.
const MAX_FAILED_TICKS: u32 = 5;
/// Commands of one session sent and not yet acknowledged, at most (the contract's Limits).
pub const MAX_COMMANDS_IN_FLIGHT: usize = 20;
/// A session's mailbox; with commands bounded above, only ends and commands ever wait in it.
const MAILBOX: usize = MAX_COMMANDS_IN_FLIGHT + 4;

/// A request to a running session.
enum Msg {
    /// The hirer ends the session (idempotently: the answer is stored under the key).
    End {
        key: IdemKey,
        reply: oneshot::Sender<AppResult<StoredResponse>>,
    },
    /// A command for the agent; answered once its acknowledgement is in the stream.
    Command {
        command_id: String,
        data: serde_json::Value,
        reply: oneshot::Sender<AppResult<()>>,
    },
}

/// What a session's task needs of the server; it names no handler state.
pub struct RunnerDeps {
    /// Storage.
    pub db: Db,
    /// Where committed frames are published.
    pub hub: Arc<Hub>,
    /// Where `session.ended` goes.
    pub notifier: Arc<Notifier>,
    /// Refreshed when a session ends (the listing's stats).
    pub catalog: Arc<Catalog>,
    /// Counts emitted events.
    pub metrics: Arc<Metrics>,
    /// Stops every session task (they resume at the next start).
    pub shutdown: CancellationToken,
    /// The platform's share at settlement, in basis points.
    pub fee_bps: u32,
    /// Makes each session's agent.
    pub brains: Arc<dyn BrainFactory>,
}

struct Handle {
    mailbox: mpsc::Sender<Msg>,
    commands: Arc<AtomicUsize>,
}

/// Why a session did not take a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotTaken {
    /// No task runs the session here (it ended, or the server is stopping).
    NotRunning,
    /// [`MAX_COMMANDS_IN_FLIGHT`] commands are already waiting for their acknowledgement.
    Busy,
}

impl CommandSink for Runner {
    fn submit(&self, session_id: &str, req: CommandRequest) -> Option<BoxFuture<'static, ()>> {
        let slot = self.begin_command(session_id).ok()?;
        Some(Box::pin(async move {
            let _ = slot.send(req).await;
        }))
    }
}

/// A command admitted under the session's in-flight bound; the slot is freed when this is
/// dropped, whatever became of the command.
pub struct CommandSlot {
    mailbox: mpsc::Sender<Msg>,
    commands: Arc<AtomicUsize>,
}

impl Drop for CommandSlot {
    fn drop(&mut self) {
        self.commands.fetch_sub(1, Ordering::AcqRel);
    }
}

impl CommandSlot {
    /// Sends the command and waits until its acknowledgement is stored.
    ///
    /// # Errors
    /// `conflict` when the session ended first.
    pub async fn send(self, req: CommandRequest) -> AppResult<()> {
        let ended =
            || AppError::Conflict("the session has ended; it takes no more commands".into());
        let (reply, rx) = oneshot::channel();
        self.mailbox
            .send(Msg::Command {
                command_id: req.command_id,
                data: req.data,
                reply,
            })
            .await
            .map_err(|_| ended())?;
        rx.await.map_err(|_| {
            AppError::Conflict("the session ended before the command was acknowledged".into())
        })?
    }
}

/// The running sessions of this server.
pub struct Runner {
    deps: Arc<RunnerDeps>,
    sessions: Arc<Mutex<HashMap<String, Handle>>>,
}

impl Runner {
    /// A runner with no session yet.
    #[must_use]
    pub fn new(deps: RunnerDeps) -> Self {
        Runner {
            deps: Arc::new(deps),
            sessions: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Number of running sessions.
    pub fn len(&self) -> usize {
        self.sessions.lock().len()
    }

    /// True when no session runs.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when a task runs the session.
    pub fn is_running(&self, session_id: &str) -> bool {
        self.sessions.lock().contains_key(session_id)
    }

    /// Starts the task of an active session.
    pub fn spawn(&self, row: SessionRow) {
        let (tx, rx) = mpsc::channel(MAILBOX);
        self.sessions.lock().insert(
            row.session.id.clone(),
            Handle {
                mailbox: tx,
                commands: Arc::new(AtomicUsize::new(0)),
            },
        );
        let span = tracing::info_span!("session", session_id = %row.session.id);
        let (deps, sessions) = (self.deps.clone(), self.sessions.clone());
        tokio::spawn(tracing::Instrument::instrument(
            async move {
                let id = row.session.id.clone();
                run(&deps, row, rx).await;
                sessions.lock().remove(&id);
            },
            span,
        ));
    }

    /// Resumes every session that was active when the server stopped. Sessions resume where
    /// their stored state left them; the downtime is neither acted nor billed beyond the
    /// minute in progress.
    ///
    /// # Errors
    /// A database failure.
    pub async fn resume_all(&self) -> AppResult<usize> {
        let rows = self.deps.db.read(sessions::active).await?;
        let n = rows.len();
        for row in rows {
            tracing::info!(session_id = %row.session.id, last_seq = row.session.last_seq, "resuming session");
            self.spawn(row);
        }
        Ok(n)
    }

    /// Admits one command for a running session, under its in-flight bound.
    ///
    /// # Errors
    /// [`NotTaken`] saying why not.
    pub fn begin_command(&self, session_id: &str) -> Result<CommandSlot, NotTaken> {
        let sessions = self.sessions.lock();
        let h = sessions.get(session_id).ok_or(NotTaken::NotRunning)?;
        let before = h.commands.fetch_add(1, Ordering::AcqRel);
        let slot = CommandSlot {
            mailbox: h.mailbox.clone(),
            commands: h.commands.clone(),
        };
        if before >= MAX_COMMANDS_IN_FLIGHT {
            return Err(NotTaken::Busy);
        }
        Ok(slot)
    }

    /// Ends a running session for its hirer and returns the stored answer.
    ///
    /// # Errors
    /// `Err(NotRunning)` when no task runs the session, or it stopped before answering
    /// (ended by itself, or the server is shutting down); the caller tells which.
    pub async fn end(
        &self,
        session_id: &str,
        key: IdemKey,
    ) -> Result<AppResult<StoredResponse>, NotTaken> {
        let mailbox = self
            .sessions
            .lock()
            .get(session_id)
            .map(|h| h.mailbox.clone())
            .ok_or(NotTaken::NotRunning)?;
        crate::hooks::reached(crate::hooks::END_BEFORE_SEND, session_id).await;
        let (reply, rx) = oneshot::channel();
        mailbox
            .send(Msg::End { key, reply })
            .await
            .map_err(|_| NotTaken::NotRunning)?;
        rx.await.map_err(|_| NotTaken::NotRunning)
    }

    /// True once the server is shutting down (session tasks stop and resume at next start).
    pub fn stopping(&self) -> bool {
        self.deps.shutdown.is_cancelled()
    }
}

struct Clock {
    /// When this task started acting (start of session, or resume).
    since_ms: i64,
    /// `actions_done` at that moment.
    actions_at_since: u64,
    aps: u64,
    next_commentary_ms: i64,
    commentary_done: u64,
}

impl Clock {
    fn new(row: &SessionRow, now: i64) -> Self {
        let started = row.session.started_at.unix_millis();
        let mut next_commentary_ms = started + FIRST_COMMENTARY_MS;
        if next_commentary_ms < now {
            next_commentary_ms = now + FIRST_COMMENTARY_MS.min(COMMENTARY_EVERY_MS);
        }
        Clock {
            since_ms: now,
            actions_at_since: row.actions_done,
            aps: u64::from(row.agent.actions_per_second.max(1)),
            next_commentary_ms,
            commentary_done: 0,
        }
    }

    fn actions_due(&self, row: &SessionRow, now: i64) -> u64 {
        let elapsed = (now - self.since_ms).max(0) as u64;
        let target = self.actions_at_since + elapsed * self.aps / 1000;
        target
            .saturating_sub(row.actions_done)
            .min(MAX_ACTIONS_PER_TICK)
    }

    fn next_action_ms(&self, row: &SessionRow) -> i64 {
        let n = row.actions_done - self.actions_at_since + 1;
        self.since_ms + (n * 1000).div_ceil(self.aps) as i64
    }
}

fn due_ops(
    row: &mut SessionRow,
    clock: &mut Clock,
    brain: &mut dyn AgentBrain,
    now: i64,
    acks: &mut Vec<String>,
) -> Vec<Op> {
    let mut ops = Vec::new();
    if now >= row.session.expires_at.unix_millis() {
        ops.push(Op::End(EndReason::Expired));
        return ops;
    }
    let minute = ((now - row.session.started_at.unix_millis()).max(0) / 60_000) as u64;
    if minute >= row.minutes_charged {
        // After downtime only the minute in progress is billed.
        row.minutes_charged = minute;
        ops.push(Op::Minute);
    }
    for id in acks.drain(..) {
        ops.push(Op::CommandAck(id));
    }
    if row.agent.has_commentator && now >= clock.next_commentary_ms {
        ops.push(Op::Commentary(brain.commentary(clock.commentary_done)));
        clock.commentary_done += 1;
        clock.next_commentary_ms += COMMENTARY_EVERY_MS;
    }
    let n = clock.actions_due(row, now);
    for i in 0..n {
        ops.push(Op::Action(brain.action(row.actions_done + i)));
    }
    ops
}

fn next_wake(row: &SessionRow, clock: &Clock, now: i64) -> i64 {
    let mut wake = clock
        .next_action_ms(row)
        .min(row.session.expires_at.unix_millis());
    let next_minute = row.session.started_at.unix_millis() + (row.minutes_charged as i64) * 60_000;
    wake = wake.min(next_minute);
    if row.agent.has_commentator {
        wake = wake.min(clock.next_commentary_ms);
    }
    wake.max(
        now + if clock.aps > 100 {
            MIN_TICK.as_millis() as i64
        } else {
            1
        },
    )
}

async fn run(deps: &RunnerDeps, mut row: SessionRow, mut rx: mpsc::Receiver<Msg>) {
    let id = row.session.id.clone();
    let mut brain = deps.brains.brain(&row.session, &row.agent);
    let mut clock = Clock::new(&row, now_millis());
    let mut acks: Vec<String> = Vec::new();
    let mut waiting_acks: Vec<oneshot::Sender<AppResult<()>>> = Vec::new();
    let mut failures = 0u32;
    let shutdown = deps.shutdown.clone();
    let refuse_waiting = |waiting: &mut Vec<oneshot::Sender<AppResult<()>>>| {
        for w in waiting.drain(..) {
            let _ = w.send(Err(AppError::Conflict(
                "session ended before the command was acknowledged".into(),
            )));
        }
    };
    loop {
        let now = now_millis();
        let ops = due_ops(&mut row, &mut clock, brain.as_mut(), now, &mut acks);
        if !ops.is_empty() {
            let fee = deps.fee_bps;
            let snapshot = row.clone();
            let res = deps
                .db
                .write(move |tx| {
                    let mut r = snapshot;
                    let mut out = Effects::default();
                    sessions::apply(tx, &mut r, &ops, fee, now, &mut out)?;
                    Ok::<_, DbError>((r, out))
                })
                .await;
            match res {
                Ok((r, out)) => {
                    failures = 0;
                    row = r;
                    let ended = row.session.status == SessionStatus::Ended;
                    deps.metrics.events_emitted(out.frames.len() as u64);
                    deps.hub.publish(&id, out.frames, ended);
                    deps.notifier.unlocked(&out.unlocked);
                    deps.notifier.send_all(&out.events);
                    for w in waiting_acks.drain(..) {
                        let _ = w.send(Ok(()));
                    }
                    if ended {
                        finish(deps, &row);
                        break;
                    }
                }
                Err(e) => {
                    failures += 1;
                    tracing::warn!(error = %e, failures, "session tick failed");
                    if failures >= MAX_FAILED_TICKS {
                        end_with_error(deps, &mut row).await;
                        refuse_waiting(&mut waiting_acks);
                        break;
                    }
                }
            }
        }
        let wake = next_wake(&row, &clock, now_millis());
        let sleep = tokio::time::sleep(Duration::from_millis((wake - now_millis()).max(0) as u64));
        // Biased, mailbox first: an end (or command) that has arrived is handled even when
        // the shutdown signal is ready at the same time, so the hirer's end is never dropped
        // for a coin toss. A message left in the mailbox at shutdown is answered by the
        // dropped reply (the caller then says "unavailable, retry").
        tokio::select! {
            biased;
            msg = rx.recv() => match msg {
                None => break,
                Some(Msg::Command { command_id, data, reply }) => {
                    brain.command(&command_id, &data);
                    acks.push(command_id);
                    waiting_acks.push(reply);
                }
                Some(Msg::End { key, reply }) => {
                    let answer = end_by_hirer(deps, &mut row, key).await;
                    let _ = reply.send(answer);
                    if row.session.status == SessionStatus::Ended {
                        refuse_waiting(&mut waiting_acks);
                        break;
                    }
                }
            },
            () = shutdown.cancelled() => {
                crate::hooks::reached(crate::hooks::RUNNER_STOPPING, &id).await;
                break;
            }
            () = sleep => {}
        }
    }
}

async fn end_by_hirer(
    deps: &RunnerDeps,
    row: &mut SessionRow,
    key: IdemKey,
) -> AppResult<StoredResponse> {
    let fee = deps.fee_bps;
    let snapshot = row.clone();
    let now = now_millis();
    let (resp, updated, out) = deps
        .db
        .write(move |tx| {
            let mut r = snapshot;
            let mut out = Effects::default();
            let (resp, value) = run_stored(tx, &key, 200, now, |tx| {
                let settlement =
                    sessions::end(tx, &mut r, EndReason::EndedByHirer, fee, now, &mut out)?;
                Ok::<_, AppError>(EndSessionResponse {
                    session: r.session.clone(),
                    settlement,
                })
            })?;
            Ok::<_, AppError>((resp, value.map(|_| r), out))
        })
        .await?;
    if let Some(r) = updated {
        *row = r;
        deps.hub.publish(&row.session.id, out.frames, true);
        deps.notifier.unlocked(&out.unlocked);
        deps.notifier.send_all(&out.events);
        finish(deps, row);
    }
    Ok(resp)
}

async fn end_with_error(deps: &RunnerDeps, row: &mut SessionRow) {
    let fee = deps.fee_bps;
    let snapshot = row.clone();
    let now = now_millis();
    let res = deps
        .db
        .write(move |tx| {
            let mut r = snapshot;
            let mut out = Effects::default();
            sessions::end(tx, &mut r, EndReason::AgentError, fee, now, &mut out)?;
            Ok::<_, DbError>((r, out))
        })
        .await;
    match res {
        Ok((r, out)) => {
            *row = r;
            deps.hub.publish(&row.session.id, out.frames, true);
            deps.notifier.unlocked(&out.unlocked);
            deps.notifier.send_all(&out.events);
            finish(deps, row);
        }
        // The session stays active in storage and resumes (or ends) at the next start.
        Err(e) => tracing::error!(error = %e, "could not end a failing session"),
    }
}

/// What follows the end of a session: the log line and the listing's fresh stats (its
/// `session.ended` notifications were recorded by the ending job and sent with its effects).
fn finish(deps: &RunnerDeps, row: &SessionRow) {
    let s = &row.session;
    tracing::info!(reason = ?s.end_reason, consumed = s.consumed.get(), "session ended");
    deps.catalog.refresh_later(&s.agent_id);
}
