//! Achievements in storage (contract v1.2).
//!
//! Each is unlocked by [`unlock`] inside the writer job of the event that earns it — the hire,
//! the tick that consumes, the end, the review, the publish — never by a scan. The
//! `(user_id, achievement_id)` key makes the unlock happen once however many events would
//! earn it, and the writer runs jobs one at a time, so concurrent events cannot both see it
//! locked. What a job unlocked comes back to the caller in its [`Unlocked`] list, to be
//! notified once the job has committed.
//!
//! The hirer's running totals (`hirer_stats`: sessions ended, DOF consumed) are kept in step
//! by the same jobs, so the thresholds are read in O(1), not summed over the ledger.

use jiga::Timestamp;
use jiga::model::{Achievement, AchievementId, BIG_SPENDER_DOF, TEN_SESSIONS};
use rusqlite::{Connection, params};

use super::error::{DbError, DbResult};
use super::outbox::{self, Recorded};

/// An achievement a job unlocked, to be notified after its commit.
#[derive(Clone, Debug, PartialEq)]
pub struct Unlocked {
    /// Who unlocked it.
    pub user_id: String,
    /// Which one.
    pub id: AchievementId,
    /// Its `achievement.unlocked` notification, recorded in the outbox by the same job.
    pub event: Recorded,
}

/// Unlocks `id` for `user_id` unless it already is; a new unlock is recorded in the outbox
/// and pushed to `out`.
///
/// # Errors
/// A database failure.
pub fn unlock(
    tx: &Connection,
    user_id: &str,
    id: AchievementId,
    now: i64,
    out: &mut Vec<Unlocked>,
) -> DbResult<()> {
    let added = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO achievements (user_id, achievement_id, unlocked_at) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![user_id, id.as_str(), now])?;
    if added == 1 {
        let event = outbox::record(
            tx,
            "achievement.unlocked",
            serde_json::json!({"achievementId": id.as_str()}),
            &[user_id],
            now,
        )?;
        out.push(Unlocked {
            user_id: user_id.to_owned(),
            id,
            event,
        });
    }
    Ok(())
}

/// Adds to a hirer's totals (`ended` sessions, `consumed` DOF) and unlocks what the new totals
/// earn: `ten_sessions` and `big_spender`.
///
/// # Errors
/// A database failure.
pub fn hirer_progress(
    tx: &Connection,
    hirer: &str,
    ended: i64,
    consumed: i64,
    now: i64,
    out: &mut Vec<Unlocked>,
) -> DbResult<()> {
    let (sessions, spent): (i64, i64) = tx
        .prepare_cached(
            "INSERT INTO hirer_stats (user_id, sessions_ended, consumed) VALUES (?1, ?2, ?3) \
             ON CONFLICT (user_id) DO UPDATE SET sessions_ended = sessions_ended + excluded.sessions_ended, \
             consumed = consumed + excluded.consumed RETURNING sessions_ended, consumed",
        )?
        .query_row(params![hirer, ended, consumed], |r| Ok((r.get(0)?, r.get(1)?)))?;
    if ended > 0 && sessions >= TEN_SESSIONS {
        unlock(tx, hirer, AchievementId::TenSessions, now, out)?;
    }
    if consumed > 0 && spent >= BIG_SPENDER_DOF {
        unlock(tx, hirer, AchievementId::BigSpender, now, out)?;
    }
    Ok(())
}

/// The user's unlocked achievements, oldest first (at most one of each of the six).
///
/// # Errors
/// A database failure.
pub fn list(conn: &Connection, user_id: &str) -> DbResult<Vec<Achievement>> {
    let rows = conn
        .prepare_cached(
            "SELECT achievement_id, unlocked_at FROM achievements WHERE user_id = ?1 ORDER BY pk",
        )?
        .query_map([user_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(id, at)| {
            let id = id
                .parse::<AchievementId>()
                .map_err(|_| DbError::internal(format!("stored achievement '{id}' is unknown")))?;
            let at = Timestamp::from_unix_millis(at)
                .ok_or_else(|| DbError::internal("achievement timestamp out of range"))?;
            Ok(Achievement::unlocked(id, at))
        })
        .collect()
}
