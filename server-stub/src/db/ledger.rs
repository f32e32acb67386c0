//! The double-entry DOF ledger.
//!
//! [`post`] is the only code that changes a balance: it writes a transaction, its entries and
//! the account balances together, refuses entries that do not sum to zero, and refuses any
//! posting that would leave a user's `available` or `held` account negative. It runs inside a
//! writer job, so a refusal rolls the whole job back.

use std::cell::RefCell;
use std::collections::HashMap;

use jiga::Timestamp;
use jiga::model::{LedgerEntry, Page, Transaction, TransactionType, Wallet};
use rusqlite::{Connection, OptionalExtension, params};

use super::error::{DbError, DbResult};
use crate::cursor::{PageReq, page_from};
use crate::ids::new_id;

pub use crate::domain::account;

/// What the postings of the current write transaction add to the ledger's running totals:
/// transactions per type (in [`TransactionType::ALL`]'s order) and DOF consumed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Transactions per type.
    pub by_type: [u64; TransactionType::ALL.len()],
    /// DOF moved into sessions' consumed accounts.
    pub consumed: i64,
    /// What the postings moved into (or out of) `platform:revenue`.
    pub platform_revenue: i64,
}

thread_local! {
    /// Postings of this thread's open write transaction. Only the writer thread's tally is
    /// read (it applies it to [`super::LedgerTotals`] when its transaction commits and drops
    /// it when it does not); a thread posting outside the writer (tests, benchmarks) only
    /// counts into a tally nobody reads, of fixed size.
    static TALLY: RefCell<Tally> = RefCell::new(Tally::default());
}

/// The tally so far (a job saves it and restores it if it rolls back).
#[must_use]
pub fn tally() -> Tally {
    TALLY.with(|t| *t.borrow())
}

/// Restores a saved tally (a job rolled back).
pub fn restore_tally(saved: Tally) {
    TALLY.with(|t| *t.borrow_mut() = saved);
}

/// Takes the tally, leaving it empty (the transaction committed or failed).
#[must_use]
pub fn take_tally() -> Tally {
    TALLY.with(|t| std::mem::take(&mut *t.borrow_mut()))
}

fn count(kind: TransactionType, entries: &[(&str, i64)]) {
    TALLY.with(|t| {
        let mut t = t.borrow_mut();
        if let Some(i) = TransactionType::ALL.iter().position(|k| *k == kind)
            && let Some(n) = t.by_type.get_mut(i)
        {
            *n += 1;
        }
        if kind == TransactionType::Consume {
            let consumed: i64 = entries
                .iter()
                .filter(|(a, _)| a.starts_with("session:"))
                .map(|(_, n)| *n)
                .sum();
            t.consumed = t.consumed.saturating_add(consumed);
        }
        for (account, amount) in entries {
            if *account == account::PLATFORM_REVENUE {
                t.platform_revenue = t.platform_revenue.saturating_add(*amount);
            }
        }
    });
}

/// The balances of the writer's open transaction, kept in memory and written once per
/// account when the transaction commits ([`flush_batch`]): under group commit hundreds of
/// postings touch the same few accounts, and one upsert per entry was a third of a posting's
/// cost. A job that rolls back restores the balances it changed ([`rollback_to`]).
#[derive(Default)]
struct Batch {
    /// Account → (balance as of now, changed since it was read).
    balances: HashMap<String, (i64, bool)>,
    /// Undo log: the state of an account before each change, in order.
    undo: Vec<(String, Option<(i64, bool)>)>,
}

thread_local! {
    /// The writer thread's batch, while a group transaction is open; `None` elsewhere (then
    /// [`post`] updates `accounts` directly, statement by statement).
    static BATCH: RefCell<Option<Batch>> = const { RefCell::new(None) };
}

/// Opens a batch: balances are kept in memory until [`flush_batch`].
pub(crate) fn begin_batch() {
    BATCH.with(|b| *b.borrow_mut() = Some(Batch::default()));
}

/// Drops the batch (after its transaction committed or failed).
pub(crate) fn end_batch() {
    BATCH.with(|b| *b.borrow_mut() = None);
}

