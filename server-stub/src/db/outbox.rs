//! The transactional outbox (contract v1.2, "outside channels"): every bus event that notifies
//! someone is written by the same storage write as the change that causes it, with the
//! notification id of each recipient, so a committed change always has its event and a
//! rolled-back one never does. Dispatchers (`crate::outbox`) read the rows in `seq` order and
//! record how far each sink got, so a crash at any point loses nothing: after a restart each
//! sink goes on from its recorded position.
//!
//! A notification keeps one id everywhere it goes: the notification stream's `id`, a webhook's
//! `JIGA-Delivery-Id`, the email's `Message-ID`.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

use super::error::{DbError, DbResult};
use crate::ids::new_id;

/// A bus event as recorded: what the live notification stream sends after the commit and what
/// the dispatchers read back.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    /// Position in the outbox.
    pub seq: i64,
    /// The bus event's id (`evt_…`), as the analytics export shows it.
    pub id: String,
    /// `agent.hired`, `session.ended`, …
    pub kind: String,
    /// When it happened (Unix milliseconds).
    pub ts: i64,
    /// The event's payload, an object.
    pub data: Value,
    /// Who it notifies, each with that notification's id (`ntf_…`).
    pub notes: Vec<Note>,
}

/// One recipient of a recorded event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The notification id.
    pub id: String,
    /// The user it goes to.
    pub user_id: String,
}

/// Records `kind` with `data` for each of `to` (a user named twice is notified once), inside
/// the caller's transaction.
///
/// # Errors
/// A database failure.
pub fn record(
    tx: &Connection,
    kind: &str,
    data: Value,
    to: &[&str],
    now: i64,
) -> DbResult<Recorded> {
    let mut notes: Vec<Note> = Vec::with_capacity(to.len());
    for user in to {
        if !notes.iter().any(|n| n.user_id == *user) {
            notes.push(Note {
                id: new_id("ntf"),
                user_id: (*user).to_owned(),
            });
        }
    }
    let id = new_id("evt");
    let recipients: Vec<[&str; 2]> = notes
        .iter()
        .map(|n| [n.user_id.as_str(), n.id.as_str()])
        .collect();
    tx.prepare_cached(
        "INSERT INTO outbox (id, type, ts, data, recipients) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        id,
        kind,
        now,
        data.to_string(),
        serde_json::to_string(&recipients).map_err(DbError::internal)?,
    ])?;
    Ok(Recorded {
        seq: tx.last_insert_rowid(),
        id,
        kind: kind.to_owned(),
        ts: now,
        data,
        notes,
    })
}

/// An event as read back by a sink: its payload as the JSON text stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored {
    /// Position in the outbox.
    pub seq: i64,
    /// The bus event's id (`evt_…`).
    pub id: String,
    /// `agent.hired`, `session.ended`, …
    pub kind: String,
    /// When it happened (Unix milliseconds).
    pub ts: i64,
    /// The payload, a JSON object's text.
    pub data: String,
    /// Who it notifies, each with that notification's id.
    pub notes: Vec<Note>,
}

/// Up to `limit` events after `seq`, oldest first.
///
/// # Errors
/// A database failure, or a row this server did not write.
pub fn after(c: &Connection, seq: i64, limit: usize) -> DbResult<Vec<Stored>> {
    let mut stmt = c.prepare_cached(
        "SELECT seq, id, type, ts, data, recipients FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let mut rows = stmt.query(params![seq, i64::try_from(limit).unwrap_or(i64::MAX)])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let recipients = r.get_ref(5)?.as_str().map_err(DbError::internal)?;
        let notes = if recipients == "[]" {
            Vec::new()
        } else {
            serde_json::from_str::<Vec<[String; 2]>>(recipients)
                .map_err(DbError::internal)?
                .into_iter()
                .map(|[user_id, id]| Note { id, user_id })
                .collect()
        };
        out.push(Stored {
            seq: r.get(0)?,
            id: r.get(1)?,
            kind: r.get(2)?,
            ts: r.get(3)?,
            data: r.get(4)?,
            notes,
        });
    }
    Ok(out)
}

