//! Sessions in storage: hire, charges and events, end and settlement — each a step of one
//! writer job, so the ledger, the session row and the event log move together or not at all.
//! What each step does is decided by [`crate::domain::session`]; this module writes it.

use jiga::event::{ChargeReason, DofUpdate, EventKind, SessionEvent};
use jiga::model::{
    AchievementId, Agent, DEFAULT_MAX_MINUTES, EndReason, HireRequest, Page, Session,
    SessionStatus, Settlement, TransactionType,
};
use jiga::{Dof, Timestamp};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::json;

use super::achievements::{self, Unlocked};
use super::error::{DbError, DbResult};
use super::ledger::{self, account};
use super::outbox::{self, Recorded};
use crate::cursor::{PageReq, page_from};
pub use crate::domain::session::Op;
use crate::domain::session::{Decision, Ending, HirePolicy, Meter, decide, settle};
use crate::ids::new_id;

/// One stored event frame: its seq and its exact JSON text, serialized once at storage time
/// (the hub shares it between viewers without copying it again).
pub type Frame = (u64, String);

/// What a session job produces for after its commit: the frames to publish and the
/// achievements to notify.
#[derive(Debug, Default)]
pub struct Effects {
    /// Stored event frames, in seq order.
    pub frames: Vec<Frame>,
    /// Achievements unlocked by the job.
    pub unlocked: Vec<Unlocked>,
    /// The other notifying events the job recorded in the outbox (`agent.hired`,
    /// `session.ended`), to be sent live after the commit.
    pub events: Vec<Recorded>,
}

/// A session with the server-side state the simulated agent needs.
#[derive(Clone, Debug)]
pub struct SessionRow {
    /// Row key (events are keyed by it).
    pub pk: i64,
    /// The wire session.
    pub session: Session,
    /// The agent as hired (its price and pace hold for the whole session).
    pub agent: Agent,
    /// Actions performed so far.
    pub actions_done: u64,
    /// Minutes charged so far.
    pub minutes_charged: u64,
}

fn ts(millis: i64) -> rusqlite::Result<Timestamp> {
    Timestamp::from_unix_millis(millis).ok_or(rusqlite::Error::IntegralValueOutOfRange(0, millis))
}

const COLS: &str = "pk, id, agent_id, hirer_id, owner_id, game, status, budget, consumed, started_at, ended_at, \
                    end_reason, expires_at, last_seq, actions_done, minutes_charged, agent_doc";

fn from_row(r: &Row<'_>) -> rusqlite::Result<SessionRow> {
    let status: String = r.get(6)?;
    let end_reason: Option<String> = r.get(11)?;
    let budget: i64 = r.get(7)?;
    let consumed: i64 = r.get(8)?;
    let doc: String = r.get(16)?;
    let bad =
        |c| rusqlite::Error::InvalidColumnType(c, "session".into(), rusqlite::types::Type::Text);
    Ok(SessionRow {
        pk: r.get(0)?,
        session: Session {
            id: r.get(1)?,
            agent_id: r.get(2)?,
            hirer_id: r.get(3)?,
            owner_id: r.get(4)?,
            game: r.get(5)?,
            status: status.parse().map_err(|_| bad(6))?,
            budget: budget.into(),
            consumed: consumed.into(),
            remaining: (budget - consumed).into(),
            started_at: ts(r.get(9)?)?,
            ended_at: r.get::<_, Option<i64>>(10)?.map(ts).transpose()?,
            end_reason: end_reason
                .map(|e| e.parse())
                .transpose()
                .map_err(|_| bad(11))?,
            expires_at: ts(r.get(12)?)?,
            last_seq: r.get::<_, i64>(13)? as u64,
        },
        agent: serde_json::from_str(&doc).map_err(|_| bad(16))?,
        actions_done: r.get::<_, i64>(14)? as u64,
        minutes_charged: r.get::<_, i64>(15)? as u64,
    })
}

/// A session by id.
///
/// # Errors
/// A database failure.
pub fn get(conn: &Connection, id: &str) -> DbResult<Option<SessionRow>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLS} FROM sessions WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