/// A point in the batch's undo log.
#[must_use]
pub fn mark() -> usize {
    BATCH.with(|b| b.borrow().as_ref().map_or(0, |b| b.undo.len()))
}

/// Restores the balances as they were at `mark` (the changes after it were rolled back).
pub fn rollback_to(mark: usize) {
    BATCH.with(|b| {
        if let Some(batch) = b.borrow_mut().as_mut() {
            while batch.undo.len() > mark {
                let Some((account, before)) = batch.undo.pop() else {
                    break;
                };
                match before {
                    Some(v) => {
                        batch.balances.insert(account, v);
                    }
                    None => {
                        batch.balances.remove(&account);
                    }
                }
            }
        }
    });
}

/// Writes every balance the batch changed; runs in the transaction, just before its commit.
pub(crate) fn flush_batch(tx: &Connection) -> rusqlite::Result<()> {
    let changed: Vec<(String, i64)> = BATCH.with(|b| {
        b.borrow().as_ref().map_or_else(Vec::new, |batch| {
            batch
                .balances
                .iter()
                .filter(|(_, (_, dirty))| *dirty)
                .map(|(a, (v, _))| (a.clone(), *v))
                .collect()
        })
    });
    let mut upd = tx.prepare_cached(
        "INSERT INTO accounts (id, balance) VALUES (?1, ?2) \
         ON CONFLICT (id) DO UPDATE SET balance = excluded.balance",
    )?;
    for (account, balance) in changed {
        upd.execute(params![account, balance])?;
    }
    Ok(())
}

