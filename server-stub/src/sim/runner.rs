//! The per-session task.
//!
//! Each tick it works out what is due — the next started minute, the actions the agent's pace
//! calls for since the last tick, a commentary line, acknowledgements of commands, expiry —
//! and applies all of it in one writer job, then publishes the committed frames. At 1000
//! actions per second a tick every 10 ms carries about ten actions, so a fast session costs one
//! small job per tick rather than one per action.

use std::collections::HashMap;
use std::time::Duration;

use jiga::model::{EndReason, EndSessionResponse, SessionStatus};
use parking_lot::Mutex;
use tokio::sync::{mpsc, oneshot};

use super::brain::{AgentBrain, SimBrain};
use crate::app::AppState;
use crate::db::idempotency::{IdemKey, StoredResponse, run_stored};
use crate::db::sessions::{self, Op, SessionRow};
use crate::error::{AppError, AppResult};
use crate::ids::now_millis;

/// The most actions one tick applies; a runner that fell behind catches up over several ticks.
const MAX_ACTIONS_PER_TICK: u64 = 500;
/// Fast agents tick at most this often.
const MIN_TICK: Duration = Duration::from_millis(10);
/// The first commentary comes this long after start, then one every [`COMMENTARY_EVERY_MS`].
const FIRST_COMMENTARY_MS: i64 = 1_000;
const COMMENTARY_EVERY_MS: i64 = 4_000;
/// Consecutive failed ticks after which the session ends with `agent_error`.
const MAX_FAILED_TICKS: u32 = 5;

/// A request to a running session.
pub enum Msg {
    /// The hirer ends the session (idempotently: the answer is stored under the key).
    End {
        /// The idempotency record to store with the effect.
        key: IdemKey,
        /// The stored answer.
        reply: oneshot::Sender<AppResult<StoredResponse>>,
    },
    /// A command for the agent; answered once its acknowledgement is in the stream.
    Command {
        /// The caller's command id.
        command_id: String,
        /// Its payload.
        data: serde_json::Value,
        /// Answered after the ack is committed.
        reply: oneshot::Sender<AppResult<()>>,
    },
}

/// The running sessions of this server.
#[derive(Default)]
pub struct Runner {
    sessions: Mutex<HashMap<String, mpsc::Sender<Msg>>>,
}

impl Runner {
    /// The mailbox of a running session.
    pub fn get(&self, session_id: &str) -> Option<mpsc::Sender<Msg>> {
        self.sessions.lock().get(session_id).cloned()
    }

    /// Number of running sessions.
    pub fn len(&self) -> usize {
        self.sessions.lock().len()
    }

    /// True when no session runs.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Starts the task of an active session.
    pub fn spawn(&self, state: AppState, row: SessionRow) {
        let (tx, rx) = mpsc::channel(64);
        self.sessions.lock().insert(row.session.id.clone(), tx);
        let span = tracing::info_span!("session", session_id = %row.session.id);
        tokio::spawn(tracing::Instrument::instrument(run(state, row, rx), span));
    }

    fn remove(&self, session_id: &str) {
        self.sessions.lock().remove(session_id);
    }
}