/// Every active session (to resume them at start).
///
/// # Errors
/// A database failure.
pub fn active(conn: &Connection) -> DbResult<Vec<SessionRow>> {
    Ok(conn
        .prepare(&format!(
            "SELECT {COLS} FROM sessions WHERE status = 'active'"
        ))?
        .query_map([], from_row)?
        .collect::<Result<Vec<_>, _>>()?)
}

/// Number of active sessions `hirer` has (read inside the hire's job, so the cap holds under
/// concurrent hires).
///
/// # Errors
/// A database failure.
pub fn active_count(conn: &Connection, hirer: &str) -> DbResult<u32> {
    let n: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM sessions WHERE hirer_id = ?1 AND status = 'active'")?
        .query_row([hirer], |r| r.get(0))?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Sessions the caller hired, newest first.
///
/// # Errors
/// A database failure.
pub fn list_for_hirer(
    conn: &Connection,
    hirer: &str,
    status: Option<SessionStatus>,
    page: PageReq,
) -> DbResult<Page<Session>> {
    let rows = conn
        .prepare_cached(&format!(
            "SELECT {COLS} FROM sessions WHERE hirer_id = ?1 AND pk < ?2 AND (?3 IS NULL OR status = ?3) ORDER BY pk DESC LIMIT ?4"
        ))?
        .query_map(params![hirer, page.before, status.map(|s| s.as_str()), i64::from(page.limit) + 1], |r| {
            from_row(r).map(|s| (s.pk, s.session))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page_from(rows, page.limit))
}

/// Stored frames with `seq > after`, in order, at most `limit`.
///
/// # Errors
/// A database failure.
pub fn events_after(
    conn: &Connection,
    session_pk: i64,
    after: u64,
    limit: u32,
) -> DbResult<Vec<Frame>> {
    Ok(conn
        .prepare_cached("SELECT seq, frame FROM session_events WHERE session_pk = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3")?
        .query_map(params![session_pk, after as i64, limit], |r| {
            Ok((r.get::<_, i64>(0)? as u64, r.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?)
}

fn emit(
    tx: &Connection,
    row: &mut SessionRow,
    kind: EventKind,
    now: i64,
    out: &mut Vec<Frame>,
) -> DbResult<()> {
    let seq = row.session.last_seq + 1;
    let ev = SessionEvent {
        seq,
        ts: ts(now)?,
        kind,
    };
    let text = ev.to_json().map_err(DbError::internal)?;
    tx.prepare_cached("INSERT INTO session_events (session_pk, seq, frame) VALUES (?1, ?2, ?3)")?
        .execute(params![row.pk, seq as i64, text])?;
    row.session.last_seq = seq;
    out.push((seq, text));
    Ok(())
}

fn save(tx: &Connection, row: &SessionRow) -> DbResult<()> {
    let s = &row.session;
    tx.prepare_cached(
        "UPDATE sessions SET status = ?2, consumed = ?3, ended_at = ?4, end_reason = ?5, last_seq = ?6, \
         actions_done = ?7, minutes_charged = ?8 WHERE pk = ?1",
    )?
    .execute(params![
        row.pk,
        s.status.as_str(),
        s.consumed.get(),
        s.ended_at.map(|t| t.unix_millis()),
        s.end_reason.map(|r| r.as_str()),
        s.last_seq as i64,
        row.actions_done as i64,
        row.minutes_charged as i64,
    ])?;
    Ok(())
}

/// Hires `agent` for `hirer`: holds the budget, opens the session, emits `session.started`
/// and charges the first minute.
///
/// # Errors
/// `insufficient_funds` when the hirer's available balance is below the budget.
pub fn hire(
    tx: &Connection,
    hirer: &str,
    agent: &Agent,
    req: &HireRequest,
    policy: &HirePolicy,
    now: i64,
) -> DbResult<(SessionRow, Effects)> {
    let available = ledger::balance(tx, &account::available(hirer))?;
    if available < req.budget.get() {
        return Err(DbError::InsufficientFunds {
            needed: req.budget.get(),
            available,
            what: "hire",
        });
    }
    let id = new_id("ses");
    let minutes = i64::from(req.max_minutes.unwrap_or(DEFAULT_MAX_MINUTES));
    let expires = now + minutes * 60_000;
    let doc = serde_json::to_string(agent).map_err(DbError::internal)?;
    tx.prepare_cached(
        "INSERT INTO sessions (id, agent_id, hirer_id, owner_id, game, status, budget, started_at, expires_at, agent_doc) \
         VALUES (?1, ?2, ?3, ?4, ?5, 'active', ?6, ?7, ?8, ?9)",
    )?
    .execute(params![id, agent.id, hirer, agent.owner_id, req.game.trim(), req.budget.get(), now, expires, doc])?;
    let pk = tx.last_insert_rowid();
    ledger::post(
        tx,
        TransactionType::Hold,
        &[
            (&account::available(hirer), -req.budget.get()),
            (&account::held(hirer), req.budget.get()),
        ],
        &json!({"sessionId": id, "agentId": agent.id}),
        now,
    )?;
    super::agents::bump(tx, &agent.id, super::agents::Stat::Hire)?;
    let mut out = Effects::default();
    achievements::unlock(tx, hirer, AchievementId::FirstHire, now, &mut out.unlocked)?;
    out.events.push(outbox::record(
        tx,
        "agent.hired",
        json!({"agentId": agent.id, "sessionId": id}),
        &[&agent.owner_id],
        now,
    )?);
    let mut row = SessionRow {
        pk,
        session: Session {
            id,
            agent_id: agent.id.clone(),
            hirer_id: hirer.to_owned(),
            owner_id: agent.owner_id.clone(),
            game: req.game.trim().to_owned(),
            status: SessionStatus::Active,
            budget: req.budget,
            consumed: Dof::ZERO,
            remaining: req.budget,
            started_at: ts(now)?,
            ended_at: None,
            end_reason: None,
            expires_at: ts(expires)?,
            last_seq: 0,
        },
        agent: agent.clone(),
        actions_done: 0,
        minutes_charged: 0,
    };
    let mut started = row.session.clone();
    started.last_seq = 1;
    emit(
        tx,
        &mut row,
        EventKind::Started {
            session: Box::new(started),
        },
        now,
        &mut out.frames,
    )?;
    outbox::record(
        tx,
        "session.started",
        json!({"sessionId": row.session.id, "agentId": agent.id, "hirerId": hirer, "budget": req.budget}),
        &[],
        now,
    )?;
    // The first charge of every session is its first minute, at start, before any action.
    // Validation guarantees the budget covers it.
    apply(tx, &mut row, &[Op::Minute], policy.fee_bps, now, &mut out)?;
    save(tx, &row)?;
    Ok((row, out))
}

fn charge(
    tx: &Connection,
    row: &mut SessionRow,
    amount: Dof,
    reason: ChargeReason,
    now: i64,
    out: &mut Vec<Frame>,
) -> DbResult<()> {
    let s = &mut row.session;
    let consumed = s
        .consumed
        .checked_add(amount)
        .ok_or_else(|| DbError::internal("consumed overflow"))?;
    let remaining = s
        .budget
        .checked_sub(consumed)
        .ok_or_else(|| DbError::internal("remaining overflow"))?;
    ledger::post(
        tx,
        TransactionType::Consume,
        &[
            (&account::held(&s.hirer_id), -amount.get()),
            (&account::consumed(&s.id), amount.get()),
        ],
        &json!({"sessionId": s.id, "reason": reason}),
        now,
    )?;
    s.consumed = consumed;
    s.remaining = remaining;
    outbox::record(
        tx,
        "session.dof_update",
        json!({"sessionId": s.id, "delta": amount, "consumed": consumed, "remaining": remaining, "reason": reason}),
        &[],
        now,
    )?;
    emit(
        tx,
        row,
        EventKind::DofUpdate(DofUpdate {
            delta: amount,
            consumed,
            remaining,
            reason,
        }),
        now,
        out,
    )
}

/// Applies `ops` in order. A charge the remaining budget cannot pay ends the session with
/// `budget_exhausted` instead; an `End` settles it. Nothing after the end is applied.
/// Returns the settlement when the session ended.
///
/// # Errors
/// A database failure or a ledger invariant violation (the whole job then rolls back).
pub fn apply(
    tx: &Connection,
    row: &mut SessionRow,
    ops: &[Op],
    fee_bps: u32,
    now: i64,
    out: &mut Effects,
) -> DbResult<Option<Settlement>> {
    let consumed_before = row.session.consumed;
    for op in ops {
        let meter = Meter {
            status: row.session.status,
            pricing: row.agent.pricing,
            remaining: row.session.remaining,
        };
        match decide(&meter, op) {
            Decision::Nothing => break,
            Decision::End(reason) => {
                let st = end(tx, row, reason, fee_bps, now, out)?;
                record_spending(tx, row, consumed_before, now, out)?;
                return Ok(Some(st));
            }
            Decision::Step {
                event,
                charge: due,
                minute,
                action,
            } => {
                row.minutes_charged += u64::from(minute);
                row.actions_done += u64::from(action);
                if let Some(kind) = event {
                    emit(tx, row, kind, now, &mut out.frames)?;
                }
                if let Some((amount, reason)) = due {
                    charge(tx, row, amount, reason, now, &mut out.frames)?;
                }
            }
        }
    }
    save(tx, row)?;
    record_spending(tx, row, consumed_before, now, out)?;
    Ok(None)
}

/// Adds what this job charged the hirer to their running total (once per job, not per
/// charge), unlocking `big_spender` in the job whose charge crosses the threshold.
fn record_spending(
    tx: &Connection,
    row: &SessionRow,
    before: Dof,
    now: i64,
    out: &mut Effects,
) -> DbResult<()> {
    let spent = row.session.consumed.get() - before.get();
    if spent <= 0 {
        return Ok(());
    }
    achievements::hirer_progress(tx, &row.session.hirer_id, 0, spent, now, &mut out.unlocked)
}

/// Ends and settles a session: the consumed DOF goes to the owner and the platform, the unused
/// hold back to the hirer, and `session.ended` closes the stream.
///
/// # Errors
/// `conflict` when the session already ended; a database failure.
pub fn end(
    tx: &Connection,
    row: &mut SessionRow,
    reason: EndReason,
    fee_bps: u32,
    now: i64,
    out: &mut Effects,
) -> DbResult<Settlement> {
    if row.session.status == SessionStatus::Ended {
        return Err(DbError::AlreadyEnded {
            session_id: row.session.id.clone(),
        });
    }
    let s = &row.session;
    let (st, postings) = settle(
        &Ending {
            session_id: &s.id,
            hirer_id: &s.hirer_id,
            owner_id: &s.owner_id,
            budget: s.budget,
            consumed: s.consumed,
        },
        fee_bps,
    )?;
    let meta = json!({"sessionId": s.id});
    for p in &postings {
        let entries: Vec<(&str, i64)> = p.entries.iter().map(|(a, n)| (a.as_str(), *n)).collect();
        ledger::post(tx, p.kind, &entries, &meta, now)?;
    }
    row.session.status = SessionStatus::Ended;
    row.session.end_reason = Some(reason);
    row.session.ended_at = Some(ts(now)?);
    emit(
        tx,
        row,
        EventKind::Ended {
            reason,
            settlement: st,
        },
        now,
        &mut out.frames,
    )?;
    tx.prepare_cached("UPDATE sessions SET settlement = ?2 WHERE pk = ?1")?
        .execute(params![
            row.pk,
            serde_json::to_string(&st).map_err(DbError::internal)?
        ])?;
    save(tx, row)?;
    super::agents::bump(
        tx,
        &row.session.agent_id,
        super::agents::Stat::Ended {
            agent_error: reason == EndReason::AgentError,
        },
    )?;
    let s = &row.session;
    achievements::hirer_progress(tx, &s.hirer_id, 1, 0, now, &mut out.unlocked)?;
    if st.owner_earnings.get() > 0 {
        achievements::unlock(
            tx,
            &s.owner_id,
            AchievementId::FirstEarning,
            now,
            &mut out.unlocked,
        )?;
    }
    out.events.push(outbox::record(
        tx,
        "session.ended",
        json!({"sessionId": s.id, "agentId": s.agent_id, "reason": s.end_reason, "consumed": s.consumed}),
        &[&s.hirer_id, &s.owner_id],
        now,
    )?);
    Ok(st)
}