/// How far `sink` got (0 before its first event).
///
/// # Errors
/// A database failure.
pub fn progress(c: &Connection, sink: &str) -> DbResult<i64> {
    Ok(
        c.prepare_cached("SELECT seq FROM outbox_progress WHERE sink = ?1")?
            .query_row([sink], |r| r.get(0))
            .optional()?
            .unwrap_or(0),
    )
}

/// Records that `sink` has taken every event up to `seq`; never moves it back.
///
/// # Errors
/// A database failure.
pub fn advance(tx: &Connection, sink: &str, seq: i64) -> DbResult<()> {
    tx.prepare_cached(
        "INSERT INTO outbox_progress (sink, seq) VALUES (?1, ?2)
         ON CONFLICT (sink) DO UPDATE SET seq = MAX(seq, excluded.seq)",
    )?
    .execute(params![sink, seq])?;
    Ok(())
}

/// The newest event's position (0 when the outbox is empty).
///
/// # Errors
/// A database failure.
pub fn head(c: &Connection) -> DbResult<i64> {
    Ok(
        c.prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM outbox")?
            .query_row([], |r| r.get(0))?,
    )
}

/// The analytics export's record of one hour's file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HourFile {
    /// NDJSON bytes committed.
    pub bytes: u64,
    /// Its Parquet file is written; later events go to a later hour.
    pub closed: bool,
}

/// The export's record of `hour` (`YYYYMMDDHH`), if it has a file.
///
/// # Errors
/// A database failure.
pub fn hour_file(c: &Connection, hour: &str) -> DbResult<Option<HourFile>> {
    Ok(
        c.prepare_cached("SELECT bytes, closed FROM analytics_files WHERE hour = ?1")?
            .query_row([hour], |r| {
                Ok(HourFile {
                    bytes: r.get(0)?,
                    closed: r.get(1)?,
                })
            })
            .optional()?,
    )
}

/// Hours with a file that is not closed yet, oldest first.
///
/// # Errors
/// A database failure.
pub fn open_hours(c: &Connection) -> DbResult<Vec<(String, u64)>> {
    let mut stmt =
        c.prepare_cached("SELECT hour, bytes FROM analytics_files WHERE closed = 0 ORDER BY hour")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Records `bytes` committed to `hour`'s file.
///
/// # Errors
/// A database failure.
pub fn set_hour_bytes(tx: &Connection, hour: &str, bytes: u64) -> DbResult<()> {
    tx.prepare_cached(
        "INSERT INTO analytics_files (hour, bytes) VALUES (?1, ?2)
         ON CONFLICT (hour) DO UPDATE SET bytes = excluded.bytes",
    )?
    .execute(params![hour, bytes])?;
    Ok(())
}

/// Marks `hour` closed.
///
/// # Errors
/// A database failure.
pub fn close_hour(tx: &Connection, hour: &str) -> DbResult<()> {
    tx.prepare_cached("UPDATE analytics_files SET closed = 1 WHERE hour = ?1")?
        .execute([hour])?;
    Ok(())
}

/// The latest closed hour, if any.
///
/// # Errors
/// A database failure.
pub fn last_closed_hour(c: &Connection) -> DbResult<Option<String>> {
    Ok(
        c.prepare_cached("SELECT MAX(hour) FROM analytics_files WHERE closed = 1")?
            .query_row([], |r| r.get(0))?,
    )
}

/// Deletes up to `limit` events older than `before` (Unix milliseconds) that every one of
/// `sinks` has taken; how many it deleted. The newest event always stays: `seq` is SQLite's
/// rowid, which must never be handed out twice.
///
/// # Errors
/// A database failure.
pub fn prune(tx: &Connection, sinks: &[&str], before: i64, limit: usize) -> DbResult<usize> {
    let mut upto = i64::MAX;
    for sink in sinks {
        upto = upto.min(progress(tx, sink)?);
    }
    Ok(tx
        .prepare_cached(
            "DELETE FROM outbox WHERE seq IN
             (SELECT seq FROM outbox WHERE seq <= ?1 AND ts < ?2
              AND seq < (SELECT MAX(seq) FROM outbox) ORDER BY seq LIMIT ?3)",
        )?
        .execute(params![
            upto,
            before,
            i64::try_from(limit).unwrap_or(i64::MAX)
        ])?)
}