/// Resumes every session that was active when the server stopped. Sessions resume where their
/// stored state left them; the downtime is neither acted nor billed beyond the minute in
/// progress.
///
/// # Errors
/// A database failure.
pub async fn resume_all(state: &AppState) -> AppResult<usize> {
    let rows = state.db.read(sessions::active).await?;
    let n = rows.len();
    for row in rows {
        tracing::info!(session_id = %row.session.id, last_seq = row.session.last_seq, "resuming session");
        state.runner.spawn(state.clone(), row);
    }
    Ok(n)
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
    brain: &mut SimBrain,
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

async fn run(state: AppState, mut row: SessionRow, mut rx: mpsc::Receiver<Msg>) {
    let id = row.session.id.clone();
    let mut brain = SimBrain::new(&id, row.agent.agent_type, &row.session.game);
    let mut clock = Clock::new(&row, now_millis());
    let mut acks: Vec<String> = Vec::new();
    let mut waiting_acks: Vec<oneshot::Sender<AppResult<()>>> = Vec::new();
    let mut failures = 0u32;
    let shutdown = state.shutdown.clone();
    loop {
        let now = now_millis();
        let ops = due_ops(&mut row, &mut clock, &mut brain, now, &mut acks);
        if !ops.is_empty() {
            let fee = state.config.platform_fee_bps;
            let snapshot = row.clone();
            let res = state
                .db
                .write(move |tx| {
                    let mut r = snapshot;
                    let mut frames = Vec::new();
                    sessions::apply(tx, &mut r, &ops, fee, now, &mut frames)?;
                    Ok((r, frames))
                })
                .await;
            match res {
                Ok((r, frames)) => {
                    failures = 0;
                    row = r;
                    let ended = row.session.status == SessionStatus::Ended;
                    state.hub.publish(&id, &frames, ended);
                    state.metrics.events_emitted(frames.len() as u64);
                    for w in waiting_acks.drain(..) {
                        let _ = w.send(Ok(()));
                    }
                    if ended {
                        finish(&state, &row);
                        break;
                    }
                }
                Err(e) => {
                    failures += 1;
                    tracing::warn!(error = %e, failures, "session tick failed");
                    if failures >= MAX_FAILED_TICKS {
                        end_with_error(&state, &mut row).await;
                        for w in waiting_acks.drain(..) {
                            let _ = w.send(Err(AppError::Conflict(
                                "session ended before the command was acknowledged".into(),
                            )));
                        }
                        break;
                    }
                }
            }
        }
        let wake = next_wake(&row, &clock, now_millis());
        let sleep = tokio::time::sleep(Duration::from_millis((wake - now_millis()).max(0) as u64));
        tokio::select! {
            () = sleep => {}
            () = shutdown.cancelled() => break,
            msg = rx.recv() => match msg {
                None => break,
                Some(Msg::Command { command_id, data, reply }) => {
                    brain.command(&command_id, &data);
                    acks.push(command_id);
                    waiting_acks.push(reply);
                }
                Some(Msg::End { key, reply }) => {
                    let answer = end_by_hirer(&state, &mut row, key).await;
                    let _ = reply.send(answer);
                    if row.session.status == SessionStatus::Ended {
                        for w in waiting_acks.drain(..) {
                            let _ = w.send(Err(AppError::Conflict("session ended before the command was acknowledged".into())));
                        }
                        break;
                    }
                }
            }
        }
    }
    state.runner.remove(&id);
}

async fn end_by_hirer(
    state: &AppState,
    row: &mut SessionRow,
    key: IdemKey,
) -> AppResult<StoredResponse> {
    let fee = state.config.platform_fee_bps;
    let snapshot = row.clone();
    let now = now_millis();
    let (resp, updated, frames) = state
        .db
        .write(move |tx| {
            let mut r = snapshot;
            let mut frames = Vec::new();
            let (resp, value) = run_stored(tx, &key, 200, now, |tx| {
                let settlement =
                    sessions::end(tx, &mut r, EndReason::EndedByHirer, fee, now, &mut frames)?;
                Ok(EndSessionResponse {
                    session: r.session.clone(),
                    settlement,
                })
            })?;
            Ok((resp, value.map(|_| r), frames))
        })
        .await?;
    if let Some(r) = updated {
        *row = r;
        state.hub.publish(&row.session.id, &frames, true);
        finish(state, row);
    }
    Ok(resp)
}

async fn end_with_error(state: &AppState, row: &mut SessionRow) {
    let fee = state.config.platform_fee_bps;
    let snapshot = row.clone();
    let now = now_millis();
    let res = state
        .db
        .write(move |tx| {
            let mut r = snapshot;
            let mut frames = Vec::new();
            sessions::end(tx, &mut r, EndReason::AgentError, fee, now, &mut frames)?;
            Ok((r, frames))
        })
        .await;
    match res {
        Ok((r, frames)) => {
            *row = r;
            state.hub.publish(&row.session.id, &frames, true);
            finish(state, row);
        }
        // The session stays active in storage and resumes (or ends) at the next start.
        Err(e) => tracing::error!(error = %e, "could not end a failing session"),
    }
}

/// What follows the end of a session: notifications and the listing's fresh stats.
fn finish(state: &AppState, row: &SessionRow) {
    let s = &row.session;
    tracing::info!(reason = ?s.end_reason, consumed = s.consumed.get(), "session ended");
    let data = serde_json::json!({"sessionId": s.id, "agentId": s.agent_id, "reason": s.end_reason, "consumed": s.consumed});
    state
        .notifier
        .notify(&s.hirer_id, "session.ended", data.clone());
    state.notifier.notify(&s.owner_id, "session.ended", data);
    state.refresh_listing_later(&s.agent_id);
}