fn stored_balance(conn: &Connection, account: &str) -> rusqlite::Result<i64> {
    Ok(conn
        .prepare_cached("SELECT balance FROM accounts WHERE id = ?1")?
        .query_row([account], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

/// Posts `entries` against the batch: checks every balance first, so a refusal changes
/// nothing, then writes the rows and keeps the new balances in memory.
fn post_in_batch(tx: &Connection, batch: &mut Batch, entries: &[(&str, i64)]) -> DbResult<()> {
    let mut next: Vec<(usize, i64)> = Vec::with_capacity(entries.len());
    for (i, (acct, amount)) in entries.iter().enumerate() {
        // An account may appear twice in one posting: start from its newest value.
        let current = match next.iter().rev().find(|(j, _)| entries[*j].0 == *acct) {
            Some((_, v)) => *v,
            None => match batch.balances.get(*acct) {
                Some((v, _)) => *v,
                None => stored_balance(tx, acct)?,
            },
        };
        let balance = current
            .checked_add(*amount)
            .ok_or_else(|| DbError::internal("balance overflow"))?;
        if balance < 0 && account::must_stay_non_negative(acct) {
            return Err(DbError::InsufficientFunds {
                needed: -amount,
                available: current,
                what: "this operation",
            });
        }
        next.push((i, balance));
    }
    for (i, balance) in next {
        let acct = entries[i].0;
        let before = batch.balances.insert(acct.to_owned(), (balance, true));
        batch.undo.push((acct.to_owned(), before));
    }
    Ok(())
}

/// The ledger's totals from storage (one scan, at start).
///
/// # Errors
/// A database failure.
pub fn totals(conn: &Connection) -> DbResult<Tally> {
    let mut tally = Tally::default();
    let rows = conn
        .prepare("SELECT type, COUNT(*) FROM transactions GROUP BY type")?
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    for (ty, n) in rows {
        if let Some(i) = TransactionType::ALL.iter().position(|k| k.as_str() == ty)
            && let Some(slot) = tally.by_type.get_mut(i)
        {
            *slot = u64::try_from(n).unwrap_or(0);
        }
    }
    tally.consumed =
        conn.query_row("SELECT COALESCE(SUM(consumed), 0) FROM sessions", [], |r| {
            r.get(0)
        })?;
    tally.platform_revenue = balance(conn, account::PLATFORM_REVENUE)?;
    Ok(tally)
}

/// A written transaction: its primary key and id.
#[derive(Clone, Debug)]
pub struct Posted {
    /// Row key.
    pub pk: i64,
    /// Public id.
    pub id: String,
}

/// Writes one balanced transaction.
///
/// # Errors
/// `internal` if the entries do not sum to zero or overflow; `insufficient_funds` if a user
/// account would go negative (the caller should have checked first and given a better
/// message; this is the invariant's last line of defence).
pub fn post(
    tx: &Connection,
    kind: TransactionType,
    entries: &[(&str, i64)],
    metadata: &serde_json::Value,
    now: i64,
) -> DbResult<Posted> {
    let mut sum: i64 = 0;
    for (_, amount) in entries {
        sum = sum
            .checked_add(*amount)
            .ok_or_else(|| DbError::internal("ledger entries overflow"))?;
    }
    if sum != 0 {
        return Err(DbError::internal(format!(
            "unbalanced {kind} transaction: entries sum to {sum}"
        )));
    }
    let batched = BATCH.with(|b| -> DbResult<bool> {
        match b.borrow_mut().as_mut() {
            Some(batch) => post_in_batch(tx, batch, entries).map(|()| true),
            None => Ok(false),
        }
    })?;
    let id = new_id("txn");
    tx.prepare_cached(
        "INSERT INTO transactions (id, type, created_at, metadata) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![id, kind.as_str(), now, metadata.to_string()])?;
    let pk = tx.last_insert_rowid();
    let mut ins = tx.prepare_cached(
        "INSERT INTO entries (txn_pk, idx, account, amount) VALUES (?1, ?2, ?3, ?4)",
    )?;
    if batched {
        for (idx, (acct, amount)) in entries.iter().enumerate() {
            ins.execute(params![pk, idx as i64, acct, amount])?;
        }
        count(kind, entries);
        return Ok(Posted { pk, id });
    }
    let mut upd = tx.prepare_cached(
        "INSERT INTO accounts (id, balance) VALUES (?1, ?2) \
         ON CONFLICT (id) DO UPDATE SET balance = balance + excluded.balance RETURNING balance",
    )?;
    for (idx, (acct, amount)) in entries.iter().enumerate() {
        ins.execute(params![pk, idx as i64, acct, amount])?;
        let balance: i64 = upd.query_row(params![acct, amount], |r| r.get(0))?;
        if balance < 0 && account::must_stay_non_negative(acct) {
            return Err(DbError::InsufficientFunds {
                needed: -amount,
                available: balance - amount,
                what: "this operation",
            });
        }
    }
    count(kind, entries);
    Ok(Posted { pk, id })
}

/// The balance of one account (0 for an account never used).
///
/// # Errors
/// A database failure.
pub fn balance(conn: &Connection, account: &str) -> DbResult<i64> {
    let cached = BATCH.with(|b| {
        b.borrow()
            .as_ref()
            .and_then(|batch| batch.balances.get(account).map(|(v, _)| *v))
    });
    match cached {
        Some(v) => Ok(v),
        None => Ok(stored_balance(conn, account)?),
    }
}

/// A user's wallet.
///
/// # Errors
/// A database failure.
pub fn wallet(conn: &Connection, user_id: &str) -> DbResult<Wallet> {
    // Both balances from one snapshot: two reads outside a transaction may straddle a commit
    // (a hold moves DOF from one to the other) and show a wallet that never existed. A read
    // transaction keeps the snapshot of its first read (WAL) until it ends.
    let snapshot = conn.unchecked_transaction()?;
    let available = stored_balance(&snapshot, &account::available(user_id))?;
    crate::hooks::reached_blocking(crate::hooks::WALLET_BETWEEN_READS, user_id);
    let held = stored_balance(&snapshot, &account::held(user_id))?;
    snapshot.commit()?;
    Wallet::from_accounts(available.into(), held.into())
        .ok_or_else(|| DbError::internal("wallet overflow"))
}

/// The caller's transactions, newest first, optionally of one type.
///
/// # Errors
/// A database failure.
pub fn list_for_user(
    conn: &Connection,
    user_id: &str,
    kind: Option<TransactionType>,
    page: PageReq,
) -> DbResult<Page<Transaction>> {
    // One index walk per account (newest first, stopping at the limit), merged; a transaction
    // touching both accounts (hold, release) appears once.
    let mut stmt = conn.prepare_cached(
        "SELECT t.pk, t.id, t.type, t.created_at, t.metadata FROM transactions t WHERE t.pk IN ( \
           SELECT * FROM (SELECT e.txn_pk FROM entries e JOIN transactions x ON x.pk = e.txn_pk \
             WHERE e.account = ?1 AND e.txn_pk < ?3 AND (?4 IS NULL OR x.type = ?4) \
             ORDER BY e.txn_pk DESC LIMIT ?5) \
           UNION \
           SELECT * FROM (SELECT e.txn_pk FROM entries e JOIN transactions x ON x.pk = e.txn_pk \
             WHERE e.account = ?2 AND e.txn_pk < ?3 AND (?4 IS NULL OR x.type = ?4) \
             ORDER BY e.txn_pk DESC LIMIT ?5)) \
         ORDER BY t.pk DESC LIMIT ?5",
    )?;
    let want = i64::from(page.limit) + 1;
    let rows = stmt
        .query_map(
            params![
                account::available(user_id),
                account::held(user_id),
                page.before,
                kind.map(|k| k.as_str()),
                want
            ],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                ))
            },
        )?
        .collect::<Result<Vec<_>, _>>()?;
    let rows = rows
        .into_iter()
        .map(|(pk, id, ty, created, meta)| {
            Ok((pk, to_transaction(conn, pk, id, &ty, created, &meta)?))
        })
        .collect::<DbResult<Vec<_>>>()?;
    Ok(page_from(rows, page.limit))
}

fn to_transaction(
    conn: &Connection,
    pk: i64,
    id: String,
    ty: &str,
    created: i64,
    meta: &str,
) -> DbResult<Transaction> {
    let entries = conn
        .prepare_cached("SELECT account, amount FROM entries WHERE txn_pk = ?1 ORDER BY idx")?
        .query_map([pk], |r| {
            Ok(LedgerEntry {
                account: r.get(0)?,
                amount: r.get::<_, i64>(1)?.into(),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Transaction {
        id,
        kind: ty
            .parse()
            .map_err(|_| DbError::internal(format!("unknown transaction type '{ty}'")))?,
        created_at: Timestamp::from_unix_millis(created)
            .ok_or_else(|| DbError::internal("bad timestamp"))?,
        entries,
        metadata: serde_json::from_str(meta).unwrap_or(serde_json::Value::Null),
    })
}

/// The ledger's global invariants, as checked by tests and the crash test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Audit {
    /// Sum of every entry of every account (must be 0).
    pub entries_sum: i64,
    /// User accounts below zero (must be 0).
    pub negative_user_accounts: i64,
    /// Accounts whose kept balance differs from the sum of their entries (must be 0).
    pub drifted_balances: i64,
}

/// Audits the whole ledger.
///
/// # Errors
/// A database failure.
pub fn audit(conn: &Connection) -> DbResult<Audit> {
    let entries_sum = conn.query_row("SELECT COALESCE(SUM(amount), 0) FROM entries", [], |r| {
        r.get(0)
    })?;
    let negative_user_accounts = conn.query_row(
        "SELECT COUNT(*) FROM accounts WHERE balance < 0 AND id LIKE 'user:%' \
         AND (id LIKE '%:available' OR id LIKE '%:held')",
        [],
        |r| r.get(0),
    )?;
    let drifted_balances = conn.query_row(
        "SELECT COUNT(*) FROM accounts a LEFT JOIN \
         (SELECT account, SUM(amount) s FROM entries GROUP BY account) e ON e.account = a.id \
         WHERE a.balance != COALESCE(e.s, 0)",
        [],
        |r| r.get(0),
    )?;
    Ok(Audit {
        entries_sum,
        negative_user_accounts,
        drifted_balances,
    })
}
