//! Stored answers of DOF-moving requests, keyed by `(user, Idempotency-Key)`.
//!
//! [`run_stored`] runs an operation inside a writer job and stores its final answer — success
//! or 4xx refusal — in the same transaction as its effect, so a crash can never leave an effect
//! without its record (or a record without its effect). A 5xx is not stored: nothing was
//! applied and the key may be retried.
//!
//! Which errors are final answers, and how they read, is the HTTP layer's to say: an
//! operation's error type implements [`FinalAnswer`], so this module stores answers without
//! knowing the contract's codes.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::error::{DbError, DbResult};

/// An operation's error, as far as idempotency cares: whether it is a final answer to store
/// (a refusal a retry would get again) and in what form.
pub trait FinalAnswer: From<DbError> {
    /// The answer to store for this error under `request_id`, or `None` when it is not final
    /// (nothing was applied and the key may be retried).
    fn final_answer(&self, request_id: &str) -> Option<StoredResponse>;
}

/// Who sent which key for which request.
#[derive(Clone, Debug)]
pub struct IdemKey {
    /// The caller.
    pub user_id: String,
    /// The `Idempotency-Key` header.
    pub key: String,
    /// SHA-256 of method, path and body.
    pub request_hash: String,
    /// The request's id (error bodies carry it, and the stored copy keeps the first one).
    pub request_id: String,
}

/// A stored (or to-be-stored) final answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredResponse {
    /// HTTP status.
    pub status: u16,
    /// JSON body, byte for byte.
    pub body: Vec<u8>,
}

/// A previous answer for the key, with the hash of the request that got it.
#[derive(Clone, Debug)]
pub struct Previous {
    /// Hash of the first request.
    pub request_hash: String,
    /// Its answer.
    pub response: StoredResponse,
}

/// The stored answer for `(user, key)`, if any.
///
/// # Errors
/// A database failure.
pub fn lookup(conn: &Connection, user_id: &str, key: &str) -> DbResult<Option<Previous>> {
    Ok(conn
        .prepare_cached(
            "SELECT request_hash, status, body FROM idempotency WHERE user_id = ?1 AND key = ?2",
        )?
        .query_row(params![user_id, key], |r| {
            Ok(Previous {
                request_hash: r.get(0)?,
                response: StoredResponse {
                    status: r.get(1)?,
                    body: r.get(2)?,
                },
            })
        })
        .optional()?)
}

fn store(tx: &Connection, k: &IdemKey, resp: &StoredResponse, now: i64) -> DbResult<()> {
    tx.prepare_cached(
        "INSERT INTO idempotency (user_id, key, request_hash, status, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![k.user_id, k.key, k.request_hash, resp.status, resp.body, now])?;
    Ok(())
}

/// Runs `op` and stores its final answer under `k` in the same transaction.
///
/// Returns the answer and, on success, the operation's value. A final refusal
/// ([`FinalAnswer`]) rolls back whatever `op` did, stores the refusal and returns `Ok` (so the
/// record commits).
///
/// # Errors
/// An error of `op` that is not a final answer (nothing stored, the whole job rolls back),
/// `IdempotencyConflict`, or a database failure.
pub fn run_stored<T, E, F>(
    tx: &Connection,
    k: &IdemKey,
    ok_status: u16,
    now: i64,
    op: F,
) -> Result<(StoredResponse, Option<T>), E>
where
    T: Serialize,
    E: FinalAnswer,
    F: FnOnce(&Connection) -> Result<T, E>,
{
    // The key may have been answered since the caller looked (another node, a race the
    // in-flight guard did not see); the writer is the last word.
    if let Some(prev) = lookup(tx, &k.user_id, &k.key)? {
        if prev.request_hash != k.request_hash {
            return Err(DbError::IdempotencyConflict { key: k.key.clone() }.into());
        }
        return Ok((prev.response, None));
    }
    tx.execute_batch("SAVEPOINT idem_op")
        .map_err(DbError::from)?;
    let tally = super::ledger::tally();
    let mark = super::ledger::mark();
    match op(tx) {
        Ok(value) => {
            tx.execute_batch("RELEASE idem_op").map_err(DbError::from)?;
            let body = serde_json::to_vec(&value).map_err(DbError::internal)?;
            let resp = StoredResponse {
                status: ok_status,
                body,
            };
            store(tx, k, &resp, now)?;
            Ok((resp, Some(value)))
        }
        Err(e) => {
            super::ledger::restore_tally(tally);
            super::ledger::rollback_to(mark);
            tx.execute_batch("ROLLBACK TO idem_op; RELEASE idem_op")
                .map_err(DbError::from)?;
            let Some(resp) = e.final_answer(&k.request_id) else {
                return Err(e);
            };
            store(tx, k, &resp, now)?;
            Ok((resp, None))
        }
    }
}

/// Stores a refusal decided before any effect (validation, unknown agent…).
///
/// # Errors
/// `err` itself when it is not a final answer; `IdempotencyConflict` if the key was used
/// meanwhile for another request; a database failure.
pub fn store_refusal<E: FinalAnswer>(
    tx: &Connection,
    k: &IdemKey,
    err: E,
    now: i64,
) -> Result<StoredResponse, E> {
    run_stored::<(), E, _>(tx, k, 200, now, |_| Err(err)).map(|(resp, _)| resp)
}
